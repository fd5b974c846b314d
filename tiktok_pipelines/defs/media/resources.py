"""Media resources: where files are kept, where new ones come from, and the extraction backends."""

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster_aws.s3 import S3Resource

from tiktok_pipelines.lib.settings import load_media_settings


def _split_s3(url: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


class MediaStoreResource(dg.ConfigurableResource):
    """Video files, keyframes and hook strips in a local folder (the default); `S3MediaStoreResource`
    keeps them in S3 instead."""

    local_root: str = ""
    cache_dir: str = ""  # local copies of S3 objects that a step decodes

    def get(self):
        from tiktok_pipelines.lib.media.store import LocalMediaStore

        return LocalMediaStore(Path(self.local_root))

    @contextlib.contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """A local path for a stored object: the file itself here; a temporary copy from S3."""
        yield self.get().root / key

    def local_files(self, keys: list[str], work: Path) -> list[Path]:
        """Local paths for several small objects a step reads (keyframes): the files themselves here;
        copies fetched into `work` from S3."""
        return [self.get().root / key for key in keys]


class MediaIntakeResource(dg.ConfigurableResource):
    """Where creators' files arrive (a drop folder; an S3 prefix with `S3MediaIntakeResource`) and the
    rules for fetching URLs."""

    drop_folder: str = ""
    drop_s3_bucket: str = ""
    drop_s3_prefix: str = ""
    settle_seconds: float = 5.0  # a file still growing is an upload in progress
    max_download_bytes: int = 512 * 2**20
    allow_private_urls: bool = False
    ca_bundle: str = ""
    ytdlp: bool = False

    def s3_client(self):
        return None


class ExtractionResource(dg.ConfigurableResource):
    """Backends and limits of the per-modality extractors."""

    max_seconds: int = 180
    asr_backend: str = "pocketsphinx"
    asr_model: str = ""
    openai_base_url: str = ""
    clip_model: str = "ViT-B-32"
    clip_checkpoint: str = ""
    clip_model_config: str = ""
    cache_dir: str = ""
    ocr_engine: str = "auto"

    def asr_config(self):
        from tiktok_pipelines.lib.extraction.asr import AsrConfig

        return AsrConfig(backend=self.asr_backend, model=self.asr_model,  # type: ignore[arg-type]
                         openai_base_url=self.openai_base_url or None)

    def clip_config(self):
        from tiktok_pipelines.lib.extraction.clip import ClipConfig

        if not self.clip_checkpoint:
            return None
        return ClipConfig(
            model=self.clip_model, checkpoint=Path(self.clip_checkpoint),
            model_config=Path(self.clip_model_config) if self.clip_model_config else None,
            cache_dir=Path(self.cache_dir) / "clip" if self.cache_dir else None,
        )

    def work_dir(self, video_id: str) -> Path:
        return Path(self.cache_dir) / "work" / video_id

    def clear_work(self, video_id: str) -> None:
        shutil.rmtree(self.work_dir(video_id), ignore_errors=True)


class S3MediaStoreResource(MediaStoreResource):
    """Media kept under s3://bucket/prefix; a step that decodes gets a temporary local copy."""

    bucket: str
    prefix: str = ""
    s3: S3Resource

    def get(self):
        from tiktok_pipelines.lib.media.store import S3MediaStore

        return S3MediaStore(self.s3.get_client(), self.bucket, self.prefix)

    @contextlib.contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        work = Path(self.cache_dir) / "fetch"
        work.mkdir(parents=True, exist_ok=True)
        dest = work / key.replace("/", "__")
        try:
            yield self.get().fetch(key, dest)
        finally:
            dest.unlink(missing_ok=True)

    def local_files(self, keys: list[str], work: Path) -> list[Path]:
        work.mkdir(parents=True, exist_ok=True)
        store = self.get()
        return [store.fetch(key, work / key.replace("/", "__")) for key in keys]


class S3MediaIntakeResource(MediaIntakeResource):
    """The drop folder's rules over s3://drop_s3_bucket/drop_s3_prefix."""

    s3: S3Resource

    def s3_client(self):
        return self.s3.get_client()


@dg.definitions
def resources() -> dg.Definitions:
    s = load_media_settings()
    drop_bucket, drop_prefix = _split_s3(s.drop_s3) if s.drop_s3 else ("", "")
    intake = dict(
        drop_folder=str(s.drop_folder), drop_s3_bucket=drop_bucket, drop_s3_prefix=drop_prefix,
        settle_seconds=s.settle_seconds, max_download_bytes=s.max_download_bytes,
        allow_private_urls=s.allow_private_urls, ca_bundle=str(s.ca_bundle or ""), ytdlp=s.ytdlp,
    )
    store = dict(local_root=str(s.local_media_root), cache_dir=str(s.cache_dir))
    if s.media_store != "local" or s.drop_s3:
        
        s3 = S3Resource(endpoint_url=s.s3_endpoint_url)
        media_intake = S3MediaIntakeResource(**intake, s3=s3) if s.drop_s3 else MediaIntakeResource(**intake)
        if s.media_store != "local":
            bucket, prefix = _split_s3(s.media_store)
            media_store = S3MediaStoreResource(**store, bucket=bucket, prefix=prefix, s3=s3)
        else:
            media_store = MediaStoreResource(**store)
    else:
        media_intake, media_store = MediaIntakeResource(**intake), MediaStoreResource(**store)
    return dg.Definitions(resources={
        "media_store": media_store,
        "media_intake": media_intake,
        "extraction": ExtractionResource(
            max_seconds=s.max_seconds, asr_backend=s.asr_backend, asr_model=s.asr_model,
            openai_base_url=s.openai_base_url or "", clip_model=s.clip_model,
            clip_checkpoint=str(s.clip_checkpoint or ""), clip_model_config=str(s.clip_model_config or ""),
            cache_dir=str(s.cache_dir), ocr_engine=s.ocr_engine,
        ),
    })
