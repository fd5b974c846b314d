"""A media world for pipeline tests: a drop folder, the real definitions, an ephemeral Dagster instance
and the simulated daemon that ticks the real sensor and runs the real job in-process."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from tiktok_pipelines.demo.media import ClipSpec, Overlay, SpeechLine

# Small, fast clips that still carry every modality: cuts, overlays, speech and a beat.
SPOKEN = ClipSpec(
    name="spoken", duration=8.0, width=720, height=1280, fps=30, cuts=(2.5, 5.0),
    overlays=(Overlay("GLOW SERUM TIPS", 0.0, 3.5, 0.3), Overlay("LINK IN BIO", 6.0, 8.0, 0.85, style="box")),
    speech=(SpeechLine("three tips for stronger hair", 0.4),), music_bpm=120.0,
)
MUSIC = ClipSpec(name="music", duration=6.0, width=720, height=1280, fps=30, cuts=(3.0,), music_bpm=100.0)


@dataclass
class MediaWorld:
    data_dir: Path
    drop: Path
    instance: dg.DagsterInstance
    daemon: object  # SimulatedDaemon
    defs: dg.Definitions

    def drop_file(self, src: Path, name: str, caption: str | None = None) -> Path:
        dest = self.drop / name
        shutil.copy(src, dest)
        if caption is not None:
            (self.drop / f"{Path(name).stem}.caption.txt").write_text(caption)
        return dest

    def tick(self) -> list:
        return self.daemon.tick_sensor("media_intake_sensor")  # type: ignore[attr-defined]

    def warehouse(self):  # noqa: ANN201
        from tiktok_pipelines.lib.settings import load_settings
        from tiktok_pipelines.lib.warehouse import Warehouse

        return Warehouse(load_settings().warehouse_url)

    def failure_messages(self, run_id: str) -> list[str]:
        out = []
        for record in self.instance.all_logs(run_id):
            event = record.dagster_event
            if event is not None and event.is_step_failure:
                out.append(event.step_failure_data.error.message)
        return out


@contextmanager
def media_world(data_dir: Path, monkeypatch, **env: str) -> Iterator[MediaWorld]:  # noqa: ANN001 - MonkeyPatch
    """Environment first (settings are read when definitions load), then defs, instance, daemon."""
    from tiktok_pipelines.definitions import defs
    from tiktok_pipelines.demo.daemon import SimulatedDaemon

    drop = data_dir / "drop"
    drop.mkdir(parents=True, exist_ok=True)
    for key, value in {"TIKTOK_DROP_SETTLE_SECONDS": "0", **env}.items():
        monkeypatch.setenv(key, value)
    d = defs()
    with dg.DagsterInstance.ephemeral() as instance:
        yield MediaWorld(data_dir, drop, instance, SimulatedDaemon(d, instance), d)
