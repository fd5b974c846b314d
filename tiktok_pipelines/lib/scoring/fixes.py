"""Findings (hook verdict, depth analysis, retention opportunities) and 3-5 prioritized fixes.

A fix exists only because a rule failed on something observable, and it says what was observed
("first cut at 4.2 s") next to what to do ("cut before 2 s"). Priority follows what the fix is worth:
the overall points it could recover (score weight x missing points), compliance first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tiktok_pipelines.lib.scoring import texts as tx
from tiktok_pipelines.lib.scoring.brand import BrandProfile
from tiktok_pipelines.lib.scoring.core import HOOK_WINDOW_S, IDEAL_CUTS_PER_10S, MAX_SHOT_S, _cta_hits, window_rates
from tiktok_pipelines.lib.scoring.inputs import ScoringInputs
from tiktok_pipelines.lib.scoring.models import Compliance, Evidence, Finding, Fix, Score

MIN_FIXES, MAX_FIXES = 3, 5
_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class _Candidate:
    fix: Fix
    worth: float  # overall points (0-100 scale) it could recover


def _fix(category: str, score: str | None, action: str, why: str, evidence: Sequence[Evidence], worth: float,
         priority: str | None = None) -> _Candidate:
    level = priority or ("high" if worth >= 4.0 else "medium" if worth >= 1.5 else "low")
    return _Candidate(Fix(priority=level, category=category, action=action, why=why,  # type: ignore[arg-type]
                          evidence=tuple(evidence) or (Evidence(source="media", detail=why),), score=score), worth)


def _worth(scores: Mapping[str, Score], weights: Mapping[str, float], name: str, gain: float) -> float:
    total = sum(weights.values()) or 1.0
    room = 10 - scores[name].value
    return 10 * weights.get(name, 0.0) / total * min(gain, room)


def _hook_fixes(inputs: ScoringInputs, scores: Mapping[str, Score], weights: Mapping[str, float]) -> list[_Candidate]:
    out = []
    lines = tx.distinct_onscreen_lines(inputs)
    first = lines[0] if lines else None
    hook_line = inputs.caption_analysis.hook if inputs.caption_analysis and inputs.caption_analysis.hook else ""
    if inputs.onscreen is not None and (first is None or (first.t or 0) > 1.0):
        seen = f"first on-screen text at {first.t:.1f} s ({first.frame})" if first else "no on-screen text in the video"
        suggestion = f" such as '{hook_line[:50]}'" if hook_line else ""
        out.append(_fix("hook", "hook", f"Put the hook on screen as bold text in the first second{suggestion}.", seen,
                        [Evidence(source="onscreen_text", t=first.t if first else None, frame=first.frame if first else None,
                                  detail=seen)], _worth(scores, weights, "hook", 2.5)))
    if inputs.audio is not None and inputs.audio.has_audio and inputs.audio.speech and inputs.audio.speech[0].start > 1.0:
        onset = inputs.audio.speech[0].start
        out.append(_fix("hook", "hook", "Start talking within the first second; cut the lead-in.",
                        f"voice starts at {onset:.1f} s", [Evidence(source="audio", t=onset, value=onset,
                                                                     detail=f"voice starts at {onset:.1f} s")],
                        _worth(scores, weights, "hook", 2.0)))
    if inputs.scenes is not None and not any(c.t < HOOK_WINDOW_S for c in inputs.scenes.cuts):
        first_cut = inputs.scenes.cuts[0].t if inputs.scenes.cuts else None
        seen = f"first cut at {first_cut:.1f} s" if first_cut is not None else "no cut at all"
        out.append(_fix("pacing", "pacing", "Cut before 2 s (or move the camera) so the feed sees a change early.", seen,
                        [Evidence(source="scene_cuts", t=first_cut, value=first_cut, detail=seen)],
                        _worth(scores, weights, "pacing", 2.0) + _worth(scores, weights, "hook", 1.0)))
    return out


def _pacing_fixes(inputs: ScoringInputs, scores: Mapping[str, Score], weights: Mapping[str, float]) -> list[_Candidate]:
    out = []
    scenes = inputs.scenes
    if scenes is not None and scenes.shot_lengths:
        starts = [0.0, *[c.t for c in scenes.cuts]]
        longest = max(scenes.shot_lengths)
        if longest > MAX_SHOT_S and len(starts) == len(scenes.shot_lengths):
            at = starts[scenes.shot_lengths.index(longest)]
            seen = f"shot from {at:.1f} s to {at + longest:.1f} s runs {longest:.1f} s"
            out.append(_fix("pacing", "pacing", f"Break the {longest:.0f}-s shot at {at:.1f} s with a cut, a zoom or b-roll.",
                            seen, [Evidence(source="scene_cuts", t=at, value=longest, detail=seen)],
                            _worth(scores, weights, "pacing", 2.0)))
        low, high = IDEAL_CUTS_PER_10S
        for start, end, rate in window_rates(scenes.cuts_per_10s, scenes.analysed_seconds or inputs.duration):
            if rate < low or rate > high:
                verb = "Add cuts" if rate < low else "Let shots breathe"
                seen = f"{start:.0f}-{end:.0f} s has {rate:.1f} cuts per 10 s"
                out.append(_fix("pacing", "pacing", f"{verb} in {start:.0f}-{end:.0f} s: aim for 2-4 cuts per 10 s.", seen,
                                [Evidence(source="scene_cuts", t=start, value=rate, detail=seen)],
                                _worth(scores, weights, "pacing", 1.5)))
                break
    audio = inputs.audio
    if audio is not None and audio.has_audio and audio.dead_air_seconds / max(inputs.duration, 1e-6) > 0.05 and (
            audio.speech or audio.music_present):
        gap = max(audio.silences, key=lambda s: s.duration, default=None)
        seen = f"{audio.dead_air_seconds:.1f} s of dead air" + (f", longest at {gap.start:.1f} s" if gap else "")
        out.append(_fix("audio", "pacing", "Trim the pauses or lay music under them.", seen,
                        [Evidence(source="audio", t=gap.start if gap else None, value=audio.dead_air_seconds, detail=seen)],
                        _worth(scores, weights, "pacing", 1.5)))
    return out


def _message_fixes(inputs: ScoringInputs, brand: BrandProfile, scores: Mapping[str, Score],
                   weights: Mapping[str, float], compliance: Compliance) -> list[_Candidate]:
    out = []
    hits = _cta_hits(inputs, brand)
    suggestion = (compliance.safe_ctas[0] if compliance.safe_ctas else
                  brand.cta_phrases[0].capitalize() if brand.cta_phrases else "Shop the link in my bio")
    if not hits:
        out.append(_fix("cta", "cta", f"End with one specific ask, on screen and in the caption: '{suggestion}'.",
                        "no call to action in the caption, on screen or said",
                        [Evidence(source="caption", detail="no call to action found")], _worth(scores, weights, "cta", 6.0)))
    elif all(h.piece.channel == "caption" for h in hits):
        seen = f"CTA '{hits[0].phrase}' only in the caption"
        out.append(_fix("cta", "cta", "Say and show the CTA in the last 30 % of the video too.", seen,
                        [hits[0].evidence("CTA")], _worth(scores, weights, "cta", 2.5)))
    all_text = tx.pieces(inputs)
    in_video = [p for p in all_text if p.channel != "caption"]
    props_caption = tx.find(tx.phrase_pattern(brand.value_props), [p for p in all_text if p.channel == "caption"])
    props_video = tx.find(tx.phrase_pattern(brand.value_props), in_video)
    said_or_shown = {" ".join(tx.words(h.phrase)) for h in props_video}
    caption_only = [h for h in props_caption if " ".join(tx.words(h.phrase)) not in said_or_shown]
    if caption_only:
        prop = caption_only[0].phrase
        out.append(_fix("brand_fit", "brand_fit", f"Mention '{prop}' in the narration or on screen for viewers who skip the caption.",
                        f"'{prop}' is only in the caption", [caption_only[0].evidence("value prop")],
                        _worth(scores, weights, "brand_fit", 2.0) + 1.0))
    elif not props_caption and not props_video and brand.value_props:
        out.append(_fix("brand_fit", "brand_fit", f"State a value prop such as '{brand.value_props[0]}'.",
                        "no value prop said, shown or written",
                        [Evidence(source="brand_profile", detail=f"none of {', '.join(brand.value_props[:3])} found")],
                        _worth(scores, weights, "brand_fit", 3.0)))
    if not set(brand.hashtags) & (set(inputs.hashtags) | {w.lower() for w in tx.words(inputs.caption)}) and brand.hashtags:
        out.append(_fix("brand_fit", "brand_fit", f"Add #{brand.hashtags[0]} to the caption.", "no brand hashtag",
                        [Evidence(source="hashtags", detail=f"hashtags: {', '.join('#' + h for h in inputs.hashtags) or 'none'}")],
                        _worth(scores, weights, "brand_fit", 2.0)))
    depth = scores["depth"]
    if depth.value <= 6:
        mech = any("mechanism" in e.detail for e in depth.evidence if e.text)
        action = ("Name the ingredients and numbers (what, how much, how long)." if mech else
                  "Explain how it works in one line ('it works because ...') and show it in use.")
        out.append(_fix("depth", "depth", action, f"depth {depth.value}/10",
                        [e for e in depth.evidence[:2]] or [Evidence(source="media", detail=f"depth {depth.value}/10")],
                        _worth(scores, weights, "depth", 3.0)))
    clarity = scores["clarity"]
    if clarity.value <= 5:
        out.append(_fix("clarity", "clarity", "Give the message a numbered structure on screen (1, 2, 3) that matches what you say.",
                        f"clarity {clarity.value}/10", list(clarity.evidence[:2]), _worth(scores, weights, "clarity", 3.0)))
    return out


def _visual_fixes(inputs: ScoringInputs, visual: Mapping[str, Score]) -> list[_Candidate]:
    out = []
    outside = [(f, ln) for f in inputs.onscreen or () for ln in f.lines if not ln.in_safe_zone]
    if outside:
        frame, line = outside[0]
        zones = ", ".join(line.overlaps) or "the UI"
        seen = f"'{line.text}' at {frame.t:.1f} s ({frame.frame}) sits under the {zones} UI"
        out.append(_fix("text", "text_legibility", "Move text inside the safe zone (clear of the top 8 %, bottom 23 % and right edge).",
                        seen, [Evidence(source="onscreen_text", t=frame.t, frame=frame.frame, text=line.text, detail=seen)], 1.5))
    tiny = [(f, ln) for f in inputs.onscreen or () for ln in f.lines if ln.text_height < 0.025]
    if tiny:
        frame, line = tiny[0]
        seen = f"'{line.text}' is {line.text_height:.1%} of frame height at {frame.t:.1f} s"
        out.append(_fix("text", "text_legibility", "Make on-screen text at least 3.5 % of the frame height.", seen,
                        [Evidence(source="onscreen_text", t=frame.t, frame=frame.frame, value=line.text_height, detail=seen)], 1.2))
    silent = visual.get("silent_comprehension")
    if silent is not None and silent.value < 7 and inputs.audio is not None and inputs.audio.speech:
        out.append(_fix("text", "silent_comprehension", "Burn in captions for the key lines: many viewers watch muted.",
                        f"silent comprehension {silent.value}/10", list(silent.evidence[:2]) or
                        [Evidence(source="onscreen_text", detail=f"silent comprehension {silent.value}/10")], 1.0))
    return out


def _compliance_fixes(compliance: Compliance) -> list[_Candidate]:
    out = []
    safe = f" Try: '{compliance.safe_ctas[0]}'." if compliance.safe_ctas else ""
    for flag in compliance.flags:
        if flag.severity == "low":
            continue
        phrase = flag.evidence[0].text or flag.evidence[0].detail
        out.append(_fix("compliance", None, f"Remove or substantiate '{phrase}' ({flag.code.replace('_', ' ')}).{safe}",
                        flag.summary, flag.evidence[:3], 20.0 if flag.severity == "high" else 5.0,
                        priority="high" if flag.severity == "high" else "medium"))
    return out


def prioritized_fixes(inputs: ScoringInputs, brand: BrandProfile, core: Sequence[Score], visual: Sequence[Score],
                      compliance: Compliance, weights: Mapping[str, float]) -> tuple[Fix, ...]:
    scores = {s.name: s for s in core}
    vis = {s.name: s for s in visual}
    candidates = (_compliance_fixes(compliance) + _hook_fixes(inputs, scores, weights) + _pacing_fixes(inputs, scores, weights)
                  + _message_fixes(inputs, brand, scores, weights, compliance) + _visual_fixes(inputs, vis))
    # One fix per (category, action) and the most valuable first; ties broken by text for determinism.
    unique: dict[str, _Candidate] = {}
    for c in candidates:
        unique.setdefault(c.fix.action, c)
    ranked = sorted(unique.values(), key=lambda c: (_PRIORITY_RANK[c.fix.priority], -c.worth, c.fix.category, c.fix.action))
    chosen = ranked[:MAX_FIXES]
    if len(chosen) < MIN_FIXES:
        chosen += _polish(core, visual, {c.fix.score for c in chosen}, MIN_FIXES - len(chosen))
    return tuple(c.fix for c in chosen)


_POLISH = {
    "hook": "Test a sharper first line: a number or a question in the first second.",
    "depth": "Add one more concrete proof point (a number, an ingredient, a result with its timeframe).",
    "clarity": "Keep each on-screen line under 40 characters and echo the voice.",
    "pacing": "Tighten the slowest shot by a beat.",
    "cta": "Add urgency or an offer to the CTA (today, a code, % off).",
    "brand_fit": "Name the brand on screen once, early.",
    "thumb_stop": "Open on the most striking frame of the video.",
    "text_timing": "Keep each line on screen long enough to read (about 15-20 characters per second).",
    "loopability": "End on a frame that flows back into the first one so the video loops.",
}


def _polish(core: Sequence[Score], visual: Sequence[Score], taken: set[str | None], n: int) -> list[_Candidate]:
    """Strong videos still get 3 suggestions: the lowest remaining scores, as low-priority polish."""
    pool = sorted((s for s in (*core, *visual) if s.name in _POLISH and s.name not in taken), key=lambda s: (s.value, s.name))
    out = []
    for s in pool[:n]:
        category = s.name if s.name in ("hook", "depth", "clarity", "pacing", "cta", "brand_fit") else "visual"
        out.append(_fix(category, s.name, _POLISH[s.name], f"{s.name.replace('_', ' ')} {s.value}/10 is the lowest left",
                        [Evidence(source="media", value=s.value, detail=f"{s.name} scored {s.value}/10")], 0.0, priority="low"))
    return out


def findings(inputs: ScoringInputs, core: Sequence[Score], compliance: Compliance) -> tuple[Finding, ...]:
    scores = {s.name: s for s in core}
    out: list[Finding] = []
    hook = scores["hook"]
    verdict = "strong" if hook.value >= 8 else "ok" if hook.value >= 5 else "weak"
    found = [e.detail for e in hook.evidence if "not found" not in e.detail][:3]
    out.append(Finding(kind="hook_verdict", verdict=verdict,  # type: ignore[arg-type]
                       text=f"Hook {hook.value}/10 ({verdict}): " + ("; ".join(found) if found else "nothing lands in the first 3 s"),
                       evidence=hook.evidence[:4]))
    depth = scores["depth"]
    d_verdict = "strong" if depth.value >= 8 else "ok" if depth.value >= 5 else "weak"
    d_found = [e.detail for e in depth.evidence if e.text][:4]
    out.append(Finding(kind="depth_analysis", verdict=d_verdict,  # type: ignore[arg-type]
                       text=f"Depth {depth.value}/10: " + ("; ".join(d_found) if d_found else "no specifics, mechanism or demo found"),
                       evidence=depth.evidence[:4]))
    # Retention: where a viewer is likely to leave (slow windows, long shots, dead air).
    retention = [e for e in scores["pacing"].evidence if e.t is not None and e.t > 0][:3]
    for e in retention:
        out.append(Finding(kind="retention_opportunity", text=f"Viewers may drop around {e.t:.0f} s: {e.detail}", evidence=(e,)))
    if not retention and inputs.scenes is not None:
        out.append(Finding(kind="retention_opportunity", text="Cadence holds across the video; no slow stretch found",
                           evidence=(Evidence(source="scene_cuts", detail=f"{len(inputs.scenes.cuts)} cuts"),)))
    for s in sorted(core, key=lambda s: (-s.value, s.name))[:2]:
        if s.value >= 8:
            out.append(Finding(kind="strength", verdict="strong", text=f"{s.name.replace('_', ' ').title()} {s.value}/10",
                               evidence=s.evidence[:2]))
    for flag in compliance.flags:
        out.append(Finding(kind="risk", verdict="weak", text=f"{flag.code} ({flag.severity}): {flag.summary}", evidence=flag.evidence[:2]))
    return tuple(out)
