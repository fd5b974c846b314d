"""The media-store contract, run over the local folder store and the S3 store (moto's server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tiktok_pipelines.lib.media.store import (
    LocalMediaStore,
    MediaKeyError,
    MediaNotFound,
    MediaStore,
    S3MediaStore,
    media_key,
    video_prefix,
)
from tiktok_pipelines_tests.media.servers import moto_s3_endpoint, s3_client

BUCKET = "media-test"


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """A boto3 client on a moto S3 server (module-wide) with one bucket."""
    with moto_s3_endpoint() as endpoint:
        client = s3_client(endpoint)
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    """An empty store of each kind. The S3 one sits under a fresh prefix and lists 2 keys per page,
    so listing and deleting a video's files crosses page boundaries."""
    if request.param == "local":
        return LocalMediaStore(tmp_path / "media")
    client = request.getfixturevalue("s3")
    return S3MediaStore(client, BUCKET, prefix=f"runs/{uuid.uuid4().hex}", page_size=2)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "src" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_put_fetch_round_trip_is_byte_identical(store: MediaStore, tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    key = media_key("7301", "source.mp4")

    uri = store.put_file(key, _file(tmp_path, "a.mp4", data), content_type="video/mp4")
    fetched = store.fetch(key, tmp_path / "out" / "copy.mp4")

    assert uri == store.uri(key)
    assert fetched == tmp_path / "out" / "copy.mp4"
    assert fetched.read_bytes() == data
    assert [p.name for p in fetched.parent.iterdir()] == ["copy.mp4"]  # no temp file left behind


def test_uri_names_the_backing_location(store: MediaStore, tmp_path: Path) -> None:
    key = media_key("7301", "source.mp4")
    if isinstance(store, LocalMediaStore):
        assert store.uri(key) == (tmp_path / "media" / "videos" / "7301" / "source.mp4").resolve().as_uri()
    else:
        assert isinstance(store, S3MediaStore)
        assert store.uri(key) == f"s3://{BUCKET}/{store.prefix}videos/7301/source.mp4"
        assert store.prefix.startswith("runs/") and store.prefix.endswith("/")


def test_exists_and_overwrite(store: MediaStore, tmp_path: Path) -> None:
    key = media_key("7301", "source.mp4")
    assert not store.exists(key)

    store.put_file(key, _file(tmp_path, "v1.mp4", b"first"))
    store.put_file(key, _file(tmp_path, "v2.mp4", b"second version"))

    assert store.exists(key)
    assert store.fetch(key, tmp_path / "got.mp4").read_bytes() == b"second version"
    assert [o.size for o in store.list()] == [len(b"second version")]


def test_fetching_a_missing_key_names_it(store: MediaStore, tmp_path: Path) -> None:
    with pytest.raises(MediaNotFound, match="videos/404/source.mp4") as caught:
        store.fetch(media_key("404", "source.mp4"), tmp_path / "out" / "nothing.mp4")
    assert isinstance(caught.value, KeyError)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_list_is_sorted_sized_dated_and_prefix_scoped(store: MediaStore, tmp_path: Path) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    files = {
        media_key("v1", "source.mp4"): b"x" * 10,
        media_key("v1", "keyframes/0002.jpg"): b"y" * 3,
        media_key("v1", "keyframes/0001.jpg"): b"z" * 4,
        media_key("v10", "source.mp4"): b"w" * 7,
        media_key("v2", "source.mp4"): b"q",
    }
    for i, (key, data) in enumerate(files.items()):
        store.put_file(key, _file(tmp_path, f"{i}.bin", data))

    listed = store.list(video_prefix("v1"))

    assert [o.key for o in listed] == [
        "videos/v1/keyframes/0001.jpg",
        "videos/v1/keyframes/0002.jpg",
        "videos/v1/source.mp4",
    ]
    assert [o.size for o in listed] == [4, 3, 10]
    after = datetime.now(UTC) + timedelta(seconds=5)
    assert all(o.modified.tzinfo is not None and before <= o.modified <= after for o in listed)
    # A prefix is a string prefix, as in S3: "videos/v1" also matches "videos/v10/".
    assert [o.key for o in store.list("videos/v1")] == [o.key for o in listed] + ["videos/v10/source.mp4"]
    assert len(store.list()) == 5
    assert store.list("videos/none/") == []


def test_delete_prefix_counts_removes_only_that_video_and_is_idempotent(store: MediaStore, tmp_path: Path) -> None:
    for name in ("source.mp4", "audio.wav", "keyframes/0001.jpg", "keyframes/0002.jpg", "keyframes/0003.jpg"):
        store.put_file(media_key("v1", name), _file(tmp_path, "f.bin", name.encode()))
    store.put_file(media_key("v10", "source.mp4"), _file(tmp_path, "g.bin", b"keep me"))

    assert store.delete_prefix(video_prefix("v1")) == 5
    assert store.delete_prefix(video_prefix("v1")) == 0

    assert [o.key for o in store.list()] == ["videos/v10/source.mp4"]
    assert not store.exists(media_key("v1", "source.mp4"))


def test_delete_prefix_refuses_to_empty_the_whole_store(store: MediaStore, tmp_path: Path) -> None:
    store.put_file(media_key("v1", "source.mp4"), _file(tmp_path, "f.bin", b"data"))
    with pytest.raises(MediaKeyError, match="whole store"):
        store.delete_prefix("")
    assert store.exists(media_key("v1", "source.mp4"))


@pytest.mark.parametrize(
    "key",
    ["../escape.mp4", "videos/../../escape.mp4", "/etc/passwd", "videos\\v1\\a.mp4", "videos//a.mp4",
     "videos/./a.mp4", "videos/v1/", "", ".hidden", "C:/x.mp4", "videos/a\nb.mp4"],
)
def test_unsafe_keys_are_rejected_everywhere(store: MediaStore, tmp_path: Path, key: str) -> None:
    src = _file(tmp_path, "f.bin", b"data")
    for call in (
        lambda: store.put_file(key, src),
        lambda: store.fetch(key, tmp_path / "out.bin"),
        lambda: store.exists(key),
        lambda: store.uri(key),
    ):
        with pytest.raises(MediaKeyError):
            call()
    assert store.list() == []
    assert not (tmp_path / "escape.mp4").exists()


def test_storing_a_missing_file_names_the_path(store: MediaStore, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.mp4"):
        store.put_file(media_key("v1", "source.mp4"), tmp_path / "nope.mp4")
    assert store.list() == []


def test_local_store_writes_under_its_root_only(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    store.put_file(media_key("v1", "keyframes/0001.jpg"), _file(tmp_path, "k.jpg", b"jpg"))

    assert (tmp_path / "media" / "videos" / "v1" / "keyframes" / "0001.jpg").read_bytes() == b"jpg"
    store.delete_prefix(video_prefix("v1"))
    # Emptied folders go too, the root stays.
    assert (tmp_path / "media").is_dir()
    assert list((tmp_path / "media").iterdir()) == []


def test_local_store_does_not_list_in_flight_temp_files(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    store.put_file(media_key("v1", "source.mp4"), _file(tmp_path, "s.mp4", b"done"))
    # What an interrupted put leaves next to the object.
    (tmp_path / "media" / "videos" / "v1" / ".source.mp4.abc123.tmp").write_bytes(b"half")

    assert [o.key for o in store.list()] == ["videos/v1/source.mp4"]


def test_s3_store_sends_the_content_type(s3: Any, tmp_path: Path) -> None:
    store = S3MediaStore(s3, BUCKET, prefix="typed")
    store.put_file(media_key("v1", "source.mp4"), _file(tmp_path, "s.mp4", b"mp4"), content_type="video/mp4")
    head = s3.head_object(Bucket=BUCKET, Key="typed/videos/v1/source.mp4")
    assert head["ContentType"] == "video/mp4"
    store.delete_prefix("videos/")


@pytest.mark.parametrize("video_id", ["", "../x", "a/b", "a b", "x" * 65, "é"])
def test_media_key_rejects_bad_video_ids(video_id: str) -> None:
    with pytest.raises(MediaKeyError, match="video_id"):
        media_key(video_id, "source.mp4")


def test_media_key_layout() -> None:
    assert media_key("7301234567890123456", "source.mp4") == "videos/7301234567890123456/source.mp4"
    assert media_key("draft-clip-1a2b3c4d", "keyframes/0001.jpg") == "videos/draft-clip-1a2b3c4d/keyframes/0001.jpg"
    with pytest.raises(MediaKeyError):
        media_key("v1", "../v2/source.mp4")
