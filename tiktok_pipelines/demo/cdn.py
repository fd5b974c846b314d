"""The demo world's cover-image CDN: what `p16-sign-va.tiktokcdn.com` does with a cover URL.

It checks the URL's signature and expiry like TikTok's CDN (an expired or tampered URL gets 403, an
unknown image 404) and answers with a JPEG drawn from the video's title, so the cover cache, the
dashboard and their tests run against real HTTP semantics and real image bytes.
"""

from __future__ import annotations

import hmac
import io
import threading
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIEnvironment

from tiktok_pipelines.demo.world import COVER_PATH_PREFIX, DemoAccount, DemoVideo, cover_key, cover_signature
from tiktok_pipelines.lib.clock import Clock

_SUFFIX = "~tplv-noop.image"
# Upcoming videos (posted after the anchor as the simulated clock moves) have covers too.
_FAR_FUTURE = timedelta(days=3650)
_PALETTE = ((37, 99, 235), (220, 38, 38), (22, 163, 74), (147, 51, 234), (234, 88, 12), (8, 145, 178))


class DemoCoverCdn:
    """WSGI app serving the covers of `account`'s videos at the time `clock` says."""

    def __init__(self, account: DemoAccount, clock: Clock) -> None:
        self.clock = clock
        self._by_key = {cover_key(v.id): v for v in account.videos_visible_at(account.anchor + _FAR_FUTURE)}
        self._images: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.requests: list[str] = []  # paths served (no query strings), for tests
        self.fail_next: int = 0  # answer this many requests with 503 (a flaky CDN edge)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        self.requests.append(path)
        if self.fail_next > 0:
            self.fail_next -= 1
            return _answer(start_response, 503, b"upstream unavailable", "text/plain")
        if not (path.startswith(COVER_PATH_PREFIX) and path.endswith(_SUFFIX)):
            return _answer(start_response, 404, b"not found", "text/plain")
        video = self._by_key.get(path[len(COVER_PATH_PREFIX):-len(_SUFFIX)])
        if video is None:
            return _answer(start_response, 404, b"not found", "text/plain")
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        expires_raw = (query.get("x-expires") or [""])[0]
        signature = (query.get("x-signature") or [""])[0]
        if not expires_raw.isdigit() or not hmac.compare_digest(signature, cover_signature(video.id, int(expires_raw))):
            return _answer(start_response, 403, b"AccessDenied: bad signature", "text/plain")
        if self.clock.now().timestamp() > int(expires_raw):
            return _answer(start_response, 403, b"AccessDenied: URL expired", "text/plain")
        return _answer(start_response, 200, self._image(video), "image/jpeg")

    def _image(self, video: DemoVideo) -> bytes:
        with self._lock:
            data = self._images.get(video.id)
            if data is None:
                data = self._images[video.id] = render_cover(video)
            return data


def render_cover(video: DemoVideo) -> bytes:
    """A 270x480 cover: the video's colour band and its title, like a creator's title card."""
    from PIL import Image, ImageDraw, ImageFont

    colour = _PALETTE[int(video.id[-3:]) % len(_PALETTE)]
    img = Image.new("RGB", (270, 480), colour)
    draw = ImageDraw.Draw(img)
    for y in range(480):  # a vertical gradient so thumbnails are not flat blocks
        shade = int(80 * y / 480)
        draw.line([(0, y), (270, y)], fill=tuple(max(0, c - shade) for c in colour))
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 22)
    except OSError:
        font = ImageFont.load_default()
    words, lines, line = video.title.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > 18 and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    for i, text in enumerate(lines[:6]):
        draw.text((16, 150 + i * 30), text, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def _answer(start_response: StartResponse, status: int, body: bytes, content_type: str) -> list[bytes]:
    phrase = {200: "OK", 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable"}[status]
    start_response(f"{status} {phrase}", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
