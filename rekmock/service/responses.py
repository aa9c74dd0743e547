"""moto response class: parse, validate, dispatch to one handler per operation, serialize.

Rekognition speaks JSON 1.1: the operation is named by ``X-Amz-Target`` alone. moto's
``BaseResponse`` also reads an ``Action`` from the query string, a form or the body parsed as a
query string, and calls any method the name matches; here only modelled operation names run,
everything else is the service's ``UnknownOperationException``. Every operation of the model has
a handler (``handlers/``); none of moto's own Rekognition answers is used.
"""

from __future__ import annotations

import json
import logging
import zlib
from typing import Any

from moto.core.responses import BaseResponse
from moto.core.utils import camelcase_to_underscores
from moto.moto_api._internal import mock_random

from ..botocore_model import service_model
from ..errors import (
    InternalServerError,
    RekognitionError,
    RequestEntityTooLarge,
    SerializationException,
    UnknownOperationException,
)
from ..recording import modes
from .context import Context
from .handlers import Handler, load_all
from .validation import validate

log = logging.getLogger("rekmock")
# Largest request body, before or after gzip inflation: two 5 MB images base64-encoded are
# about 14 MB of JSON, so 32 MB refuses nothing the service accepts.
MAX_REQUEST_BYTES = 32 * 1024 * 1024
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"  # the service's, on every answer
# Headers _as_sent writes whatever moto wrote, and moto's status carrier (the status travels apart).
_NOT_SENT = {"content-type", "x-amzn-requestid", "status"}


def _json_default(value: Any) -> Any:
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


class RekognitionResponse(BaseResponse):
    """Handlers for rekmock's operations are attached below, one method per operation."""

    use_raw_body = True  # bytes: a body that is not UTF-8 is a SerializationException, not a crash

    def __init__(self) -> None:
        super().__init__(service_name="rekognition")

    def _dispatch(self, request: Any, full_url: str | None = None, headers: Any = None) -> Any:
        self.operation = ""
        if hasattr(request, "get_data"):  # served: a JSON body whatever its Content-Type says
            request.get_data(cache=True, parse_form_data=False)  # (werkzeug parses forms away)
        try:
            self.setup_class(request, full_url, headers)
            self.operation = _operation_of(self.headers.get("X-Amz-Target"))
        except RekognitionError as error:
            body, out = _error_body(self.operation or "?", error, getattr(self, "raw_body", b""))
            return _as_sent(int(out.pop("status")), out, body)
        recorded = _recorded_answer(self)
        if recorded is not None:  # the service's own answer keeps its request id, if it sent one
            status, headers, body = recorded
            return _as_sent(status, headers, body, keep_request_id=True)
        return _as_sent(*self.call_action())

    def _get_action(self) -> str:
        """moto's lookup reads ``Action`` from the query and body first; a JSON service must not."""
        return getattr(self, "operation", "")

    def decompress_request_body(self, request: Any) -> None:
        """gzip bodies are inflated up to :data:`MAX_REQUEST_BYTES`, never further."""
        if request.content_encoding != "gzip":
            return
        inflater = zlib.decompressobj(wbits=31)
        try:
            data = inflater.decompress(request.get_data(), MAX_REQUEST_BYTES + 1)
        except zlib.error:
            raise SerializationException("Request body is not valid gzip data") from None
        if len(data) > MAX_REQUEST_BYTES or inflater.unconsumed_tail:
            raise RequestEntityTooLarge(MAX_REQUEST_BYTES)
        request._cached_data = data

    def _run(self, operation: str, handler: Handler) -> str | tuple[str, dict[str, Any]]:
        try:
            return json.dumps(self._answer(operation, handler), separators=(",", ":"),
                              default=_json_default)
        except RekognitionError as error:
            return _error_body(operation, error, self.body)

    def _answer(self, operation: str, handler: Handler) -> dict[str, Any]:
        raw = parse_json(self.body)
        params = validate(operation, raw)
        ctx = Context(self.current_account, self.region, self.partition)
        try:
            return handler(ctx, params)
        except RekognitionError:
            raise
        except Exception:
            log.exception("rekmock failed on %s", operation)
            raise InternalServerError() from None


def _as_sent(status: int, headers: dict[str, Any], body: Any,
             keep_request_id: bool = False) -> tuple[int, dict[str, Any], Any]:
    """The service's headers on every answer, success or error, rekmock's or moto's: its JSON
    content type and a UUID request id (moto writes a 52-character string), and no ``status``.
    ``keep_request_id``: an answer forwarded from the service keeps the id the service gave."""
    given = [v for n, v in headers.items() if n.lower() == "x-amzn-requestid"]
    for name in [n for n in headers if n.lower() in _NOT_SENT]:
        del headers[name]
    headers["Content-Type"] = JSON_CONTENT_TYPE
    kept = given[0] if keep_request_id and given else None
    headers["x-amzn-RequestId"] = kept or str(mock_random.uuid4())
    return status, headers, body


def _recorded_answer(response: RekognitionResponse) -> Any:
    """The running record or replay mode's answer (see ``rekmock.recording.modes``), or None:
    then rekmock computes it. Handlers never see the difference."""
    mode = modes.current()
    if mode is None:
        return None
    body = response.body if isinstance(response.body, bytes) else str(response.body).encode()
    call = modes.Call(response.operation, body, response.current_account, response.region,
                      response.partition, response.operation in _COMPUTED)
    try:
        return mode.answer(call)
    except Exception as exc:
        if not isinstance(exc, RekognitionError):
            log.exception("rekmock failed to record or replay %s", response.operation)
            exc = InternalServerError()
        text, out = _error_body(response.operation, exc, body)
        return int(out.pop("status")), out, text


def parse_json(body: bytes | str | None) -> Any:
    """A request body as JSON, or the service's SerializationException: not UTF-8, not JSON,
    nested too deeply. NaN and Infinity parse (they are refused by validation, by path)."""
    try:
        return json.loads(body or b"{}")
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise SerializationException("Request body is not valid JSON") from None


def _operation_of(target: str | None) -> str:
    """The modelled operation ``X-Amz-Target`` names, or UnknownOperationException."""
    model = service_model()
    prefix = model.metadata["targetPrefix"] + "."
    name = target[len(prefix):] if target and target.startswith(prefix) else ""
    if name not in model.operation_names:
        raise UnknownOperationException()
    return name


def _error_body(operation: str, error: RekognitionError, body: Any) -> tuple[str, dict[str, Any]]:
    """The service's error document: ``__type``, ``Code`` and ``Message`` (current answers
    carry no ``Logref``), with the error's HTTP status (500 for InternalServerError, so SDKs
    retry it)."""
    status = error.status
    doc = {"__type": error.code, "Code": error.code, "Message": error.message}
    headers = {"status": status, "X-Amzn-Errortype": error.code}
    return json.dumps(doc), headers


def _attach(operation: str, handler: Handler) -> None:
    def method(self: RekognitionResponse) -> str | tuple[str, dict[str, Any]]:
        return self._run(operation, handler)

    method.__name__ = camelcase_to_underscores(operation)
    method.__doc__ = f"{operation}: see rekmock.service.handlers."
    setattr(RekognitionResponse, method.__name__, method)


_COMPUTED = frozenset(load_all())  # the operations rekmock computes itself
for _operation, _handler in load_all().items():
    _attach(_operation, _handler)
