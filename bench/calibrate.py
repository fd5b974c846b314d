"""`make calibrate`: score the labelled golden set through the real pipeline and print how far the
engine is from the labels (per-score MAE with bootstrap CIs, bias, band agreement, worst items).

1. Render the golden clips (tiktok_pipelines/demo/golden.py), cached by spec in --cache-dir.
2. In a throwaway data dir (its own SQLite warehouse and drop folder), drop each clip as a draft
   with its caption sidecar and tick the media sensor with the demo's simulated daemon until no
   run launches: that is the real video_extraction_job (and whatever the job also materializes).
3. Score each video with `lib.scoring.engine.score_video` on `load_scoring_inputs`, compare with
   golden_labels.yaml, print the report and write it as JSON (--json).

The figures are reported, not a gate: the exit status is 0 unless --strict is given and the
required targets (Hook and Depth MAE <= 1.0) are missed (1), or nothing could be scored (2).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ENGINE = "tiktok_pipelines.lib.scoring.engine"


class CalibrationError(RuntimeError):
    pass


@dataclass
class CalibrationRun:
    report: Any  # CalibrationReport, or None for --extract-only
    timings: dict[str, float]
    video_ids: dict[str, str]  # golden id -> video id (partition key)
    failed: dict[str, str] = field(default_factory=dict)  # golden id -> why it was not scored
    modalities: dict[str, dict[str, str]] = field(default_factory=dict)  # golden id -> stage -> status


def load_engine() -> Callable[..., Any]:
    """`score_video`, imported only when needed; a clear error while the engine does not exist yet."""
    try:
        from tiktok_pipelines.lib.scoring.engine import score_video
    except ImportError as exc:
        raise CalibrationError(
            f"the scoring engine is not available ({ENGINE}.score_video could not be imported: {exc}). "
            "Calibration needs it; run with --extract-only to check the golden clips and their extraction."
        ) from exc
    return score_video


@contextlib.contextmanager
def throwaway_environment(data_dir: Path) -> Iterator[Path]:
    """The pipeline's environment pointed at `data_dir` (SQLite warehouse, local drop folder and
    store, demo clock), restored afterwards so a caller (make bench) keeps its own."""
    drop = data_dir / "drop"
    wanted = {
        "TIKTOK_DATA_DIR": str(data_dir),
        "TIKTOK_SOURCE": "demo",
        "TIKTOK_WAREHOUSE_URL": f"sqlite:///{data_dir / 'warehouse.sqlite'}",
        "TIKTOK_DROP_FOLDER": str(drop),
        "TIKTOK_MEDIA_STORE": "local",
        # the clips are copied in whole right before the first tick: nothing is still being written
        "TIKTOK_DROP_SETTLE_SECONDS": "0",
        "TIKTOK_MEDIA_RUNS_PER_TICK": "1000",
    }
    cleared = ("TIKTOK_DROP_S3",)
    saved = {name: os.environ.get(name) for name in (*wanted, *cleared)}
    os.environ.update(wanted)
    for name in cleared:
        os.environ.pop(name, None)
    drop.mkdir(parents=True, exist_ok=True)
    try:
        yield drop
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def drop_drafts(drop: Path, clips: Sequence[tuple[str, Path, str]]) -> dict[str, str]:
    """Copy each (golden id, clip, caption) into the drop folder as `<id>.mp4` with its
    `<id>.caption.txt` sidecar; returns golden id -> the draft's video id (partition key)."""
    from tiktok_pipelines.lib.media.acquire import CAPTION_SUFFIX, drop_video_id

    ids = {}
    for golden_id, path, caption in clips:
        name = f"{golden_id}.mp4"
        # the sidecar first: a video whose caption is still missing would be registered without it
        (drop / f"{golden_id}{CAPTION_SUFFIX}").write_text(caption, encoding="utf-8")
        shutil.copyfile(path, drop / name)
        ids[golden_id] = drop_video_id(name)
    return ids


def extract(echo: Callable[[str], None]) -> list[Any]:
    """Tick the media sensor (the demo's simulated daemon) until no run launches; returns the runs."""
    import dagster as dg

    from tiktok_pipelines.definitions import defs
    from tiktok_pipelines.demo.daemon import SimulatedDaemon
    from tiktok_pipelines.demo.world import DEMO_NOW
    from tiktok_pipelines.lib.clock import FileClock
    from tiktok_pipelines.lib.settings import load_settings

    settings = load_settings()
    clock = FileClock(settings.demo_clock_file, default_start=DEMO_NOW)
    launched = []
    with dg.DagsterInstance.ephemeral() as instance:
        daemon = SimulatedDaemon(defs(), instance, echo=lambda m: echo(f"  {m.strip()}"))
        for _ in range(100):  # each tick takes every new file; a second tick finds none
            runs = daemon.tick_sensor("media_intake_sensor")
            if not runs:
                break
            launched += runs
            clock.advance(minutes=1)
    return launched


def _comparison(item: Any, label: Any, scores: Any) -> Any:
    from tiktok_pipelines.demo.golden import overall_from
    from tiktok_pipelines.lib.scoring.calibration import ItemComparison

    return ItemComparison(
        id=item.id, tier=item.tier, truth=dict(label.scores), predicted=dict(scores.core_values),
        why=dict(label.why), true_band=label.band, predicted_band=scores.band,
        true_silent_friendly=label.silent_friendly, predicted_silent_friendly=scores.silent_friendly,
        true_capped=label.compliance_cap, predicted_capped=scores.compliance.caps_band,
        true_overall=overall_from(label.scores), predicted_overall=scores.overall,
    )


def run_calibration(
    cache_dir: Path, *, ids: Sequence[str] | None = None, workers: int = 2, brand_path: Path | None = None,
    keep: bool = False, extract_only: bool = False, echo: Callable[[str], None] = print,
) -> CalibrationRun:
    from tiktok_pipelines.demo.golden import (
        generate_golden_clips,
        golden_items,
        load_golden_labels,
    )

    score_video = None if extract_only else load_engine()  # fail before minutes of rendering
    labels = load_golden_labels()
    items = golden_items(ids)
    unlabelled = [i.id for i in items if i.id not in labels.labels]
    if unlabelled:
        raise CalibrationError(f"golden items without labels in golden_labels.yaml: {', '.join(unlabelled)}")
    brand = None
    if not extract_only:
        from tiktok_pipelines.lib.scoring.brand import load_brand_profile

        brand = load_brand_profile(brand_path)

    timings: dict[str, float] = {}
    echo(f"rendering {len(items)} golden clips into {cache_dir} (cached by spec) ...")
    t = time.perf_counter()
    clips = generate_golden_clips(cache_dir, items, workers=workers)
    timings["generation_s"] = time.perf_counter() - t

    data_dir = Path(tempfile.mkdtemp(prefix="tiktok-calibrate-"))
    failed: dict[str, str] = {}
    modalities: dict[str, dict[str, str]] = {}
    comparisons = []
    scoring_seconds: list[float] = []
    versions: set[str] = set()
    try:
        with throwaway_environment(data_dir) as drop:
            video_ids = drop_drafts(drop, [(i.id, c.path, i.caption) for i, c in zip(items, clips, strict=True)])
            echo(f"extracting through video_extraction_job in {data_dir} ...")
            t = time.perf_counter()
            runs = extract(echo)
            timings["extraction_s"] = time.perf_counter() - t
            run_ok = {r.partition_key: r.success for r in runs}
            for item in items:
                if not run_ok.get(video_ids[item.id], False):
                    failed[item.id] = ("extraction run failed" if video_ids[item.id] in run_ok
                                       else "no extraction run launched")

            from tiktok_pipelines.lib.scoring.inputs import load_scoring_inputs
            from tiktok_pipelines.lib.settings import load_settings
            from tiktok_pipelines.lib.warehouse import Warehouse

            warehouse = Warehouse(load_settings().warehouse_url)
            for item in items:
                if item.id in failed:
                    continue
                try:
                    with warehouse.begin() as conn:
                        inputs = load_scoring_inputs(conn, video_ids[item.id])
                except LookupError as exc:
                    failed[item.id] = str(exc)
                    continue
                modalities[item.id] = {m.name: m.status for m in inputs.modalities}
                if score_video is None:
                    continue
                t = time.perf_counter()
                try:
                    scores = score_video(inputs, brand)
                except Exception as exc:  # noqa: BLE001 - one item's failure is reported, the rest still count
                    failed[item.id] = f"score_video raised {type(exc).__name__}: {exc}"
                    continue
                scoring_seconds.append(time.perf_counter() - t)
                versions.add(scores.scoring_version)
                comparisons.append(_comparison(item, labels.labels[item.id], scores))
    finally:
        if keep:
            echo(f"kept the throwaway data dir: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    timings["scoring_s"] = sum(scoring_seconds)
    if scoring_seconds:
        timings["scoring_per_video_mean_s"] = timings["scoring_s"] / len(scoring_seconds)
        timings["scoring_per_video_max_s"] = max(scoring_seconds)
    if items:
        timings["extraction_per_video_s"] = timings.get("extraction_s", 0.0) / len(items)
    report = None
    if comparisons:
        from tiktok_pipelines.lib.scoring.calibration import build_report
        from tiktok_pipelines.lib.settings import load_media_settings

        meta: dict[str, Any] = {
            "rubric": labels.rubric, "rater": labels.rater, "labelled_on": labels.labelled_on,
            "brand": brand.label if brand is not None else None,
            "asr_backend": load_media_settings().asr_backend,
            "timings_s": {k: round(v, 3) for k, v in timings.items()},
            "failed": dict(sorted(failed.items())),
            "video_ids": dict(sorted(video_ids.items())),
        }
        if versions:
            meta["scoring_version"] = ", ".join(sorted(versions))
        report = build_report(comparisons, meta=meta)
    return CalibrationRun(report=report, timings=timings, video_ids=video_ids, failed=failed, modalities=modalities)


def _timing_lines(timings: Mapping[str, float], n: int) -> list[str]:
    lines = [(f"timings: generation {timings.get('generation_s', 0):.1f} s, "
              f"extraction {timings.get('extraction_s', 0):.1f} s "
              f"({timings.get('extraction_per_video_s', 0):.1f} s per video, {n} videos)")]
    if "scoring_per_video_mean_s" in timings:
        lines.append(f"         scoring {timings['scoring_s']:.2f} s ({timings['scoring_per_video_mean_s']:.3f} s per video "
                     f"mean, {timings['scoring_per_video_max_s']:.3f} s max)")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    from tiktok_pipelines.demo.golden import DEFAULT_CACHE

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", type=Path, default=Path(os.environ.get("TIKTOK_GOLDEN_MEDIA") or DEFAULT_CACHE),
                        help="where rendered golden clips are cached (default: %(default)s)")
    parser.add_argument("--json", type=Path, default=None, help="also write the report as JSON to this path")
    parser.add_argument("--strict", action="store_true", help="exit 1 when Hook or Depth MAE is above 1.0")
    parser.add_argument("--only", nargs="+", metavar="ID", help="score only these golden items")
    parser.add_argument("--brand", type=Path, default=None, help="brand profile YAML (default: the demo brand)")
    parser.add_argument("--workers", type=int, default=2, help="clips rendered at once (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway data dir for inspection")
    parser.add_argument("--extract-only", action="store_true",
                        help="render and extract only, print each item's extraction statuses (no engine needed)")
    args = parser.parse_args(argv)

    try:
        run = run_calibration(args.cache_dir, ids=args.only, workers=args.workers, brand_path=args.brand,
                              keep=args.keep, extract_only=args.extract_only)
    except (CalibrationError, KeyError) as exc:
        print(f"calibrate: {exc}", file=sys.stderr)
        return 2
    print()
    if args.extract_only:
        for golden_id, statuses in run.modalities.items():
            print(f"  {golden_id:<28} {run.video_ids[golden_id]:<44} "
                  + " ".join(f"{k}={v}" for k, v in statuses.items()))
        for golden_id, reason in run.failed.items():
            print(f"  {golden_id:<28} FAILED: {reason}")
        print("\n".join(_timing_lines(run.timings, len(run.video_ids))))
        return 0 if not run.failed else 2
    if run.report is None:
        print("calibrate: no golden item could be scored:", file=sys.stderr)
        for golden_id, reason in run.failed.items():
            print(f"  {golden_id}: {reason}", file=sys.stderr)
        return 2
    print(run.report.render())
    print()
    print("\n".join(_timing_lines(run.timings, len(run.video_ids))))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(run.report.to_json() + "\n", encoding="utf-8")
        print(f"report: {args.json}")
    if args.strict and not run.report.required_met:
        print("calibrate: Hook/Depth MAE above 1.0 (--strict)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
