"""rekmock: an offline, AWS-faithful mock of Amazon Rekognition's face APIs.

``from rekmock import mock_rekognition`` and call Rekognition through boto3 as usual. Vision
models load on first use, not on import.
"""

from .mock import MockRekognition, install, mock_rekognition
from .scripting import RekognitionState

__all__ = ["MockRekognition", "RekognitionState", "install", "mock_rekognition"]
__version__ = "0.1.0"
