"""The installed botocore model of Rekognition: the single source of truth for shapes."""

from __future__ import annotations

import functools

import botocore.session
import numpy as np
from botocore.model import ServiceModel


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """Load once per process; botocore parses the JSON model lazily and caches shapes."""
    return botocore.session.get_session().get_service_model("rekognition")


# The face model version the service reports for collections and indexed faces today.
FACE_MODEL_VERSION = "7.0"


def f32(value: float) -> float:
    """Floats as the service writes them: float32 precision, so output bytes are stable."""
    return float(np.float32(value))
