"""Encoders: one interface (`Encoder`), three implementations (fp32, int8, recorded int8), two models.

all-MiniLM-L6-v2 (English; fp32 or int8) and multilingual-e5-small (int8, `multilingual.py`).

`load_encoder(name, kind)` gives the model a build is made with; `RecordedInt8Encoder` runs the int8
model and tokenizer a build recorded, which a searcher uses without PyTorch (found again from a
build by `index/recorded_encoder.py`).
"""

from __future__ import annotations

import logging
from functools import lru_cache

from askdocs.encoders.base import Encoder
from askdocs.encoders.fp32 import Fp32Encoder, resolve_model
from askdocs.encoders.int8 import Int8Encoder
from askdocs.encoders.multilingual import E5_RECIPE, multilingual_encoder
from askdocs.encoders.quantized import EXPORT_RECIPE
from askdocs.encoders.recorded import RecordedInt8Encoder
from askdocs.errors import AskdocsError, Int8UnavailableError
from askdocs.settings import DEFAULT_MODEL, ENCODERS, MULTILINGUAL_MODEL

logger = logging.getLogger(__name__)

__all__ = [
    "MULTILINGUAL_MODEL",
    "Encoder",
    "Fp32Encoder",
    "Int8Encoder",
    "RecordedInt8Encoder",
    "export_recipe",
    "load_encoder",
    "resolve_model",
]


def export_recipe(name: str) -> str:
    """How the current version makes the int8 copy of model `name` (keys exports and embedding caches)."""
    return E5_RECIPE if name == MULTILINGUAL_MODEL else EXPORT_RECIPE


@lru_cache(maxsize=4)
def load_encoder(name: str = DEFAULT_MODEL, kind: str = "fp32") -> Encoder:
    """The model `name` run as `kind` ("int8" or "fp32"), loaded once per process.

    int8 falls back to fp32, with a warning, where it cannot run (no onnxruntime, a model without
    mean pooling).
    """
    if kind not in ENCODERS:
        raise AskdocsError(f"the encoder must be one of {', '.join(ENCODERS)}, not '{kind}'")
    logger.info("loading embedding model %s (%s)", name, kind)
    if name == MULTILINGUAL_MODEL:
        if kind == "fp32":
            logger.warning("%s runs as int8 only (its package ships 4-bit weights); using int8", name)
        return multilingual_encoder()
    fp32 = Fp32Encoder(name)
    if kind == "fp32":
        return fp32
    try:
        return Int8Encoder(fp32)
    except Int8UnavailableError as error:
        logger.warning("the int8 encoder is not available for '%s' (%s); using fp32", name, error)
        return fp32
