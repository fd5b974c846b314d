"""The golden set: fifteen generated creatives for the demo brand (Bloom, a hormone-free peptide hair
serum), each designed against RUBRIC.md and hand-labelled in `golden_labels.yaml` beside this file.

`make calibrate` renders them (cached by spec), runs them through the real extraction pipeline as
drafts with their captions, scores them and compares the engine with the labels. The clips span
strong, average and weak creatives, silent ones (no audio stream; a silent audio track) and risky
ones (claims from the compliance lexicon, a before/after).

The pictures are abstract (the generator's pattern shots): what a viewer gets is the burned-in text,
the voice (espeak-ng), the cuts, the music bed and the caption, so each design says what it puts in
those channels and when. The labels judge what a viewer gets, not what an offline engine can detect
(pocketsphinx hears espeak poorly; a viewer understands every word).

Speech start times are set by hand from espeak-ng's measured voiced lengths (about 0.06 s per
character at 160 wpm), so lines follow each other with the pauses each design intends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import yaml

from tiktok_pipelines.demo.media import (
    ClipSpec,
    GeneratedClip,
    Overlay,
    SpeechLine,
    _fit_size,
    generate_clips,
)
from tiktok_pipelines.lib.scoring.models import CORE_SCORES
from tiktok_pipelines.lib.scoring.rubric import band_for, capped_band, overall_score

Tier = Literal["strong", "average", "weak", "silent", "risky"]
LabelBand = Literal["pass", "revise", "reshoot"]

TIERS: tuple[Tier, ...] = ("strong", "average", "weak", "silent", "risky")
CORE: tuple[str, ...] = CORE_SCORES
BANDS: tuple[LabelBand, ...] = ("pass", "revise", "reshoot")
# RUBRIC.md's default weights, as the rater applied them to get each label's band.
LABEL_WEIGHTS: Mapping[str, str] = {
    "hook": "0.30", "depth": "0.25", "pacing": "0.15", "clarity": "0.10", "cta": "0.10", "brand_fit": "0.10",
}
LABELS_PATH = Path(__file__).with_name("golden_labels.yaml")
DEFAULT_CACHE = Path.home() / ".cache" / "tiktok_pipelines" / "golden_media"


@dataclass(frozen=True)
class GoldenItem:
    id: str  # also the clip's file name (and so its draft name in the drop folder)
    tier: Tier
    spec: ClipSpec
    caption: str  # as the creator would post it, hashtags as written
    design: str  # one line: what this creative is meant to be


# --- building blocks ---------------------------------------------------------------------------------


def _o(text: str, start: float, end: float, y: float, size: float = 0.045, style: str = "outline") -> Overlay:
    return Overlay(text, start, end, y, style, size)  # type: ignore[arg-type]


def _card(text: str, start: float, end: float, y: float = 0.64, size: float = 0.042) -> Overlay:
    """A boxed end card; y=0.64 sits inside the safe zone, y >= 0.8 under TikTok's caption."""
    return Overlay(text, start, end, y, "box", size)


def _say(*lines: tuple[float, str]) -> tuple[SpeechLine, ...]:
    return tuple(SpeechLine(text, start) for start, text in lines)


def _every(first: float, step: float, until: float) -> tuple[float, ...]:
    """Cuts at first, first + step, ... before `until`, on 30 fps frame boundaries."""
    cuts, t = [], first
    while t < until - 1e-9:
        cuts.append(round(round(t * 30) / 30, 6))
        t += step
    return tuple(cuts)


def _clip(name: str, duration: float, size: tuple[int, int] = (1080, 1920), *,
          overlays: Sequence[Overlay] = (), **kw: object) -> ClipSpec:
    """A 30-fps spec whose overlays are shrunk where needed to fit the width left of TikTok's buttons
    (as a creator's text tool would), so 'in the safe zone' depends only on the height chosen."""
    width, height = size
    fitted = tuple(replace(o, size=min(o.size, _fit_size(o.text, o.size, width, height))) for o in overlays)
    return ClipSpec(name=name, duration=duration, width=width, height=height, fps=30, overlays=fitted,
                    **kw)  # type: ignore[arg-type]


PORTRAIT_SMALL = (720, 1280)
LANDSCAPE = (1920, 1080)


# --- the set -----------------------------------------------------------------------------------------

GOLDEN_ITEMS: tuple[GoldenItem, ...] = (
    GoldenItem(
        id="g01_seed_three_ingredients",
        tier="strong",
        design="The seed's example: '3 INGREDIENTS FOR HAIR GROWTH' at 0 s, spoken hook at 0.3 s, a stacked numbered "
        "peptide list said and shown, a mechanism, cuts every 2.7 s, the CTA shown and said at the end.",
        spec=_clip(
            "g01_seed_three_ingredients", 24.0,
            cuts=_every(2.5, 2.7, 22.0),
            overlays=(
                _o("3 INGREDIENTS", 0.0, 3.0, 0.22, 0.06),
                _o("FOR HAIR GROWTH", 0.0, 3.0, 0.29, 0.05),
                _o("1. COPPER PEPTIDES", 3.5, 19.2, 0.40, 0.04, "box"),
                _o("2. TRIPEPTIDE-1", 7.6, 19.2, 0.46, 0.04, "box"),
                _o("3. TETRAPEPTIDE-3", 11.4, 19.2, 0.52, 0.04, "box"),
                _o("HORMONE-FREE", 16.3, 19.2, 0.60, 0.05),
                _card("SHOP THE LINK IN BIO", 19.3, 24.0),
            ),
            speech=_say(
                (0.3, "These three peptides changed my hair growth game."),
                (3.5, "Number one, copper peptides, which support the follicle."),
                (7.6, "Number two, tripeptide one, for stronger roots."),
                (11.4, "Number three, tetrapeptide three, because it works by calming shedding."),
                (16.3, "Bloom has all three, and it is hormone free."),
                (19.4, "Shop the link in my bio."),
            ),
            music_bpm=110.0,
        ),
        caption="I was skeptical about peptide serums until I tried these 3 ingredients 🤯 Bloom has all three + "
        "it's hormone-free! Shop the link in my bio 👇 #hairgrowth #peptides #bloompeptidehairserum",
    ),
    GoldenItem(
        id="g02_tutorial_three_steps",
        tier="strong",
        design="A clear how-to: 'HOW I APPLY MY PEPTIDE SERUM' with the voice at 0.4 s, a stacked 1/2/3 list shown "
        "as each step is said (first/then/finally) with amounts and a 'because', 'comment SERUM today for 20% off'.",
        spec=_clip(
            "g02_tutorial_three_steps", 26.0,
            cuts=_every(2.2, 2.8, 25.0),
            overlays=(
                _o("HOW I APPLY MY", 0.0, 3.8, 0.22, 0.055),
                _o("PEPTIDE SERUM", 0.0, 3.8, 0.29, 0.055),
                _o("1. PART YOUR HAIR", 4.1, 16.5, 0.38, 0.04, "box"),
                _o("2. 3 DROPS ON PART", 7.3, 16.5, 0.44, 0.04, "box"),
                _o("3. MASSAGE 60 SEC", 10.2, 16.5, 0.50, 0.04, "box"),
                _o("HELPS PEPTIDES", 13.0, 16.5, 0.58, 0.045),
                _o("REACH THE ROOTS", 13.0, 16.5, 0.645, 0.045),
                _o("EVERY NIGHT", 16.6, 18.9, 0.45, 0.055),
                _o("HORMONE-FREE", 19.0, 22.2, 0.45, 0.055),
                _card("COMMENT SERUM", 22.4, 26.0, 0.58, 0.05),
                _card("20% OFF TODAY", 22.4, 26.0, 0.655, 0.05),
            ),
            speech=_say(
                (0.4, "Here is how I apply my peptide serum, in three steps."),
                (4.1, "First, part your hair into small sections."),
                (7.3, "Then, put three drops right on the part."),
                (10.2, "Finally, massage for sixty seconds."),
                (13.0, "Because the massage helps the peptides reach the follicle."),
                (16.6, "I do it every night before bed."),
                (19.0, "It is hormone free, so it is gentle on my scalp."),
                (22.4, "Comment serum today for twenty percent off."),
            ),
            music_bpm=100.0,
        ),
        caption="How I apply my Bloom peptide serum (3 steps, 2 minutes) 💧 Hormone-free and lightweight. Comment "
        "SERUM today for 20% off 🔗 #bloompeptidehairserum #scalpcare #hairtok",
    ),
    GoldenItem(
        id="g03_night_routine",
        tier="average",
        design="An average routine: text and a plain spoken statement at once, a few named specifics without a "
        "mechanism, first/then order, cuts every 4 s, a generic 'link in bio' card, Bloom only in the caption.",
        spec=_clip(
            "g03_night_routine", 16.0,
            cuts=(2.8, 6.8, 10.8),
            overlays=(
                _o("NIGHT ROUTINE FOR", 0.0, 3.0, 0.25, 0.05),
                _o("LESS SHEDDING", 0.0, 3.0, 0.32, 0.05),
                _o("2 DROPS OF PEPTIDE SERUM", 3.0, 6.6, 0.50, 0.04),
                _o("LOOSE BRAID", 6.8, 9.2, 0.50, 0.045),
                _o("SILK PILLOWCASE", 9.3, 11.0, 0.50, 0.045),
                _card("LINK IN BIO", 13.6, 16.0),
            ),
            speech=_say(
                (0.5, "My night routine for less shedding."),
                (3.0, "First, two drops of a peptide serum on my scalp."),
                (6.8, "Then a loose braid so nothing pulls."),
                (9.3, "And a silk pillowcase."),
                (11.2, "Less hair on my pillow in the morning."),
            ),
            music_bpm=92.0,
        ),
        caption="night routine for less shedding 🌙 using Bloom, link in bio #hairtok #nightroutine #bloomhair",
    ),
    GoldenItem(
        id="g04_weak_no_hook",
        tier="weak",
        design="Weak: one 16-s shot, nothing shown or said for 4.5 s (a beat only), rambling about a competitor "
        "(minoxidil), no text, no CTA, broad tags only.",
        spec=_clip(
            "g04_weak_no_hook", 16.0, PORTRAIT_SMALL,
            speech=_say(
                (4.5, "So I have been using minoxidil for a while."),
                (8.2, "It is okay I guess, kind of messy."),
                (11.8, "Anyway, that is it."),
            ),
            music_bpm=92.0,
        ),
        caption="idk what to post today lol #fyp #viral #foryou",
    ),
    GoldenItem(
        id="g05_slow_talking_head",
        tier="weak",
        design="A slow talking head: no text at all, voice from 1.6 s with long pauses, 13-s shots, real substance "
        "(copper peptides, a mechanism, Bloom and hormone-free said) but no CTA anywhere.",
        spec=_clip(
            "g05_slow_talking_head", 40.0,
            cuts=(13.0, 26.5),
            speech=_say(
                (1.6, "So, let's talk about peptides."),
                (5.0, "Copper peptides are small proteins."),
                (9.0, "They work by signalling the follicle to stay in its growth phase."),
                (15.0, "Which means, over time, less shedding."),
                (19.5, "Bloom uses them, and it is hormone free."),
                (24.5, "I have used it for two months."),
                (29.0, "My part line looks fuller to me."),
                (34.0, "Anyway, that is my take."),
            ),
        ),
        caption="let's talk peptides 🧪 #bloompeptidehairserum #hairloss",
    ),
    GoldenItem(
        id="g06_silent_text_list",
        tier="silent",
        design="Silent and text-led, NO audio stream: contrarian 'STOP DOING THIS TO YOUR SCALP' at 0 s, a stacked "
        "numbered list, the swap, Bloom and hormone-free on screen, the CTA card; cuts every 2.5 s.",
        spec=_clip(
            "g06_silent_text_list", 18.0,
            cuts=_every(2.0, 2.5, 17.0),
            overlays=(
                _o("STOP DOING THIS", 0.0, 2.2, 0.24, 0.06),
                _o("TO YOUR SCALP", 0.0, 2.2, 0.31, 0.06),
                _o("1. HEAVY OILS", 2.2, 14.3, 0.36, 0.045, "box"),
                _o("2. DAILY HOT TOOLS", 5.0, 14.3, 0.43, 0.045, "box"),
                _o("3. TIGHT BUNS", 7.8, 14.3, 0.50, 0.045, "box"),
                _o("INSTEAD:", 10.5, 14.3, 0.58, 0.05),
                _o("PEPTIDE SERUM", 10.5, 14.3, 0.645, 0.05),
                _o("BLOOM IS", 14.5, 18.0, 0.34, 0.06),
                _o("HORMONE-FREE", 14.5, 18.0, 0.41, 0.06),
                _card("SHOP THE LINK IN BIO", 15.0, 18.0, 0.55),
            ),
            audio=False,
        ),
        caption="Stop doing this to your scalp 🙅‍♀️ Swap in Bloom peptide serum (hormone-free). Shop the link in my "
        "bio #bloompeptidehairserum #scalpcare #hairtok",
    ),
    GoldenItem(
        id="g07_silent_tiny_text",
        tier="silent",
        design="Silent audio track (stream present, nothing in it), two 5-s shots, tiny lower-case text placed "
        "under TikTok's caption area, no brand, no CTA: not silent-friendly.",
        spec=_clip(
            "g07_silent_tiny_text", 10.0, PORTRAIT_SMALL,
            cuts=(5.0,),
            overlays=(
                _o("my scalp routine", 0.5, 5.0, 0.88, 0.022),
                _o("peptide serum + massage", 5.0, 9.5, 0.90, 0.022),
            ),
        ),
        caption="scalp routine 🧴 #hairtok",
    ),
    GoldenItem(
        id="g08_caption_only_cta",
        tier="average",
        design="A strong question hook (text + voice), three causes and a swap said and shown, hormone-free said, "
        "a week-3 result, but the CTA lives only in the caption: no end card, nothing said at the end.",
        spec=_clip(
            "g08_caption_only_cta", 16.0,
            cuts=_every(2.6, 2.6, 15.0),
            overlays=(
                _o("WHY IS MY HAIR", 0.0, 2.6, 0.24, 0.055),
                _o("SHEDDING?", 0.0, 2.6, 0.31, 0.055),
                _o("STRESS, HEAT,", 2.6, 5.8, 0.45, 0.05, "box"),
                _o("TIGHT STYLES", 2.6, 5.8, 0.52, 0.05, "box"),
                _o("SWAP:", 5.9, 9.5, 0.45, 0.05),
                _o("PEPTIDE SERUM", 5.9, 9.5, 0.52, 0.05),
                _o("HORMONE-FREE", 9.6, 11.8, 0.48, 0.055),
                _o("WEEK 3:", 11.9, 16.0, 0.45, 0.05),
                _o("LESS SHEDDING", 11.9, 16.0, 0.52, 0.05),
            ),
            speech=_say(
                (0.4, "Why is my hair shedding so much?"),
                (2.6, "Stress, heat and tight styles are the big three."),
                (5.9, "So I switched to a peptide serum and gentle styles."),
                (9.6, "It is lightweight and hormone free."),
                (11.9, "Three weeks in, way less hair in the shower."),
            ),
            music_bpm=120.0,
        ),
        caption="Why is my hair shedding?? 😩 What finally helped me: Bloom peptide serum. Shop the link in my bio "
        "#bloompeptidehairserum #hairshedding",
    ),
    GoldenItem(
        id="g09_risky_cure_claim",
        tier="risky",
        design="Risky: 'CURES HAIR LOSS IN 7 DAYS' shown and said at 0 s, 'guaranteed regrowth' and '100% clinically "
        "proven' next, shown, said and in the caption; otherwise well made (cuts every 2.5 s, CTA with 'today').",
        spec=_clip(
            "g09_risky_cure_claim", 14.0,
            cuts=_every(2.5, 2.5, 13.0),
            overlays=(
                _o("CURES HAIR LOSS", 0.0, 3.0, 0.24, 0.055),
                _o("IN 7 DAYS", 0.0, 3.0, 0.31, 0.055),
                _o("GUARANTEED", 3.5, 6.9, 0.45, 0.055),
                _o("REGROWTH", 3.5, 6.9, 0.52, 0.055),
                _o("100% CLINICALLY", 7.0, 11.0, 0.45, 0.05),
                _o("PROVEN", 7.0, 11.0, 0.52, 0.05),
                _card("SHOP THE LINK IN BIO", 11.2, 14.0, 0.58),
                _card("TODAY", 11.2, 14.0, 0.65),
            ),
            speech=_say(
                (0.3, "This serum cures hair loss in seven days."),
                (3.5, "Guaranteed regrowth, every single time."),
                (7.0, "And it is one hundred percent clinically proven."),
                (11.2, "Shop the link in my bio today."),
            ),
            music_bpm=128.0,
        ),
        caption="Bloom cures hair loss in 7 days, guaranteed regrowth 💯 Shop the link in my bio today! "
        "#bloompeptidehairserum #hairloss",
    ),
    GoldenItem(
        id="g10_before_after",
        tier="risky",
        design="Before/after: 'DAY 1' then 'DAY 30' with 'SAME LIGHT, NO FILTER', caption 'before and after 30 "
        "days': a transformation the platforms restrict for cosmetics; otherwise a tidy, branded creative.",
        spec=_clip(
            "g10_before_after", 20.0,
            cuts=(2.6, 5.2, 6.4, 8.2, 10.0, 12.6, 15.0, 17.2),
            overlays=(
                _o("DAY 1", 0.0, 6.2, 0.25, 0.08),
                _o("BLOOM PEPTIDE", 6.4, 9.8, 0.44, 0.05),
                _o("SERUM, 2 DROPS", 6.4, 9.8, 0.51, 0.05),
                _o("DAY 30", 10.0, 17.0, 0.25, 0.08),
                _o("SAME LIGHT,", 10.0, 17.0, 0.34, 0.05),
                _o("NO FILTER", 10.0, 17.0, 0.41, 0.05),
                _card("SHOP THE LINK IN BIO", 17.2, 20.0),
            ),
            speech=_say(
                (0.4, "Day one versus day thirty of my peptide serum."),
                (3.6, "Thin at the part, lots of shedding."),
                (6.5, "Two drops of Bloom every night, it is hormone free."),
                (10.3, "Day thirty. Same light, no filter."),
                (13.3, "My part line looks so much fuller."),
                (17.3, "Shop the link in my bio."),
            ),
            music_bpm=100.0,
        ),
        caption="before and after 30 days of Bloom peptide serum ✨ hormone-free, 2 drops a night. Shop the link in "
        "my bio #bloompeptidehairserum #beforeandafter #hairgrowth",
    ),
    GoldenItem(
        id="g11_music_list_no_voice",
        tier="average",
        design="A list with music and no voice: '5 HABITS FOR HEALTHIER HAIR' at 0 s, one numbered habit per shot "
        "on a 120-BPM bed (a cut every 5 beats), 'SAVE THIS FOR LATER' card, Bloom in the caption.",
        spec=_clip(
            "g11_music_list_no_voice", 15.0,
            cuts=_every(2.5, 2.5, 14.0),
            overlays=(
                _o("5 HABITS FOR", 0.0, 2.5, 0.24, 0.06),
                _o("HEALTHIER HAIR", 0.0, 2.5, 0.31, 0.06),
                _o("1. SILK PILLOWCASE", 2.5, 5.0, 0.45, 0.045),
                _o("2. LOW HEAT STYLING", 5.0, 7.5, 0.45, 0.045),
                _o("3. LOOSE HAIRSTYLES", 7.5, 10.0, 0.45, 0.045),
                _o("4. SCALP MASSAGE", 10.0, 12.5, 0.45, 0.045),
                _o("5. PEPTIDE SERUM", 12.5, 15.0, 0.45, 0.045),
                _card("SAVE THIS FOR LATER", 12.5, 15.0, 0.58),
            ),
            music_bpm=120.0,
        ),
        caption="5 habits for healthier hair 🎧 #5 is my Bloom peptide serum. Save this for later! #bloomhair "
        "#hairtok #haircare",
    ),
    GoldenItem(
        id="g12_landscape_repost",
        tier="weak",
        design="A landscape repost of a long-form Q&A: a 'welcome back' opener, a small lower-third title the whole "
        "time, 10-s shots, no answer, no brand, no CTA (only 'thanks for watching').",
        spec=_clip(
            "g12_landscape_repost", 30.0, LANDSCAPE,
            cuts=(10.0, 20.0),
            overlays=(_o("HAIR CARE Q&A, PART 3", 0.0, 30.0, 0.90, 0.035, "box"),),
            speech=_say(
                (0.8, "Welcome back to part three of our hair care questions."),
                (5.2, "Today someone asked about thinning hair at the temples."),
                (9.8, "Honestly it depends on a lot of things, like genetics and stress."),
                (15.5, "Some people try oils, some people try serums."),
                (20.5, "We will cover more of that next time."),
                (25.5, "Thanks for watching, see you next week."),
            ),
            music_bpm=92.0,
        ),
        caption="Hair care Q&A part 3 #haircare #thinninghair #fyp",
    ),
    GoldenItem(
        id="g13_honest_review",
        tier="average",
        design="An average review: 'WORTH IT? WEEK 2 REVIEW' at 0 s with the voice at 0.6 s, sensory specifics (two of "
        "them shown), first cut at 3.6 s, a generic 'link in bio' said and shown under TikTok's caption.",
        spec=_clip(
            "g13_honest_review", 24.0, PORTRAIT_SMALL,
            cuts=(3.6, 7.5, 11.0, 15.0, 19.0, 21.5),
            overlays=(
                _o("WORTH IT?", 0.0, 3.5, 0.26, 0.06),
                _o("WEEK 2 REVIEW", 0.0, 3.5, 0.33, 0.05),
                _o("LIGHTWEIGHT, NO GREASY ROOTS", 4.0, 8.2, 0.50, 0.032),
                _o("LESS HAIR IN MY BRUSH", 12.0, 16.0, 0.50, 0.04),
                _card("LINK IN BIO", 20.0, 24.0, 0.86),
            ),
            speech=_say(
                (0.6, "Is it worth it? My honest review after two weeks."),
                (4.2, "It is super lightweight and my roots are not greasy."),
                (8.6, "It smells nice, kind of like citrus."),
                (12.0, "No huge changes yet, but less hair in my brush."),
                (16.5, "I will update you at week six."),
                (20.2, "Link is in my bio if you want to try it."),
            ),
            music_bpm=110.0,
        ),
        caption="honest review of the Bloom serum after 2 weeks 👀 link in bio #bloomhair #hairtok #review",
    ),
    GoldenItem(
        id="g14_science_why_peptides",
        tier="strong",
        design="Science explainer: 'WHY PEPTIDES?' question at 0 s with the voice at 0.3 s, a mechanism chain "
        "mirrored on screen, a negated claim ('not a cure'), Bloom and hormone-free said, 'comment SERUM' CTA.",
        spec=_clip(
            "g14_science_why_peptides", 30.0,
            cuts=_every(2.4, 2.6, 29.0),
            overlays=(
                _o("WHY PEPTIDES?", 0.0, 3.0, 0.25, 0.065),
                _o("SHORT CHAINS OF", 3.0, 5.8, 0.45, 0.045, "box"),
                _o("AMINO ACIDS", 3.0, 5.8, 0.52, 0.045, "box"),
                _o("SIGNAL: STAY IN", 5.9, 9.4, 0.45, 0.045, "box"),
                _o("GROWTH PHASE", 5.9, 9.4, 0.52, 0.045, "box"),
                _o("COPPER PEPTIDES", 9.5, 14.9, 0.45, 0.045, "box"),
                _o("= BLOOD FLOW", 9.5, 14.9, 0.52, 0.045, "box"),
                _o("RESULTS TAKE", 15.0, 18.6, 0.45, 0.05, "box"),
                _o("12 WEEKS", 15.0, 18.6, 0.52, 0.05, "box"),
                _o("NOT A CURE.", 18.7, 22.1, 0.45, 0.05, "box"),
                _o("CONSISTENT CARE.", 18.7, 22.1, 0.52, 0.05, "box"),
                _o("BLOOM:", 22.2, 25.3, 0.45, 0.055),
                _o("HORMONE-FREE", 22.2, 25.3, 0.52, 0.055),
                _card("COMMENT SERUM", 25.4, 30.0, 0.58, 0.05),
                _card("FOR THE LIST", 25.4, 30.0, 0.655, 0.05),
            ),
            speech=_say(
                (0.3, "Why do peptides work for thinning hair?"),
                (3.0, "Peptides are short chains of amino acids."),
                (5.9, "They work by signalling the follicle to stay in the growth phase."),
                (9.5, "Copper peptides also support blood flow to the scalp, which means stronger roots."),
                (15.0, "That is why results take about twelve weeks of daily use."),
                (18.7, "It is not a cure, it is consistent scalp care."),
                (22.2, "Bloom is hormone free and uses three peptides."),
                (25.4, "Comment serum and I will send you the full ingredient list."),
            ),
            music_bpm=100.0,
        ),
        caption="Why peptides? The 30-second science 🧪 Short amino-acid chains that tell your follicles to keep "
        "growing. Bloom is hormone-free. Comment SERUM for the full ingredient list 👇 #bloompeptidehairserum "
        "#peptides #hairscience",
    ),
    GoldenItem(
        id="g15_risky_authority_claim",
        tier="risky",
        design="Risky but well made: a seed-like numbered list ('3 REASONS I SWITCHED') with a mechanism, where "
        "reason 3 is 'dermatologist recommended' and 'no side effects' (high-severity claims, not brand-banned).",
        spec=_clip(
            "g15_risky_authority_claim", 22.0,
            cuts=_every(2.4, 2.7, 20.0),
            overlays=(
                _o("3 REASONS", 0.0, 3.2, 0.22, 0.065),
                _o("I SWITCHED SERUMS", 0.0, 3.2, 0.29, 0.05),
                _o("1. HORMONE-FREE", 3.4, 17.2, 0.38, 0.045, "box"),
                _o("2. COPPER PEPTIDES", 5.8, 17.2, 0.445, 0.045, "box"),
                _o("3. DERMATOLOGIST", 10.4, 17.2, 0.51, 0.045, "box"),
                _o("RECOMMENDED", 10.4, 17.2, 0.57, 0.045, "box"),
                _o("2 DROPS A NIGHT", 15.1, 17.2, 0.65, 0.045),
                _card("SHOP THE LINK IN BIO", 17.4, 22.0, 0.58),
                _card("TODAY", 17.4, 22.0, 0.65),
            ),
            speech=_say(
                (0.3, "Three reasons I switched to Bloom peptide serum."),
                (3.4, "Number one, it is hormone free."),
                (5.8, "Number two, copper peptides, which work by supporting the follicle."),
                (10.4, "Number three, it is dermatologist recommended, with no side effects."),
                (15.1, "Two drops a night, that is all."),
                (17.4, "Shop the link in my bio today."),
            ),
            music_bpm=110.0,
        ),
        caption="3 reasons I switched to Bloom 🌱 hormone-free, copper peptides and dermatologist recommended with no "
        "side effects. Shop the link in my bio today! #bloompeptidehairserum #hairgrowth",
    ),
)


def golden_items(ids: Iterable[str] | None = None) -> tuple[GoldenItem, ...]:
    """The golden items in set order; `ids` picks some (unknown ids are an error, naming them)."""
    if ids is None:
        return GOLDEN_ITEMS
    wanted = list(dict.fromkeys(ids))
    known = {item.id: item for item in GOLDEN_ITEMS}
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise KeyError(f"unknown golden item(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return tuple(item for item in GOLDEN_ITEMS if item.id in wanted)


def generate_golden_clips(cache_dir: Path, items: Sequence[GoldenItem] | None = None, *,
                          workers: int = 2) -> list[GeneratedClip]:
    """Render the items' clips into cache_dir (a clip whose spec is unchanged is not made again)."""
    chosen = GOLDEN_ITEMS if items is None else items
    return generate_clips([item.spec for item in chosen], Path(cache_dir), workers=workers)


# --- labels ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldenLabel:
    id: str
    scores: Mapping[str, int]  # the six core scores, as the rater gave them
    why: Mapping[str, str]  # one line per score: the rubric anchor the rater applied
    band: LabelBand  # after the compliance cap
    silent_friendly: bool
    compliance_cap: bool  # a high-severity claim or platform blocker: the band is capped at revise
    risks: tuple[str, ...] = ()  # what the rater saw (policy flag codes), for the reader


@dataclass(frozen=True)
class GoldenLabels:
    rater: str
    rubric: str
    labelled_on: str
    labels: Mapping[str, GoldenLabel]


class GoldenLabelError(ValueError):
    pass


def overall_from(scores: Mapping[str, int], weights: Mapping[str, str | float] = LABEL_WEIGHTS) -> int:
    """The rubric's overall (round-half-up(10 x weighted mean)) for a rater's six scores."""
    return overall_score(scores, {name: float(w) for name, w in weights.items()})


def band_from(overall: int, capped: bool = False) -> LabelBand:
    return capped_band(band_for(overall), compliance_caps=capped)


def _label(item_id: str, raw: object, where: Path) -> GoldenLabel:
    def fail(msg: str) -> GoldenLabelError:
        return GoldenLabelError(f"{where}: item {item_id}: {msg}")

    if not isinstance(raw, dict):
        raise fail("expected a mapping")
    scores_raw = raw.get("scores")
    if not isinstance(scores_raw, dict) or sorted(scores_raw) != sorted(CORE):
        raise fail(f"scores must have exactly {', '.join(CORE)}")
    scores: dict[str, int] = {}
    why: dict[str, str] = {}
    for name in CORE:
        entry = scores_raw[name]
        if not isinstance(entry, dict) or set(entry) != {"label", "why"}:
            raise fail(f"{name}: expected {{label: <int 0-10>, why: <one line>}}")
        value, reason = entry["label"], entry["why"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
            raise fail(f"{name}: label {value!r} is not an integer 0-10")
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason.strip():
            raise fail(f"{name}: the justification must be one non-empty line")
        scores[name], why[name] = value, reason.strip()
    band = raw.get("band")
    if band not in BANDS:
        raise fail(f"band {band!r} is not one of {', '.join(BANDS)}")
    flags = {key: raw.get(key) for key in ("silent_friendly", "compliance_cap")}
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise fail(f"{key} must be true or false, got {value!r}")
    risks = raw.get("risks") or []
    if not isinstance(risks, list) or not all(isinstance(r, str) and r for r in risks):
        raise fail("risks must be a list of flag codes")
    return GoldenLabel(item_id, scores, why, band, bool(flags["silent_friendly"]), bool(flags["compliance_cap"]),
                       tuple(risks))


def load_golden_labels(path: Path | str = LABELS_PATH) -> GoldenLabels:
    """The rater's labels, validated: every score an int 0-10 with a one-line justification."""
    where = Path(path)
    try:
        raw = yaml.safe_load(where.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise GoldenLabelError(f"{where}: file not found") from exc
    except yaml.YAMLError as exc:
        raise GoldenLabelError(f"{where}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), dict):
        raise GoldenLabelError(f"{where}: expected a mapping with 'rater', 'rubric' and 'items'")
    for key in ("rater", "rubric", "labelled_on"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise GoldenLabelError(f"{where}: header field {key!r} is missing")
    labels = {str(item_id): _label(str(item_id), entry, where) for item_id, entry in raw["items"].items()}
    return GoldenLabels(rater=raw["rater"], rubric=raw["rubric"], labelled_on=raw["labelled_on"], labels=labels)


__all__ = [
    "BANDS",
    "CORE",
    "DEFAULT_CACHE",
    "GOLDEN_ITEMS",
    "LABELS_PATH",
    "LABEL_WEIGHTS",
    "TIERS",
    "GoldenItem",
    "GoldenLabel",
    "GoldenLabelError",
    "GoldenLabels",
    "band_from",
    "generate_golden_clips",
    "golden_items",
    "load_golden_labels",
    "overall_from",
]
