"""The demo world: a deterministic synthetic TikTok account served through TikTok's own HTTP protocol."""
