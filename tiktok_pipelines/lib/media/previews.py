"""What a person sees of a video in the Dagster UI: the hook strip, a cut timeline, a transcript preview.

Images travel as data-URI Markdown (the metadata panel renders them), so they are kept small: the hook
strip is re-encoded at 120 px high, a few tens of KB per materialization.
"""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

from tiktok_pipelines.lib.extraction.artifacts import SceneAnalysis, Transcript


def jpeg_markdown(source: Path | bytes, *, alt: str, height: int = 120, quality: int = 70) -> str:
    """An image file or its bytes as a small Markdown image; PIL's errors for unreadable images pass through."""
    from PIL import Image

    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as im:
        im = im.convert("RGB")
        w = max(1, round(im.width * height / im.height))
        small = im.resize((w, height))
    buf = io.BytesIO()
    small.save(buf, format="JPEG", quality=quality)
    return f"![{escape(alt)}](data:image/jpeg;base64,{base64.b64encode(buf.getvalue()).decode('ascii')})"


def thumbnail(src: Path, dest: Path, *, width: int = 360) -> Path:
    from PIL import Image

    with Image.open(src) as im:
        im = im.convert("RGB")
        im.resize((width, max(1, round(im.height * width / im.width)))).save(dest, format="JPEG", quality=80)
    return dest


def cut_timeline_svg(scenes: SceneAnalysis, *, width: int = 720, height: int = 120) -> str:
    """Shots as alternating bands on a time axis, cuts as ticks, motion energy as a line above."""
    duration = max(scenes.analysed_seconds, 0.001)
    left, right, top, band_h = 40, 12, 26, 34
    pw = width - left - right

    def x(t: float) -> float:
        return left + min(max(t / duration, 0.0), 1.0) * pw

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="16" font-size="13" font-weight="bold">{len(scenes.cuts)} cuts in '
           f'{scenes.analysed_seconds:.1f} s</text>']
    bounds = [0.0, *[c.t for c in scenes.cuts], duration]
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        fill = "#9ecae1" if i % 2 == 0 else "#3182bd"
        out.append(f'<rect x="{x(a):.1f}" y="{top}" width="{max(0.5, x(b) - x(a)):.1f}" height="{band_h}" fill="{fill}">'
                   f'<title>shot {i + 1}: {a:.2f}-{b:.2f} s</title></rect>')
    if scenes.motion_energy:
        peak = max(max(scenes.motion_energy), 1e-6)
        base = top + band_h + 40
        pts = " ".join(f"{x(i + 0.5):.1f},{base - 30 * v / peak:.1f}" for i, v in enumerate(scenes.motion_energy))
        out.append(f'<polyline points="{pts}" fill="none" stroke="#e6550d" stroke-width="1.5"/>'
                   f'<text x="{left}" y="{base + 12}" fill="#e6550d">motion per second</text>')
    step = 5 if duration <= 60 else 30
    t = 0.0
    while t <= duration + 1e-6:
        out.append(f'<text x="{x(t):.1f}" y="{top + band_h + 12}" text-anchor="middle" fill="#555">{t:.0f}s</text>')
        t += step
    out.append("</svg>")
    return "".join(out)


def transcript_preview(transcript: Transcript, limit: int = 400) -> str:
    if not transcript.segments:
        return f"_{transcript.note or 'no speech'}_"
    lines = []
    used = 0
    for seg in transcript.segments:
        line = f"`{seg.start:05.1f}s` {seg.text}"
        lines.append(line)
        used += len(line)
        if used > limit:
            lines.append("…")
            break
    return "  \n".join(lines)
