"""A deterministic synthetic slice of *public* TikTok: many creators' videos, sounds and comments.

This is the data behind the fake Research API (`research_api.py`), the way `world.DemoAccount` is the
data behind the Display API fake. Everything is a pure function of the constructor arguments and of
the instant asked about: counts come from `world.DemoVideo`'s closed-form growth curves (integer,
monotone, cheap to evaluate at any simulated time), comments are generated per video on demand.

Videos are posted over the `span_days` before `anchor` and over the `upcoming_days` after it, so
moving the simulated clock forward reveals new uploads. No HTTP here.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from tiktok_pipelines.demo.world import (
    DEMO_NOW,
    PERFORMANCE_BREAKOUT,
    PERFORMANCE_FLOP,
    PERFORMANCE_TYPICAL,
    DemoVideo,
    GrowthDraws,
    GrowthRanges,
    VideoCounts,
)
from tiktok_pipelines.lib.clock import utc

# Public videos spread wider than one brand's account: faster and slower pushes, earlier waves.
PUBLIC_GROWTH = GrowthRanges(
    tau_hours=(8, 30), tail_share=(0.05, 0.2), tail_tau_hours=(200, 600), wave_mult=(5, 12),
    wave_delay_hours=(36, 120), wave_tau_hours=(18, 40), like_rate=(0.03, 0.15),
    comment_rate=(0.001, 0.012), share_rate=(0.0005, 0.02),
)

REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "CA", "AU", "BR", "MX", "IN", "JP")
_REGION_WEIGHTS = (0.34, 0.14, 0.08, 0.07, 0.07, 0.06, 0.08, 0.06, 0.06, 0.04)
HASHTAGS: tuple[str, ...] = (
    "fyp", "foryou", "recipe", "cats", "haircare", "skincare", "fitness", "booktok", "travel", "diy",
    "comedy", "dance", "cleantok", "mealprep", "gym", "makeup", "hairgrowth", "peptides", "dogsoftiktok",
    "studytok", "fashion", "outfit", "lifehack", "asmr", "gardening",
)
_SUBJECTS: tuple[str, ...] = (
    "recipe", "routine", "review", "tutorial", "haul", "challenge", "storytime", "tips", "transformation", "vlog",
)
_TEMPLATES: tuple[str, ...] = (
    "My 5 minute {s} you need to try",
    "Honest {s} after two weeks",
    "POV: the {s} that changed everything",
    "Part {n} of my {s} series",
    "Nobody talks about this {s}",
    "Rating your {s} requests",
    "The easiest {s} ever",
    "Trying the viral {s} so you don't have to",
)
_NAME_A = ("sunny", "urban", "cozy", "tiny", "wild", "glow", "daily", "lazy", "happy", "chef", "moss", "pixel")
_NAME_B = ("kitchen", "cats", "curls", "lifts", "reads", "trails", "studio", "garden", "beats", "looks", "den", "lab")
_COMMENT_TEXTS: tuple[str, ...] = (
    "AWEEEEEE 🥰🥰🥰",
    "OMG so cute",
    "need the link pls",
    "this is exactly what I needed today",
    "tried it and it worked!!",
    "who else is here from the fyp",
    "the ending 😭",
    "can you do a part 2?",
    "saving this",
    "not me watching this 5 times",
    "what sound is this?",
    "underrated",
)
_PII_TEXTS: tuple[str, ...] = (
    "Could you please contact me? {d1}******{d2} is my number.",
    "text me {d1}******{d2} for a collab",
    "email me at j***@*****.com",
)
COMMENT_CAP = 1500  # never generate more comments than this per video (the API reaches 1,000 anyway)
_MAX_HOURS = 24 * 365 * 10.0


@dataclass(frozen=True)
class PublicCreator:
    username: str
    display_name: str
    region_code: str
    bio_description: str
    bio_url: str
    avatar_url: str
    is_verified: bool
    base_followers: int  # followers before any of the feed's videos
    follow_per_view: float
    following_count: int
    base_likes: int  # likes on older videos outside the feed
    base_video_count: int


@dataclass(frozen=True)
class PublicVideo:
    """A public video: the Research API's view of it, with growth delegated to a `DemoVideo`."""

    growth: DemoVideo
    region_code: str
    music_id: int
    hashtags: tuple[str, ...]
    comment_seed: int

    @property
    def id(self) -> int:
        return int(self.growth.id)

    @property
    def username(self) -> str:
        return self.growth.username

    @property
    def create_time(self) -> datetime:
        return self.growth.create_time

    @property
    def create_epoch(self) -> int:
        return self.growth.create_epoch

    @property
    def description(self) -> str:
        return self.growth.description

    @property
    def duration(self) -> int:
        return self.growth.duration

    @property
    def performance(self) -> str:
        return self.growth.performance

    def counts_at(self, t: datetime) -> VideoCounts:
        return self.growth.counts_at(t)


@dataclass(frozen=True)
class PublicComment:
    id: int
    video_id: int
    text: str
    like_count: int
    reply_count: int
    parent_comment_id: int
    create_time: datetime
    has_pii: bool

    @property
    def create_epoch(self) -> int:
        return int(self.create_time.timestamp())


def _hash_int(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def _int64_id(*parts: object) -> int:
    """A 19-digit id that fits a signed int64, like TikTok's music and video ids."""
    return _hash_int(*parts) % (8 * 10**18) + 10**18


class PublicFeed:
    """`n_videos` public videos by ~n_videos/5 creators: about 90 % posted in the `span_days` before
    `anchor`, the rest in the `upcoming_days` after it. `n_sounds` shared sounds are reused with a
    Zipf-like popularity (the top few on dozens of videos); ~20 % of videos use an original sound."""

    def __init__(
        self,
        seed: int = 21,
        n_videos: int = 300,
        anchor: datetime = DEMO_NOW,
        span_days: int = 10,
        n_sounds: int = 25,
        upcoming_days: int = 3,
    ) -> None:
        if n_videos < 1 or span_days < 1 or n_sounds < 1 or upcoming_days < 0:
            raise ValueError("n_videos, span_days and n_sounds must be >= 1, upcoming_days >= 0")
        self.seed = seed
        self.anchor = utc(anchor).replace(microsecond=0)
        self.span_days = span_days
        rng = np.random.default_rng(seed)
        anchor_s = int(self.anchor.timestamp())

        # creators
        n_creators = max(3, n_videos // 5)
        self.creators: dict[str, PublicCreator] = {}
        for i in range(n_creators):
            name = f"{_NAME_A[i % len(_NAME_A)]}.{_NAME_B[(i // len(_NAME_A) + i) % len(_NAME_B)]}{i}"
            region = str(rng.choice(REGIONS, p=_REGION_WEIGHTS))
            followers = int(np.clip(rng.lognormal(math.log(20_000), 1.8), 300, 8_000_000))
            key = hashlib.sha256(f"pub-avatar:{seed}:{name}".encode()).hexdigest()[:32]
            self.creators[name] = PublicCreator(
                username=name,
                display_name=name.replace(".", " ").title(),
                region_code=region,
                bio_description=f"DEMO DATA - synthetic public creator #{i}. Not a real account.",
                bio_url=f"https://example.com/{name}",
                avatar_url=f"https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/{key}~c5_168x168.jpeg",
                is_verified=followers > 1_000_000,
                base_followers=followers,
                follow_per_view=float(rng.uniform(0.002, 0.01)),
                following_count=int(rng.integers(10, 2000)),
                base_likes=int(followers * rng.uniform(5, 40)),
                base_video_count=int(rng.integers(5, 400)),
            )
        creator_names = list(self.creators)
        creator_weights = rng.pareto(1.2, n_creators) + 1
        creator_weights /= creator_weights.sum()

        # sounds: Zipf-like reuse
        self.sound_ids: list[int] = [_int64_id("sound", seed, k) for k in range(n_sounds)]
        sound_p = 1.0 / (np.arange(n_sounds) + 1.0)
        sound_p /= sound_p.sum()

        # post times: unique whole seconds
        n_upcoming = round(n_videos * 0.1) if upcoming_days else 0
        n_past = n_videos - n_upcoming
        past = rng.choice(span_days * 86400 - 1, size=n_past, replace=False) + (anchor_s - span_days * 86400)
        future = (
            rng.choice(upcoming_days * 86400 - 1, size=n_upcoming, replace=False) + anchor_s + 1
            if n_upcoming
            else np.zeros(0, dtype=np.int64)
        )
        times = np.concatenate([past, future]).astype(np.int64)

        lifetime = np.clip(rng.lognormal(math.log(40_000), 1.6, n_videos), 1_000, 3_000_000)
        roll = rng.random(n_videos)
        draws = GrowthDraws(rng, n_videos, PUBLIC_GROWTH)
        bucket = rng.choice(4, size=n_videos, p=[0.3, 0.45, 0.2, 0.05])  # SHORT, MID, LONG, EXTRA_LONG
        dur_lo = np.array([5, 15, 61, 301])[bucket]
        dur_hi = np.array([14, 60, 300, 900])[bucket]
        durations = rng.integers(dur_lo, dur_hi + 1)
        creator_idx = rng.choice(n_creators, size=n_videos, p=creator_weights)
        original_sound = rng.random(n_videos) < 0.2
        sound_idx = rng.choice(n_sounds, size=n_videos, p=sound_p)
        template_idx = rng.integers(0, len(_TEMPLATES), n_videos)
        subject_idx = rng.integers(0, len(_SUBJECTS), n_videos)
        tag_p = 1.0 / (np.arange(len(HASHTAGS)) + 2.0)
        tag_p /= tag_p.sum()

        videos: list[PublicVideo] = []
        for i in range(n_videos):
            epoch = int(times[i])
            creator = self.creators[creator_names[int(creator_idx[i])]]
            n_tags = int(rng.integers(1, 5))
            tags = tuple(str(t) for t in rng.choice(HASHTAGS, size=n_tags, replace=False, p=tag_p))
            subject = _SUBJECTS[int(subject_idx[i])]
            text = _TEMPLATES[int(template_idx[i])].format(s=subject, n=1 + i % 7)
            description = " ".join([text, *(f"#{t}" for t in tags)])[:150]
            role = PERFORMANCE_BREAKOUT if roll[i] < 0.05 else PERFORMANCE_FLOP if roll[i] < 0.15 else PERFORMANCE_TYPICAL
            life = float(lifetime[i] if role != PERFORMANCE_FLOP else min(lifetime[i], 2_500.0))
            wave = draws.wave_views(i, role == PERFORMANCE_BREAKOUT, max(life, 40_000))
            music = (
                _int64_id("original", seed, i)
                if original_sound[i]
                else self.sound_ids[int(sound_idx[i])]
            )
            growth = DemoVideo(
                id=draws.video_id(i, epoch),
                create_time=datetime.fromtimestamp(epoch, tz=UTC),
                title=text[:150],
                description=description,
                duration=int(durations[i]),
                width=1080,
                height=1920,
                username=creator.username,
                performance=role,
                has_risky_claim=False,
                **draws.growth(i, life, wave),
            )
            videos.append(
                PublicVideo(growth, creator.region_code, music, tags, comment_seed=_hash_int("comments", seed, i))
            )
        videos.sort(key=lambda v: v.id, reverse=True)  # decreasing id == newest first (snowflakes)
        self.videos: list[PublicVideo] = videos
        self._by_id = {v.id: v for v in videos}
        self._neg_epochs = [-v.create_epoch for v in videos]
        self._by_creator: dict[str, list[PublicVideo]] = {}
        for v in videos:
            self._by_creator.setdefault(v.username, []).append(v)

    # --- queries ---------------------------------------------------------------------------------

    def videos_posted_by(self, t: datetime) -> list[PublicVideo]:
        """Videos with create_time <= t, newest (highest id) first."""
        first = bisect.bisect_left(self._neg_epochs, -math.floor(utc(t).timestamp()))
        return self.videos[first:]

    def video(self, video_id: int | str) -> PublicVideo | None:
        try:
            return self._by_id.get(int(video_id))
        except (TypeError, ValueError):
            return None

    def creator(self, username: str, t: datetime) -> dict[str, object] | None:
        """The creator's profile at `t` with live counts (monotone in t), or None if unknown."""
        c = self.creators.get(username)
        if c is None:
            return None
        views = likes = posted = 0
        for v in self._by_creator.get(username, []):
            if v.create_time <= utc(t):
                counts = v.counts_at(t)
                views += counts.views
                likes += counts.likes
                posted += 1
        return {
            "display_name": c.display_name,
            "bio_description": c.bio_description,
            "avatar_url": c.avatar_url,
            "is_verified": c.is_verified,
            "follower_count": c.base_followers + int(views * c.follow_per_view),
            "following_count": c.following_count,
            "likes_count": c.base_likes + likes,
            "video_count": c.base_video_count + posted,
            "bio_url": c.bio_url,
        }

    def comments(self, video_id: int | str, t: datetime) -> list[PublicComment]:
        """Top-level comments visible at `t`, oldest first (at most COMMENT_CAP). Comment i exists
        once the video's live comment_count exceeds i, so the list only ever grows."""
        video = self.video(video_id)
        if video is None or video.create_time > utc(t):
            return []
        n = min(video.counts_at(t).comments, COMMENT_CAP)
        return [self._comment(video, i) for i in range(n)]

    def _comment(self, video: PublicVideo, i: int) -> PublicComment:
        g = video.growth
        # the instant the (i+1)-th comment arrives: invert the monotone comment curve by bisection
        lo, hi = 0.0, _MAX_HOURS
        if int(g._views_float(hi) * g.comment_rate) <= i:
            hours = hi
        else:
            for _ in range(40):
                mid = (lo + hi) / 2
                if int(g._views_float(mid) * g.comment_rate) > i:
                    hi = mid
                else:
                    lo = mid
            hours = hi
        created = video.create_time + timedelta(seconds=math.ceil(hours * 3600))
        rnd = random.Random(video.comment_seed * 1_000_003 + i)
        early_boost = 1.0 / (1.0 + i / 20.0)  # early comments collect more likes
        likes = int(rnd.paretovariate(1.3) * 3 * early_boost * (1 + video.counts_at(video.create_time + timedelta(days=2)).likes / 20_000)) - 3
        likes = max(0, likes)
        has_pii = rnd.random() < 0.08
        if has_pii:
            text = rnd.choice(_PII_TEXTS).format(d1=rnd.randint(10, 99), d2=rnd.randint(10, 99))
        else:
            text = rnd.choice(_COMMENT_TEXTS)
        low = rnd.getrandbits(32)
        return PublicComment(
            id=(int(created.timestamp()) << 32) | low,
            video_id=video.id,
            text=text,
            like_count=likes,
            reply_count=rnd.randint(0, max(0, likes // 5)),
            parent_comment_id=video.id,
            create_time=created,
            has_pii=has_pii,
        )
