"""PII redaction for text we store or send on (comments, bios, transcripts).

Public comments and bios often carry an email address, a phone number or another person's handle.
We keep the words that matter for analysis and replace the identifying parts with a typed
placeholder, so a reader still sees that a contact detail was there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# 7+ digits with optional separators, optionally +country; years and small counts stay intact.
_PHONE = re.compile(r"(?<![\w])\+?\d(?:[\s().-]{0,2}\d){6,14}(?![\w])")
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,\s]\d{3})+")  # 1.000.000 is a count, not a phone number
_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
# Dates and runs of years look like phone numbers to _PHONE; they are not personal data.
_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}|(?:(?:19|20)\d{2}[\s,]+)+(?:19|20)\d{2}")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9._]{2,24}")
_URL_SECRET = re.compile(r"([?&](?:token|key|sig|signature|auth|access_token|api_key)=)[^\s&#]+", re.IGNORECASE)



def _phone(m: re.Match[str]) -> str:
    number = m.group(0)
    return number if _THOUSANDS.fullmatch(number) or _DATE_LIKE.fullmatch(number) else "[phone]"


# (pattern, replacement) in order; a replacement that returns the match unchanged is not a redaction.
_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_URL_SECRET, lambda m: m.group(1) + "[redacted]"),
    (_EMAIL, lambda m: "[email]"),
    (_CARD, lambda m: "[card]"),
    (_PHONE, _phone),
    (_MENTION, lambda m: "@[user]"),
)


@dataclass(frozen=True)
class Redacted:
    text: str
    redactions: int


def redact_pii(text: str | None) -> Redacted:
    """Replace emails, card and phone numbers, @mentions and secrets in URLs; count what was hidden."""
    if not text:
        return Redacted(text or "", 0)
    total = 0

    def counted(replace: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
        def sub(m: re.Match[str]) -> str:
            nonlocal total
            new = replace(m)
            total += new != m.group(0)
            return new

        return sub

    out = text
    for pattern, replace in _RULES:
        out = pattern.sub(counted(replace), out)
    return Redacted(out, total)


def display_url(url: str) -> str:
    """The URL as it may appear in errors, logs and metadata: no user info, query string or fragment
    (where credentials and signatures hide)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "<unparseable URL>"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
