"""Small JPEGs for the dashboard and the cover cache, and their data URIs."""

from __future__ import annotations

import base64
import io


def shrink_jpeg(data: bytes, size: tuple[int, int], quality: int) -> bytes | None:
    """A JPEG no larger than `size` (aspect kept), or None when `data` is not a decodable image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.draft("RGB", (size[0] * 2, size[1] * 2))  # JPEG: decode at reduced size, several times faster
            rgb = img.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    rgb.thumbnail(size)
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=quality)
    return out.getvalue()


def data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
