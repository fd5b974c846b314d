"""httpx clients for TikTok's Display API v2, its OAuth endpoints and (later) the Research API."""
