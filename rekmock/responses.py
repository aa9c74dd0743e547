"""moto response class: parse, validate, dispatch to one handler per operation, serialize.

Operations rekmock does not implement fall through to moto's own ``RekognitionResponse``
(DetectLabels, DetectText, ...), so they keep working under ``mock_rekognition``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from moto.core.utils import camelcase_to_underscores
from moto.rekognition.responses import RekognitionResponse as MotoRekognitionResponse

from . import images
from .exceptions import InternalServerError, RekognitionError, SerializationException
from .handlers import Handler, load_all
from .models import RekognitionBackend, rekognition_backends, scripts_for
from .scripts import Scripts
from .validation import validate

log = logging.getLogger("rekmock")


@dataclass
class Context:
    """What a handler may use: the caller's state and image intake."""

    account_id: str
    region: str
    partition: str

    @property
    def backend(self) -> RekognitionBackend:
        return rekognition_backends[self.account_id][self.region]

    @property
    def scripts(self) -> Scripts:
        return scripts_for(self.account_id)

    def image(self, image: dict[str, Any] | None) -> images.LoadedImage:
        return images.load_image(image, self.account_id, self.partition)


def _json_default(value: Any) -> Any:
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


class RekognitionResponse(MotoRekognitionResponse):
    """Handlers for rekmock's operations are attached below, one method per operation."""

    def _run(self, operation: str, handler: Handler) -> str:
        try:
            raw = json.loads(self.body or b"{}")
        except ValueError:
            raise SerializationException("Request body is not valid JSON") from None
        params = validate(operation, raw)
        ctx = Context(self.current_account, self.region, self.partition)
        try:
            result = handler(ctx, params)
        except RekognitionError:
            raise
        except Exception:
            log.exception("rekmock failed on %s", operation)
            raise InternalServerError() from None
        return json.dumps(result, separators=(",", ":"), default=_json_default)


def _attach(operation: str, handler: Handler) -> None:
    def method(self: RekognitionResponse) -> str:
        return self._run(operation, handler)

    method.__name__ = camelcase_to_underscores(operation)
    method.__doc__ = f"{operation}: see rekmock.handlers."
    setattr(RekognitionResponse, method.__name__, method)


for _operation, _handler in load_all().items():
    _attach(_operation, _handler)
