"""Reading errors from the `openai` client, shared by every stage that talks to an OpenAI-compatible API
(ASR transcription, the LLM critique)."""

from __future__ import annotations

from typing import Any


def api_message(exc: Any) -> str:
    """The server's own error message (the client's str() prefixes "Error code: NNN - {...the body}")."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return str(getattr(exc, "message", exc))
