"""Make `import torchvision` (and so `import open_clip`) work next to the CPU build of torch.

The only torchvision on PyPI that matches torch 2.13 is a CUDA build (0.28.0+cu130). Its `_C.so` links
libtorch_cuda, so with `torch==2.13.0+cpu` the extension fails to load (silently), and then
`torchvision/_meta_registrations.py` registers fake kernels for `torchvision::nms` / `qnms`
unconditionally and the import dies with "operator torchvision::nms does not exist" (pytorch/vision#9077).
Defining the two op schemas ourselves lets the import finish; the pure-PyTorch transforms CLIP needs
work, the compiled ops (nms, roi_align, torchvision.io decoders) stay unavailable. See
creative-analysis.md §2.6 and feasibility.md §1.

Call `ensure_torchvision_importable()` before anything imports torchvision or open_clip.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

_OPS_WITH_UNCONDITIONAL_FAKES = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)

_lock = threading.Lock()
# The Library object owns the schema definitions: if it were garbage-collected they would be removed again.
_shim_library: Any = None
_outcome: str | None = None


def ensure_torchvision_importable() -> str:
    """Idempotent. Returns how torchvision's ops are provided: "native" (the real extension loaded, or
    torchvision is not installed, nothing to do) or "shim" (the op schemas were defined here)."""
    global _outcome
    with _lock:
        if _outcome is None:
            _outcome = _prepare()
        return _outcome


def _prepare() -> str:
    import torch

    if _op_exists(torch, "nms"):
        return "native"
    extension = _torchvision_extension()
    if extension is None:
        return "native"
    try:
        torch.ops.load_library(str(extension))
    except (OSError, RuntimeError):
        pass  # the CUDA build on a CPU torch; fall through to the shim
    if _op_exists(torch, "nms"):
        return "native"
    _define_missing_schemas(torch)
    return "shim"


def _torchvision_extension() -> Path | None:
    """The compiled extension of the installed torchvision, found without importing torchvision (which is
    exactly what fails)."""
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidates = sorted(Path(location).glob("_C*.so")) + sorted(Path(location).glob("_C*.pyd"))
        if candidates:
            return candidates[0]
    return None


def _op_exists(torch: Any, name: str) -> bool:
    try:
        getattr(torch.ops.torchvision, name)
    except (AttributeError, RuntimeError):
        return False
    return True


def _define_missing_schemas(torch: Any) -> None:
    global _shim_library
    library = torch.library.Library("torchvision", "FRAGMENT")
    for schema in _OPS_WITH_UNCONDITIONAL_FAKES:
        if not _op_exists(torch, schema.split("(", 1)[0]):
            library.define(schema)
    _shim_library = library
