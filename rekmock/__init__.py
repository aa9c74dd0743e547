"""rekmock: an offline, AWS-faithful mock of Amazon Rekognition.

``from rekmock import mock_rekognition`` and call Rekognition through boto3 as usual. Importing
the package costs next to nothing: moto, boto3 and numpy load on first access to a name below
(the pytest plugin imports this package in every pytest run), and vision models on first use.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .mock import MockRekognition, install, mock_rekognition
    from .scripting import RekognitionState
    from .vision.embedding import SimilarityWarning

__all__ = ["MockRekognition", "RekognitionState", "SimilarityWarning", "install",
           "mock_rekognition"]
__version__ = "0.1.0"

# A library's loggers stay silent unless the application configures logging (rekmock serve
# does); SimilarityWarning still reaches a plain script through Python's warnings.
logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY = {
    "MockRekognition": ".mock",
    "install": ".mock",
    "mock_rekognition": ".mock",
    "RekognitionState": ".scripting",
    "SimilarityWarning": ".vision.embedding",
}


def __getattr__(name: str) -> Any:
    """Import the module behind a public name on first access (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rekmock' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
