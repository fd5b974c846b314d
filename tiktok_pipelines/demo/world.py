"""A deterministic synthetic TikTok creator account: the data behind the demo world.

Everything here is a pure function of (seed, n_videos, anchor, span_days, upcoming_videos) and of the
time asked about, so the fake API, the tests and every demo process agree on what "the account"
looks like at any simulated instant without sharing state. Counts are closed-form growth curves
evaluated at a time, not a stored series: that keeps them integer, monotone and cheap, and lets the
simulated clock jump by days without replaying anything.

No Dagster and no HTTP here; `fake_api.py` turns this into TikTok's wire protocol.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import numpy as np

from tiktok_pipelines.lib.clock import utc

DEMO_NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

# The utm_source TikTok appends to share/embed links is the app's client key; the fake API passes its
# own, this default only matters when the world is used without an API in front of it.
DEFAULT_CLIENT_KEY = "demo-client-key"

COVER_URL_TTL = timedelta(hours=6)  # Display API cover URLs are signed for ~6 h (reference §1.7)
COVER_CDN_HOST = "p16-sign-va.tiktokcdn.com"
COVER_PATH_PREFIX = "/tos-maliva-p-0068/"


def cover_key(video_id: str) -> str:
    """The stable part of a video's cover path (its query string changes on every API call)."""
    return hashlib.sha256(f"cover:{video_id}".encode()).hexdigest()[:32]


def cover_signature(video_id: str, expires: int) -> str:
    """The demo CDN's URL signature: what `demo/cdn.py` checks before serving a cover."""
    return base64.b64encode(hmac.new(b"demo-cdn", f"{video_id}:{expires}".encode(), hashlib.sha1).digest()).decode()

PERFORMANCE_TYPICAL = "typical"
PERFORMANCE_BREAKOUT = "breakout"
PERFORMANCE_FLOP = "flop"

# --- caption material --------------------------------------------------------------------------
# Hooks double as titles. They carry brand value props ("hormone-free", "peptides") so the brand-fit
# and hook scorers downstream have something real to find.
_HOOKS: tuple[str, ...] = (
    "Day {d} of my peptide serum routine",
    "POV: your part line after {w} weeks",
    "3 mistakes that make hair shedding worse",
    "Why peptides? The 30-second version",
    "My scalp routine, no minoxidil needed",
    "Week {w} hair growth check-in",
    "Replying to comments: does it work on thin edges?",
    "What I wish I knew about postpartum shedding",
    "Scalp massage + serum: my 2-minute night routine",
    "Hormone-free hair serum, honest review",
    "Before you buy another hair oil, watch this",
    "Copper peptides vs biotin: what actually matters",
    "Ranking every hair serum I tried this year",
    "How I apply serum without greasy roots",
)
_CTAS: tuple[str, ...] = (
    "Shop the link in my bio 👇",
    "Comment SERUM and I'll send the link",
    "Save this for your next wash day",
    "Follow for week {w2}",
    "Tap the link in bio for 20% off",
    "",  # some captions have no call to action at all; the CTA scorer must see both cases
)
# Claims a compliance checker must flag (unsubstantiated medical / absolute efficacy claims).
RISKY_CLAIMS: tuple[str, ...] = (
    "cures hair loss in 7 days",
    "guaranteed regrowth",
    "100% clinically proven",
)
BRAND_HASHTAG = "#bloompeptidehairserum"
_HASHTAGS: tuple[str, ...] = (
    "#hairgrowth",
    "#peptides",
    "#haircare",
    "#hairloss",
    "#scalpcare",
    "#thinninghair",
    "#hairtok",
    "#postpartumhairloss",
)
CAPTION_MAX = 150  # TikTok's limit for video_description and title


@dataclass(frozen=True)
class VideoCounts:
    views: int
    likes: int
    comments: int
    shares: int


@dataclass(frozen=True)
class DemoVideo:
    """One synthetic video and the parameters of its growth curves.

    Views follow  V(h) = L * ((1 - s) * (1 - e^(-h/tau)) + s * (1 - e^(-h/tail_tau)))
                        + W * (1 - e^(-(h - d)/wave_tau))   for h > d (breakouts only)
    with h = hours since posting: a fast saturating first push (most views in the first 48 h), a slow
    long tail, and for breakouts a delayed second wave. Every term is non-decreasing in h, and
    likes/comments/shares are floor(rate * V), so every count is monotone by construction.
    """

    id: str
    create_time: datetime
    title: str
    description: str
    duration: int
    width: int
    height: int
    username: str
    performance: str  # "typical" | "breakout" | "flop": ground truth the tests and demo can check
    has_risky_claim: bool
    # growth parameters
    lifetime_views: float  # L: asymptotic views of the first push + tail
    tau_hours: float
    tail_share: float
    tail_tau_hours: float
    wave_views: float  # W: 0 unless a breakout
    wave_delay_hours: float
    wave_tau_hours: float
    like_rate: float
    comment_rate: float
    share_rate: float

    @property
    def create_epoch(self) -> int:
        return int(self.create_time.timestamp())

    def _views_float(self, hours: float) -> float:
        if hours <= 0:
            return 0.0
        main = (1.0 - self.tail_share) * (1.0 - math.exp(-hours / self.tau_hours))
        tail = self.tail_share * (1.0 - math.exp(-hours / self.tail_tau_hours))
        views = self.lifetime_views * (main + tail)
        if self.wave_views > 0 and hours > self.wave_delay_hours:
            views += self.wave_views * (1.0 - math.exp(-(hours - self.wave_delay_hours) / self.wave_tau_hours))
        return views

    def counts_at(self, t: datetime) -> VideoCounts:
        """The public counters as TikTok would serve them at instant t (zeros before posting)."""
        hours = (utc(t) - self.create_time).total_seconds() / 3600.0
        v = self._views_float(hours)
        return VideoCounts(
            views=int(v),
            likes=int(v * self.like_rate),
            comments=int(v * self.comment_rate),
            shares=int(v * self.share_rate),
        )

    def cover_image_url(self, now: datetime) -> str:
        """A CDN-style signed cover URL valid for 6 h from `now`, like the Display API serves."""
        expires = int(utc(now).timestamp()) + int(COVER_URL_TTL.total_seconds())
        signature = quote(cover_signature(self.id, expires), safe="")
        return f"https://{COVER_CDN_HOST}{COVER_PATH_PREFIX}{cover_key(self.id)}~tplv-noop.image?x-expires={expires}&x-signature={signature}"

    def share_url(self, client_key: str = DEFAULT_CLIENT_KEY) -> str:
        return (
            f"https://www.tiktok.com/@{self.username}/video/{self.id}"
            f"?utm_campaign=tt4d_open_api&utm_source={quote(client_key, safe='')}"
        )

    def embed_link(self, client_key: str = DEFAULT_CLIENT_KEY) -> str:
        return (
            f"https://www.tiktok.com/static/profile-video?id={self.id}&hide_author=1"
            f"&utm_campaign=tt4d_open_api&utm_source={quote(client_key, safe='')}"
        )

    def embed_html(self, client_key: str = DEFAULT_CLIENT_KEY) -> str:
        # Same blockquote shape TikTok's oEmbed/Display API hands out.
        return (
            f'<blockquote class="tiktok-embed" cite="{self.share_url(client_key)}" '
            f'data-video-id="{self.id}" style="max-width: 605px;min-width: 325px;" > '
            f'<section> <a target="_blank" href="https://www.tiktok.com/@{self.username}">@{self.username}</a> '
            f"</section> </blockquote> "
            f'<script async src="https://www.tiktok.com/embed.js"></script>'
        )



@dataclass(frozen=True)
class GrowthRanges:
    """Uniform ranges the growth parameters of a synthetic video are drawn from."""

    tau_hours: tuple[float, float]
    tail_share: tuple[float, float]
    tail_tau_hours: tuple[float, float]
    wave_mult: tuple[float, float]
    wave_delay_hours: tuple[float, float]
    wave_tau_hours: tuple[float, float]
    like_rate: tuple[float, float]
    comment_rate: tuple[float, float]
    share_rate: tuple[float, float]


class GrowthDraws:
    """The per-video growth parameters and id bits for n videos, drawn vectorised in a fixed order
    (so a world built from a seed never changes when unrelated code does)."""

    def __init__(self, rng: np.random.Generator, n: int, ranges: GrowthRanges) -> None:
        self.tau = rng.uniform(*ranges.tau_hours, n)
        self.tail_share = rng.uniform(*ranges.tail_share, n)
        self.tail_tau = rng.uniform(*ranges.tail_tau_hours, n)
        self.wave_mult = rng.uniform(*ranges.wave_mult, n)
        self.wave_delay = rng.uniform(*ranges.wave_delay_hours, n)
        self.wave_tau = rng.uniform(*ranges.wave_tau_hours, n)
        self.like_rate = rng.uniform(*ranges.like_rate, n)
        self.comment_rate = rng.uniform(*ranges.comment_rate, n)
        self.share_rate = rng.uniform(*ranges.share_rate, n)
        self.low_bits = rng.integers(0, 2**32, n, dtype=np.uint64)

    def video_id(self, i: int, epoch: int) -> str:
        # TikTok ids are snowflakes: the upper 32 bits are the upload epoch, so ids sort by time,
        # are 19 digits for any date in 1977-2038, and are unique because create_times are.
        return str((epoch << 32) | int(self.low_bits[i]))

    def wave_views(self, i: int, breakout: bool, scale: float) -> float:
        return float(self.wave_mult[i] * scale) if breakout else 0.0

    def growth(self, i: int, lifetime_views: float, wave_views: float) -> dict[str, float]:
        """The DemoVideo keyword arguments that shape its counts over time."""
        return {
            "lifetime_views": lifetime_views,
            "tau_hours": float(self.tau[i]),
            "tail_share": float(self.tail_share[i]),
            "tail_tau_hours": float(self.tail_tau[i]),
            "wave_views": wave_views,
            "wave_delay_hours": float(self.wave_delay[i]),
            "wave_tau_hours": float(self.wave_tau[i]),
            "like_rate": float(self.like_rate[i]),
            "comment_rate": float(self.comment_rate[i]),
            "share_rate": float(self.share_rate[i]),
        }


ACCOUNT_GROWTH = GrowthRanges(
    tau_hours=(12, 30), tail_share=(0.06, 0.18), tail_tau_hours=(240, 600), wave_mult=(8, 14),
    wave_delay_hours=(72, 144), wave_tau_hours=(18, 36), like_rate=(0.03, 0.12),
    comment_rate=(0.001, 0.01), share_rate=(0.0005, 0.015),
)

def _uuid_from(seed: int, purpose: str) -> str:
    digest = hashlib.sha256(f"tiktok-demo:{purpose}:{seed}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _caption(hook: str, cta: str, claim: str | None, hashtags: list[str]) -> str:
    """Compose a caption of at most 150 chars. Hashtags are dropped from the end (never the claim,
    CTA or brand tag) when it is too long, because cutting mid-word would make unrealistic text."""
    text = hook
    if claim:
        text += f": {claim}!"
    elif cta and hook[-1] not in ".!?":
        text += "."
    if cta:
        text += f" {cta}"
    tags = list(hashtags)
    while True:
        caption = " ".join([text, *tags]) if tags else text
        if len(caption) <= CAPTION_MAX or not tags:
            return caption[:CAPTION_MAX]
        # keep the brand hashtag and #fyp as long as anything else can go
        droppable = [i for i, tag in enumerate(tags) if tag not in (BRAND_HASHTAG, "#fyp")]
        tags.pop(droppable[-1] if droppable else -1)


class DemoAccount:
    """The demo creator: `n_videos` posted over the `span_days` before `anchor`, and
    `upcoming_videos` more posted in the 48 h after it (so moving the clock forward reveals uploads).

    Deterministic from `seed` (own numpy Generator, never the global random state)."""

    username = "bloom_hair_demo"
    display_name = "Bloom Peptide Hair (DEMO)"
    bio_description = (
        "DEMO DATA - a synthetic account generated by tiktok_pipelines. Not a real creator. "
        "Peptide hair serum tips, routines and week-by-week check-ins."
    )

    def __init__(
        self,
        seed: int = 7,
        n_videos: int = 36,
        anchor: datetime = DEMO_NOW,
        span_days: int = 60,
        upcoming_videos: int = 3,
    ) -> None:
        if n_videos < 0 or upcoming_videos < 0:
            raise ValueError("n_videos and upcoming_videos must be >= 0")
        if span_days <= 0:
            raise ValueError("span_days must be > 0")
        span_s = span_days * 86400
        upcoming_span_s = 48 * 3600
        # ids and create_times must be unique per account: at most one video per second.
        if n_videos > span_s // 2 or upcoming_videos > upcoming_span_s // 2:
            raise ValueError("too many videos for the time span (need at least 2 s between uploads)")

        self.seed = seed
        self.n_videos = n_videos
        self.anchor = utc(anchor).replace(microsecond=0)
        self.span_days = span_days
        self.upcoming_videos = upcoming_videos
        self.open_id = _uuid_from(seed, "open_id")
        self.union_id = _uuid_from(seed, "union_id")
        self.is_verified = False  # a demo account must never look like a verified real brand
        avatar_key = hashlib.sha256(f"avatar:{seed}".encode()).hexdigest()[:32]
        avatar_base = f"https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/{avatar_key}"
        self.avatar_url = f"{avatar_base}~c5_168x168.jpeg"
        self.avatar_url_100 = f"{avatar_base}~c5_100x100.jpeg"
        self.avatar_large_url = f"{avatar_base}~c5_1080x1080.jpeg"
        link_key = base64.b32encode(hashlib.sha256(f"link:{seed}".encode()).digest()).decode()[:7]
        self.profile_deep_link = f"https://vm.tiktok.com/ZM{link_key}/"

        rng = np.random.default_rng(seed)
        self._base_followers = int(rng.integers(1500, 6000))
        self._follow_per_view = float(rng.uniform(0.004, 0.009))
        self._base_following = int(rng.integers(80, 400))

        anchor_s = int(self.anchor.timestamp())
        past = self._post_times(rng, n_videos, anchor_s - span_s, span_s, (0.1, 0.9))
        upcoming = self._post_times(rng, upcoming_videos, anchor_s, upcoming_span_s, (0.15, 0.85))
        # the newest past video must be strictly before the anchor, the first upcoming one after it
        times = np.concatenate([np.minimum(past, anchor_s - 1), np.maximum(upcoming, anchor_s + 1)])
        n_total = len(times)
        roles = self._assign_roles(rng, past, anchor_s)
        roles = roles + [PERFORMANCE_TYPICAL] * upcoming_videos
        risky = np.zeros(n_total, dtype=bool)
        if n_total >= 3:
            n_risky = max(1, round(0.12 * n_total))
            risky[rng.choice(n_total, size=n_risky, replace=False)] = True

        # Vectorised draws: building 10,000 videos stays well under a second.
        median_views = 12_000.0
        base_views = np.clip(rng.lognormal(math.log(median_views), 1.1, n_total), 2_500, 450_000)
        flop_views = rng.uniform(600, 1_900, n_total)
        draws = GrowthDraws(rng, n_total, ACCOUNT_GROWTH)
        durations = self._durations(rng, n_total)
        small_frame = rng.random(n_total) < 0.2
        hook_idx = rng.integers(0, len(_HOOKS), n_total)
        cta_idx = rng.integers(0, len(_CTAS), n_total)
        claim_idx = rng.integers(0, len(RISKY_CLAIMS), n_total)
        tag_draws = rng.random((n_total, len(_HASHTAGS)))
        fyp = rng.random(n_total) < 0.8
        brand_tag = rng.random(n_total) < 0.85

        videos: list[DemoVideo] = []
        for i in range(n_total):
            epoch = int(times[i])
            role = roles[i]
            week = 2 + ((i * 52) // max(n_total, 1)) % 12  # a plausible 'week N' that advances with time
            hook = _HOOKS[hook_idx[i]].format(d=1 + i % 90, w=week)
            cta = _CTAS[cta_idx[i]].format(w2=week + 1)
            tags = [tag for j, tag in enumerate(_HASHTAGS) if tag_draws[i, j] < 0.35][:4]
            if not tags:
                tags = [_HASHTAGS[int(tag_draws[i, 0] * len(_HASHTAGS))]]
            if brand_tag[i]:
                tags.insert(0, BRAND_HASHTAG)
            if fyp[i]:
                tags.append("#fyp")
            claim = RISKY_CLAIMS[claim_idx[i]] if risky[i] else None
            lifetime = float(flop_views[i] if role == PERFORMANCE_FLOP else base_views[i])
            wave = draws.wave_views(i, role == PERFORMANCE_BREAKOUT, max(lifetime, median_views))
            videos.append(
                DemoVideo(
                    id=draws.video_id(i, epoch),
                    create_time=datetime.fromtimestamp(epoch, tz=UTC),
                    title=hook[:CAPTION_MAX],
                    description=_caption(hook, cta, claim, tags),
                    duration=int(durations[i]),
                    width=720 if small_frame[i] else 1080,
                    height=1280 if small_frame[i] else 1920,
                    username=self.username,
                    performance=role,
                    has_risky_claim=bool(risky[i]),
                    **draws.growth(i, lifetime, wave),
                )
            )
        videos.sort(key=lambda v: v.create_time, reverse=True)
        self.videos: list[DemoVideo] = videos
        self._by_id = {v.id: v for v in videos}
        # negated epochs ascending = newest first, so bisect can find the visible suffix
        self._neg_epochs = [-v.create_epoch for v in videos]

    @staticmethod
    def _post_times(
        rng: np.random.Generator, n: int, start_s: int, span_s: int, jitter: tuple[float, float]
    ) -> np.ndarray:
        """Strictly increasing whole-second upload times: evenly spaced slots with jitter, which
        gives a realistic steady cadence without clumps."""
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        slot = span_s / n
        offsets = (np.arange(n) + rng.uniform(jitter[0], jitter[1], n)) * slot
        times = (start_s + np.floor(offsets)).astype(np.int64)
        # slots narrower than a few seconds could collide after flooring; force strict increase
        for i in range(1, n):
            if times[i] <= times[i - 1]:
                times[i] = times[i - 1] + 1
        return times

    @staticmethod
    def _assign_roles(rng: np.random.Generator, past_times: np.ndarray, anchor_s: int) -> list[str]:
        n = len(past_times)
        roles = [PERFORMANCE_TYPICAL] * n
        if n < 5:
            return roles
        n_breakout = max(1, round(0.06 * n))
        n_flop = max(1, round(0.1 * n))
        # breakouts whose second wave has already happened make a better demo: prefer videos older
        # than 10 days at the anchor, fall back to any
        old = np.flatnonzero(past_times < anchor_s - 10 * 86400)
        pool = old if len(old) >= n_breakout else np.arange(n)
        breakouts = set(rng.choice(pool, size=n_breakout, replace=False).tolist())
        rest = np.array([i for i in range(n) if i not in breakouts])
        flops = rng.choice(rest, size=n_flop, replace=False).tolist()
        for i in breakouts:
            roles[i] = PERFORMANCE_BREAKOUT
        for i in flops:
            roles[i] = PERFORMANCE_FLOP
        return roles

    @staticmethod
    def _durations(rng: np.random.Generator, n: int) -> np.ndarray:
        """Seconds in 8..60 across the three KPI buckets (<10, 10-20, >20); every bucket is present
        whenever there are at least three videos."""
        bucket = rng.choice(3, size=n, p=[0.2, 0.4, 0.4])
        if n >= 3:
            bucket[rng.choice(n, size=3, replace=False)] = [0, 1, 2]
        low = np.array([8, 10, 21])[bucket]
        high = np.array([9, 20, 60])[bucket]
        return rng.integers(low, high + 1)

    # --- queries ---------------------------------------------------------------------------------

    def videos_visible_at(self, now: datetime) -> list[DemoVideo]:
        """Videos already posted at `now` (create_time <= now), newest first."""
        now_s = math.floor(utc(now).timestamp())
        first = bisect.bisect_left(self._neg_epochs, -now_s)
        return self.videos[first:]

    def video(self, video_id: str) -> DemoVideo | None:
        return self._by_id.get(video_id)

    def profile_at(self, now: datetime) -> dict[str, int]:
        """Profile stats at `now`. likes_count is exactly the sum of the visible videos' likes and
        followers grow with total views, so both are monotone in time."""
        visible = self.videos_visible_at(now)
        total_views = 0
        total_likes = 0
        for video in visible:
            counts = video.counts_at(now)
            total_views += counts.views
            total_likes += counts.likes
        return {
            "follower_count": self._base_followers + int(total_views * self._follow_per_view),
            "following_count": self._base_following + len(visible) // 5,
            "likes_count": total_likes,
            "video_count": len(visible),
        }
