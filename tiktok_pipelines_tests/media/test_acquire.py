"""Acquisition: the drop folder (local and S3), guarded direct-URL downloads, the opt-in yt-dlp adapter.

Downloads run against real local servers (HTTPS with a self-signed certificate, plain HTTP, moto
S3). Targets that must never be contacted (cloud metadata, private ranges) are only resolved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
import subprocess
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tiktok_pipelines.lib.media.acquire import (
    CAPTION_MAX_CHARS,
    DownloadFailed,
    DownloadPolicy,
    DownloadRejected,
    download_url,
    download_with_ytdlp,
    drop_video_id,
    scan_drop_folder,
    scan_s3_drop_prefix,
)
from tiktok_pipelines.lib.media.store import VIDEO_ID
from tiktok_pipelines_tests.media.servers import (
    FileServer,
    chunked_stream,
    closed_port,
    dripping,
    failing_first,
    huge_content_length,
    moto_s3_endpoint,
    redirect_to,
    s3_client,
    self_signed_cert,
    send_body,
    serve_bytes,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET = "X-Amz-Signature=s3cr3t-signature"
CAP = 256 * 1024


# --- drop folder -------------------------------------------------------------------------------------------


def _drop(folder: Path, name: str, *, age_s: float, data: bytes | str = b"\0video") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    stamp = (NOW - timedelta(seconds=age_s)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_numeric_stems_link_to_account_videos_and_other_names_become_drafts() -> None:
    assert drop_video_id("7301234567890123456.mp4") == "7301234567890123456"
    draft = drop_video_id("My Draft #1 (final).MOV")
    digest = hashlib.sha1(b"My Draft #1 (final)").hexdigest()[:8]
    assert draft == f"draft-my-draft-1-final-{digest}"


def test_draft_ids_are_stable_distinct_and_valid_partition_keys() -> None:
    names = ["Café été.mp4", "café-ete.mp4", "🎬🎬.webm", "x" * 300 + ".mkv", "clip.mp4", "clip.mov", "12a.mp4"]
    ids = [drop_video_id(n) for n in names]

    assert ids == [drop_video_id(n) for n in names]  # same name, same id, scan after scan
    assert ids[0].startswith("draft-cafe-ete-") and ids[1].startswith("draft-cafe-ete-") and ids[0] != ids[1]
    assert re.fullmatch(r"draft-untitled-[0-9a-f]{8}", ids[2])
    assert len(ids[3]) <= 64 and re.fullmatch(r"draft-x{40}-[0-9a-f]{8}", ids[3])
    assert ids[4] == ids[5]  # one stem, two containers: the same draft
    assert all(VIDEO_ID.fullmatch(i) and i.startswith("draft-") for i in ids)


def test_scan_finds_settled_videos_and_url_files_with_captions(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    _drop(drop, "7301234567890123456.mp4", age_s=600, data=b"v" * 100)
    _drop(drop, "7301234567890123456.caption.txt", age_s=600, data="\ufeffMorning routine #skincare\r\nline two\n")
    _drop(drop, "Summer Draft.mov", age_s=300)
    _drop(drop, "from phone.url", age_s=120, data="https://cdn.example.com/v/abc.mp4?token=x\n")
    shortcut = "[InternetShortcut]\r\nURL=https://videos.example.org/x.mp4\r\nIconIndex=0\r\n"
    _drop(drop, "saved.url", age_s=60, data=shortcut)

    items = scan_drop_folder(drop, settle_seconds=5, now=NOW)

    assert [i.name for i in items] == ["7301234567890123456.mp4", "Summer Draft.mov", "from phone.url", "saved.url"]
    posted, draft, phone, saved = items
    assert (posted.video_id, posted.is_draft, posted.kind, posted.size) == ("7301234567890123456", False, "file", 100)
    assert posted.caption == "Morning routine #skincare\nline two"
    assert posted.location == str(drop / "7301234567890123456.mp4")
    assert posted.modified == NOW - timedelta(seconds=600)
    assert draft.is_draft and draft.video_id == drop_video_id("Summer Draft.mov") and draft.caption is None
    assert (phone.kind, phone.video_id) == ("url", drop_video_id("from phone"))
    assert phone.url == "https://cdn.example.com/v/abc.mp4?token=x"
    assert (saved.kind, saved.url) == ("url", "https://videos.example.org/x.mp4")


def test_scan_skips_unsettled_hidden_partial_and_unrelated_files(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    _drop(drop, "still-uploading.mp4", age_s=2)
    _drop(drop, ".hidden.mp4", age_s=600)
    _drop(drop, "clip.mp4.part", age_s=600)
    _drop(drop, "clip.mp4.crdownload", age_s=600)
    _drop(drop, "clip.mp4.tmp", age_s=600)
    _drop(drop, "7301.truth.json", age_s=600, data="{}")
    _drop(drop, "notes.txt", age_s=600)
    _drop(drop, "sub/inner.mp4", age_s=600)
    _drop(drop, "not-a-link.url", age_s=600, data="file:///etc/passwd\n")
    _drop(drop, "ok.webm", age_s=600)

    assert [i.name for i in scan_drop_folder(drop, settle_seconds=5, now=NOW)] == ["ok.webm"]
    # Once the upload has been quiet for the settle time, it shows up.
    later = scan_drop_folder(drop, settle_seconds=5, now=NOW + timedelta(seconds=10))
    assert [i.name for i in later] == ["ok.webm", "still-uploading.mp4"]


def test_a_caption_still_being_written_holds_its_video_back(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    _drop(drop, "7301.mp4", age_s=600)
    _drop(drop, "7301.caption.txt", age_s=1, data="half a capt")

    assert scan_drop_folder(drop, settle_seconds=5, now=NOW) == []
    assert scan_drop_folder(drop, settle_seconds=5, now=NOW + timedelta(seconds=5))[0].caption == "half a capt"


def test_long_captions_are_cut_to_tiktoks_limit(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    _drop(drop, "7301.mp4", age_s=600)
    _drop(drop, "7301.caption.txt", age_s=600, data="a" * 5000)

    (item,) = scan_drop_folder(drop, now=NOW)
    assert item.caption == "a" * CAPTION_MAX_CHARS


def test_scan_of_a_missing_folder_names_it(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="no-such-drop"):
        scan_drop_folder(tmp_path / "no-such-drop", now=NOW)


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """A boto3 client on a moto S3 server (module-wide) with a "drops" bucket."""
    with moto_s3_endpoint() as endpoint:
        client = s3_client(endpoint)
        client.create_bucket(Bucket="drops")
        yield client


def test_s3_drop_prefix_follows_the_same_rules(s3: Any) -> None:
    objects = {
        "creator/7301234567890123456.mp4": b"v" * 50,
        "creator/7301234567890123456.caption.txt": b"Caption from S3 #tips",
        "creator/Draft Two.mkv": b"d" * 20,
        "creator/link.url": b"https://cdn.example.com/a.mp4\n",
        "creator/upload.mp4.part": b"partial",
        "creator/.hidden.mp4": b"h",
        "creator/7301.truth.json": b"{}",
        "creator/archive/old.mp4": b"nested",
        "creatorzone/other.mp4": b"other prefix",
    }
    for key, body in objects.items():
        s3.put_object(Bucket="drops", Key=key, Body=body)
    settled = datetime.now(UTC) + timedelta(seconds=30)

    items = scan_s3_drop_prefix(s3, "drops", "creator", settle_seconds=5, now=settled)

    assert sorted(i.name for i in items) == ["7301234567890123456.mp4", "Draft Two.mkv", "link.url"]
    by_name = {i.name: i for i in items}
    posted = by_name["7301234567890123456.mp4"]
    assert (posted.video_id, posted.is_draft, posted.size, posted.location) == (
        "7301234567890123456", False, 50, "creator/7301234567890123456.mp4")
    assert posted.caption == "Caption from S3 #tips"
    assert by_name["Draft Two.mkv"].video_id == drop_video_id("Draft Two.mkv")
    assert by_name["link.url"].url == "https://cdn.example.com/a.mp4"
    assert [(i.modified, i.name) for i in items] == sorted((i.modified, i.name) for i in items)
    # Just uploaded: nothing has settled for an hour.
    assert scan_s3_drop_prefix(s3, "drops", "creator/", settle_seconds=3600) == []


# --- direct-URL downloads ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real 1-second H.264 mp4 made by ffmpeg."""
    out = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1",
         "-pix_fmt", "yuv420p", "-c:v", "libx264", str(out)],
        check=True, timeout=60,
    )
    return out.read_bytes()


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def plain(clip: bytes) -> Iterator[FileServer]:
    """A plain-HTTP server on loopback serving the clip."""
    with FileServer() as server:
        server.routes["/clip.mp4"] = serve_bytes(clip, "video/mp4")
        yield server


@pytest.fixture(scope="module")
def site(clip: bytes, cert: tuple[Path, Path], plain: FileServer) -> Iterator[FileServer]:
    """The HTTPS server on loopback with one route per behaviour under test."""
    with FileServer(tls=cert) as server:
        routes = server.routes
        routes["/clip.mp4"] = serve_bytes(clip, "video/mp4")
        routes["/clip-params.mp4"] = serve_bytes(clip, "Video/MP4; codecs=avc1")
        routes["/page.html"] = serve_bytes(b"<html>not a video</html>", "text/html; charset=utf-8")
        routes["/huge.mp4"] = huge_content_length(10**12)
        routes["/endless.mp4"] = chunked_stream(4 * CAP)
        routes["/r1"] = redirect_to("/r2", 301)
        routes["/r2"] = redirect_to(server.url("/r3"), 307)
        routes["/r3"] = redirect_to("clip.mp4?" + SECRET, 302)
        routes["/loop"] = redirect_to("/loop")
        routes["/to-http"] = redirect_to(plain.url("/clip.mp4"))
        routes["/drip.mp4"] = dripping(chunks=40, every_s=0.1)
        routes["/flaky.mp4"] = failing_first(2, serve_bytes(clip, "video/mp4"))
        routes["/down.mp4"] = failing_first(10**6, serve_bytes(b"", "video/mp4"))
        routes["/missing.mp4"] = lambda h: send_body(h, 404, b"gone", "text/plain")
        yield server


@pytest.fixture
def policy(cert: tuple[Path, Path]) -> DownloadPolicy:
    """Trusts the test certificate and allows loopback (the test server's address)."""
    return DownloadPolicy(allow_private=True, verify=str(cert[0]), max_bytes=CAP, timeout_s=10)


def _secret_free(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc))
    assert "s3cr3t" not in text
    return str(exc)


def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_downloads_an_mp4_atomically_with_its_hash(
    site: FileServer, policy: DownloadPolicy, clip: bytes, tmp_path: Path
) -> None:
    dest = tmp_path / "dl" / "source.mp4"

    got = download_url(site.url(f"/clip.mp4?{SECRET}"), dest, policy=policy)

    assert got.path == dest and dest.read_bytes() == clip
    assert (got.size, got.sha256) == (len(clip), hashlib.sha256(clip).hexdigest())
    assert got.content_type == "video/mp4"
    assert got.final_url == site.url("/clip.mp4")  # no query string: it may be a signature
    assert _left_in(dest.parent) == ["source.mp4"]


def test_content_type_parameters_are_ignored(site: FileServer, policy: DownloadPolicy, tmp_path: Path) -> None:
    assert download_url(site.url("/clip-params.mp4"), tmp_path / "a.mp4", policy=policy).content_type == "video/mp4"


def test_follows_a_redirect_chain_checking_every_hop(
    site: FileServer, policy: DownloadPolicy, clip: bytes, tmp_path: Path
) -> None:
    hops = ("/r1", "/r2", "/r3", "/clip.mp4")
    before = [site.hits[p] for p in hops]

    got = download_url(site.url("/r1"), tmp_path / "a.mp4", policy=policy)

    assert got.final_url == site.url("/clip.mp4") and got.path.read_bytes() == clip
    assert [site.hits[p] - b for p, b in zip(hops, before, strict=True)] == [1, 1, 1, 1]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/page.html", "Content-Type 'text/html'"),
        ("/huge.mp4", "Content-Length 1000000000000 is over"),
        ("/endless.mp4", "passed the 262144-byte cap"),
        ("/loop", "more than 5 redirects"),
        ("/to-http", "scheme 'http' not allowed"),
        ("/missing.mp4", "HTTP 404"),
    ],
)
def test_rejections_are_permanent_and_leave_no_partial_file(
    site: FileServer, policy: DownloadPolicy, tmp_path: Path, path: str, reason: str
) -> None:
    before = site.hits[path]
    with pytest.raises(DownloadRejected, match=re.escape(reason)) as caught:
        download_url(site.url(f"{path}?{SECRET}"), tmp_path / "dl" / "a.mp4", policy=policy, backoff_s=0.01)

    message = _secret_free(caught.value)
    assert site.url(path) in message
    assert _left_in(tmp_path / "dl") == []
    # Not retried; the loop is followed max_redirects times after the first request, then refused.
    assert site.hits[path] == before + (policy.max_redirects + 1 if path == "/loop" else 1)


def test_redirect_to_http_never_reaches_the_http_server(
    site: FileServer, plain: FileServer, policy: DownloadPolicy, tmp_path: Path
) -> None:
    before = plain.hits["/clip.mp4"]
    with pytest.raises(DownloadRejected):
        download_url(site.url("/to-http"), tmp_path / "a.mp4", policy=policy)
    assert plain.hits["/clip.mp4"] == before


def test_plain_http_is_rejected_before_connecting_unless_allowed(
    plain: FileServer, policy: DownloadPolicy, clip: bytes, tmp_path: Path
) -> None:
    before = plain.hits["/clip.mp4"]
    with pytest.raises(DownloadRejected, match="scheme 'http' not allowed"):
        download_url(plain.url(f"/clip.mp4?{SECRET}"), tmp_path / "a.mp4", policy=policy)
    assert plain.hits["/clip.mp4"] == before

    allowed = DownloadPolicy(allow_http=True, allow_private=True)
    assert download_url(plain.url("/clip.mp4"), tmp_path / "b.mp4", policy=allowed).path.read_bytes() == clip


def test_loopback_is_rejected_by_default_before_connecting(
    site: FileServer, cert: tuple[Path, Path], tmp_path: Path
) -> None:
    before = site.hits["/clip.mp4"]
    with pytest.raises(DownloadRejected, match="loopback address 127.0.0.1") as caught:
        download_url(site.url(f"/clip.mp4?{SECRET}"), tmp_path / "a.mp4", policy=DownloadPolicy(verify=str(cert[0])))
    _secret_free(caught.value)
    assert site.hits["/clip.mp4"] == before


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data/", "link-local address 169.254.169.254"),
        ("https://[::1]:8443/x.mp4", "loopback address ::1"),
        ("https://10.0.0.1/x.mp4", "private address 10.0.0.1"),
        ("https://[::ffff:127.0.0.1]/x.mp4", "loopback address 127.0.0.1"),
        ("https://[fe80::1%25eth0]/x.mp4", "link-local address fe80::1"),
        ("https://0.0.0.0/x.mp4", "unspecified address 0.0.0.0"),
        ("https://224.0.0.1/x.mp4", "multicast address 224.0.0.1"),
        ("https://100.64.0.1/x.mp4", "address 100.64.0.1"),
        ("https://localhost/x.mp4", "loopback address"),
    ],
)
def test_private_targets_are_rejected_on_resolution_alone(url: str, reason: str, tmp_path: Path) -> None:
    # Every one of these is refused after resolving the host; no connection is made (a connection
    # attempt to 10.0.0.1 would surface as DownloadFailed, not DownloadRejected).
    with pytest.raises(DownloadRejected, match=re.escape(reason)) as caught:
        download_url(f"{url}?{SECRET}", tmp_path / "a.mp4", retries=0)
    _secret_free(caught.value)


def test_a_redirect_to_a_private_address_is_refused_at_that_hop(tmp_path: Path) -> None:
    # A public-looking server that redirects to the cloud metadata address. The server is an
    # in-process httpx transport: reaching a public address is not possible in tests.
    seen: list[str] = []

    def public_server(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://169.254.169.254/latest/meta-data/"})

    client = httpx.Client(transport=httpx.MockTransport(public_server))
    with pytest.raises(DownloadRejected, match="link-local address 169.254.169.254"):
        download_url("https://93.184.215.14/video.mp4", tmp_path / "a.mp4", client=client)
    assert seen == ["https://93.184.215.14/video.mp4"]


def test_5xx_is_retried_with_backoff_then_succeeds(
    site: FileServer, policy: DownloadPolicy, clip: bytes, tmp_path: Path
) -> None:
    got = download_url(site.url("/flaky.mp4"), tmp_path / "a.mp4", policy=policy, retries=3, backoff_s=0.01)

    assert got.path.read_bytes() == clip
    assert site.hits["/flaky.mp4"] == 3


def test_persistent_5xx_gives_up_as_transient(site: FileServer, policy: DownloadPolicy, tmp_path: Path) -> None:
    before = site.hits["/down.mp4"]
    with pytest.raises(DownloadFailed, match="after 3 attempt") as caught:
        download_url(
            site.url(f"/down.mp4?{SECRET}"), tmp_path / "dl" / "a.mp4", policy=policy, retries=2, backoff_s=0.01
        )
    assert "HTTP 503" in _secret_free(caught.value)
    assert site.hits["/down.mp4"] == before + 3
    assert _left_in(tmp_path / "dl") == []


def test_a_body_that_drips_past_the_deadline_is_abandoned(
    site: FileServer, policy: DownloadPolicy, tmp_path: Path
) -> None:
    slow = dataclasses.replace(policy, max_seconds=0.5)
    with pytest.raises(DownloadFailed, match=r"took longer than 0\.5s"):
        download_url(site.url("/drip.mp4"), tmp_path / "dl" / "a.mp4", policy=slow, retries=0)
    assert _left_in(tmp_path / "dl") == []


def test_connection_refused_is_transient(policy: DownloadPolicy, tmp_path: Path) -> None:
    url = f"https://127.0.0.1:{closed_port()}/a.mp4?{SECRET}"
    with pytest.raises(DownloadFailed, match="ConnectError") as caught:
        download_url(url, tmp_path / "a.mp4", policy=policy, retries=1, backoff_s=0.01)
    _secret_free(caught.value)


def test_an_untrusted_certificate_is_rejected_not_retried(site: FileServer, tmp_path: Path) -> None:
    before = site.hits["/clip.mp4"]
    with pytest.raises(DownloadRejected, match="TLS certificate not trusted"):
        download_url(
            site.url("/clip.mp4"), tmp_path / "a.mp4", policy=DownloadPolicy(allow_private=True), backoff_s=0.01
        )
    assert site.hits["/clip.mp4"] == before  # the handshake failed; no request was sent


def test_httpx_request_logs_carry_no_query_string(
    site: FileServer, policy: DownloadPolicy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # INFO is what runs log at; httpcore's opt-in DEBUG trace still prints raw response headers.
    with caplog.at_level(logging.INFO):
        download_url(site.url(f"/r3?{SECRET}"), tmp_path / "a.mp4", policy=policy)
    assert "HTTP Request" in caplog.text and "/clip.mp4" in caplog.text
    assert "s3cr3t" not in caplog.text


# --- yt-dlp ---------------------------------------------------------------------------------------------


def test_ytdlp_is_off_by_default_with_the_terms_note(tmp_path: Path) -> None:
    with pytest.raises(DownloadRejected, match="TIKTOK_MEDIA_YTDLP=1 enables it.*outside TikTok's terms of service"):
        download_with_ytdlp("https://www.tiktok.com/@someone/video/7301", tmp_path, enabled=False, max_bytes=CAP)
    assert _left_in(tmp_path) == []


def test_ytdlp_downloads_a_direct_mp4_when_enabled(site: FileServer, clip: bytes, tmp_path: Path) -> None:
    path = download_with_ytdlp(site.url("/clip.mp4"), tmp_path / "yt", enabled=True, max_bytes=CAP, verify_tls=False)

    assert path.parent == tmp_path / "yt" and path.suffix == ".mp4"
    assert path.read_bytes() == clip
    assert _left_in(tmp_path / "yt") == [path.name]  # its work folder is gone


def test_ytdlp_respects_the_size_cap(site: FileServer, tmp_path: Path) -> None:
    with pytest.raises(DownloadRejected, match="cap"):
        download_with_ytdlp(site.url("/clip.mp4"), tmp_path / "yt", enabled=True, max_bytes=1000, verify_tls=False)
    assert _left_in(tmp_path / "yt") == []
