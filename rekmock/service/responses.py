"""moto response class: parse, validate, dispatch to one handler per operation, serialize.

Operations rekmock does not implement fall through to moto's own ``RekognitionResponse``
(DetectLabels, DetectText, ...), so they keep working under ``mock_rekognition``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from moto.core.utils import camelcase_to_underscores
from moto.rekognition.responses import RekognitionResponse as MotoRekognitionResponse

from ..botocore_model import service_model
from ..errors import (
    InternalServerError,
    RekognitionError,
    SerializationException,
)
from .context import Context
from .handlers import Handler, load_all
from .validation import validate

log = logging.getLogger("rekmock")


def _json_default(value: Any) -> Any:
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


class RekognitionResponse(MotoRekognitionResponse):
    """Handlers for rekmock's operations are attached below, one method per operation."""

    def _run(self, operation: str, handler: Handler) -> str | tuple[str, dict[str, Any]]:
        try:
            return json.dumps(self._answer(operation, handler), separators=(",", ":"),
                              default=_json_default)
        except RekognitionError as error:
            return _error_body(operation, error, self.body)

    def _answer(self, operation: str, handler: Handler) -> dict[str, Any]:
        try:
            raw = json.loads(self.body or b"{}")
        except ValueError:
            raise SerializationException("Request body is not valid JSON") from None
        params = validate(operation, raw)
        ctx = Context(self.current_account, self.region, self.partition)
        try:
            return handler(ctx, params)
        except RekognitionError:
            raise
        except Exception:
            log.exception("rekmock failed on %s", operation)
            raise InternalServerError() from None


def _error_body(operation: str, error: RekognitionError, body: Any) -> tuple[str, dict[str, Any]]:
    """The service's error document: ``__type``, ``Code`` and ``Message`` (current answers
    carry no ``Logref``), so the same bad request gets the same bytes back."""
    try:
        shape = service_model().shape_for(error.code)
        status = shape.metadata.get("error", {}).get("httpStatusCode", 400)
    except Exception:  # not a modelled error (ValidationException, SerializationException)
        status = 500 if isinstance(error, InternalServerError) else 400
    doc = {"__type": error.code, "Code": error.code, "Message": error.message}
    headers = {"status": status, "X-Amzn-Errortype": error.code,
               "Content-Type": "application/x-amz-json-1.1"}
    return json.dumps(doc), headers


def _attach(operation: str, handler: Handler) -> None:
    def method(self: RekognitionResponse) -> str | tuple[str, dict[str, Any]]:
        return self._run(operation, handler)

    method.__name__ = camelcase_to_underscores(operation)
    method.__doc__ = f"{operation}: see rekmock.service.handlers."
    setattr(RekognitionResponse, method.__name__, method)


for _operation, _handler in load_all().items():
    _attach(_operation, _handler)
