"""A request as a recording keeps it and a replay matches it: each image replaced by the SHA-256
of its bytes; and as the upstream gets it: S3 images read from moto's S3 and sent as bytes.

Images are found through the botocore model (every ``Image`` member, at any depth), so
``SourceImage``/``TargetImage`` and operations rekmock does not implement are covered alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..backend.scripts import ImageRef
from ..errors import RekognitionError
from .operations import IMAGE_SHAPE

ReadS3 = Callable[[dict[str, Any]], bytes]  # an S3Object's bytes from moto's S3


class Unreadable(Exception):
    """Not JSON, or an image that is not exactly one of valid base64 Bytes and an S3Object:
    the service answers it with an error, which is not worth a recording."""


class LocalOnly(Exception):
    """An S3 image rekmock cannot send as bytes (missing in moto's S3, or over the Bytes
    limit): rekmock answers the request itself."""


@dataclass
class Prepared:
    """One request, normalised."""

    request: dict[str, Any]  # as recorded: images are {"sha256": hex}
    body: bytes  # as sent upstream
    refs: list[ImageRef] = field(default_factory=list)  # every name of every image
    images: list[str] = field(default_factory=list)  # each image's SHA-256, in request order


def _bytes_limit() -> int:
    from ..botocore_model import service_model

    return int(service_model().shape_for("ImageBlob").metadata["max"])


class _Walk:
    def __init__(self, read_s3: ReadS3) -> None:
        self.read_s3 = read_s3
        self.refs: list[ImageRef] = []
        self.images: list[str] = []
        self.changed = False  # an S3 image became bytes: the body sent upstream is rebuilt

    def value(self, shape: Any, value: Any) -> tuple[Any, Any]:
        """(recorded form, upstream form) of ``value`` of ``shape``."""
        if shape is None:
            return value, value
        if shape.type_name == "structure" and isinstance(value, dict):
            if shape.name == IMAGE_SHAPE:
                return self.image(value)
            pairs = {k: self.value(shape.members.get(k), v) for k, v in value.items()}
            return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
        if shape.type_name == "list" and isinstance(value, list):
            items = [self.value(shape.member, v) for v in value]
            return [i[0] for i in items], [i[1] for i in items]
        if shape.type_name == "map" and isinstance(value, dict):
            pairs = {k: self.value(shape.value, v) for k, v in value.items()}
            return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
        return value, value

    def image(self, value: dict[str, Any]) -> tuple[Any, Any]:
        has_bytes = value.get("Bytes") is not None
        has_s3 = value.get("S3Object") is not None
        if has_bytes == has_s3 or set(value) - {"Bytes", "S3Object"}:
            raise Unreadable()
        if has_bytes:
            if not isinstance(value["Bytes"], str):
                raise Unreadable()
            try:
                data = base64.b64decode(value["Bytes"], validate=True)
            except (binascii.Error, ValueError):
                raise Unreadable() from None
            upstream: dict[str, Any] = value
        else:
            location = value["S3Object"]
            if not isinstance(location, dict):
                raise Unreadable()
            try:
                data = self.read_s3(location)
            except RekognitionError:
                raise LocalOnly() from None
            if len(data) > _bytes_limit():
                raise LocalOnly()
            self.refs.append(("s3", str(location.get("Bucket", "")), str(location.get("Name", ""))))
            upstream = {"Bytes": base64.b64encode(data).decode()}
            self.changed = True
        digest = hashlib.sha256(data).hexdigest()
        self.refs.append(("sha256", digest))
        self.images.append(digest)
        return {"sha256": digest}, upstream


def prepare(operation: str, raw: bytes, read_s3: ReadS3) -> Prepared:
    """The request of ``operation`` whose JSON body is ``raw``, normalised (see the module)."""
    from ..botocore_model import service_model

    try:
        doc = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise Unreadable() from None
    if not isinstance(doc, dict):
        raise Unreadable()
    walk = _Walk(read_s3)
    recorded, upstream = walk.value(service_model().operation_model(operation).input_shape, doc)
    body = json.dumps(upstream, separators=(",", ":")).encode() if walk.changed else raw
    return Prepared(recorded, body, walk.refs, walk.images)
