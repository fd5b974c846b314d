"""One partition per video with media: account videos (their TikTok id) and drafts ("draft-...")."""

import dagster as dg

videos_partitions = dg.DynamicPartitionsDefinition(name="videos")
