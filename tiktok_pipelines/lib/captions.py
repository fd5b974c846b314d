"""Small text helpers shared by every domain that reads captions."""

from __future__ import annotations

import re

# TikTok hashtags are letters, digits and underscores in any script; stop at punctuation or emoji.
_HASHTAG_RE = re.compile(r"#([^\W]+)", re.UNICODE)


def extract_hashtags(caption: str | None) -> list[str]:
    """Lower-cased hashtags in order of first appearance, without duplicates or the '#'."""
    if not caption:
        return []
    seen: dict[str, None] = {}
    for tag in _HASHTAG_RE.findall(caption):
        seen.setdefault(tag.lower(), None)
    return list(seen)
