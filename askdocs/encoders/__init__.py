"""Encoders: one interface (`Encoder`), three implementations (fp32, int8, recorded int8).

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
from askdocs.encoders.recorded import RecordedInt8Encoder
from askdocs.errors import AskdocsError, Int8UnavailableError
from askdocs.settings import DEFAULT_MODEL, ENCODERS

logger = logging.getLogger(__name__)

__all__ = [
    "Encoder",
    "Fp32Encoder",
    "Int8Encoder",
    "RecordedInt8Encoder",
    "load_encoder",
    "resolve_model",
]


@lru_cache(maxsize=4)
def load_encoder(name: str = DEFAULT_MODEL, kind: str = "fp32") -> Encoder:
    """The model `name` run as `kind` ("int8" or "fp32"), loaded once per process.

    int8 falls back to fp32, with a warning, where it cannot run (no onnxruntime, a model without
    mean pooling).
    """
    if kind not in ENCODERS:
        raise AskdocsError(f"the encoder must be one of {', '.join(ENCODERS)}, not '{kind}'")
    logger.info("loading embedding model %s (%s)", name, kind)
    fp32 = Fp32Encoder(name)
    if kind == "fp32":
        return fp32
    try:
        return Int8Encoder(fp32)
    except Int8UnavailableError as error:
        logger.warning("the int8 encoder is not available for '%s' (%s); using fp32", name, error)
        return fp32
