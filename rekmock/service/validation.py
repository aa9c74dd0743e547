"""Server-side request validation driven by the botocore service model.

botocore checks only required members, types and minimums on the client (and nothing at all
with ``parameter_validation=False``); the service checks everything else. This module walks an
operation's input shape once per request and reports what the service reports:

* wrong JSON types -> ``SerializationException``;
* broken constraints (required, length, range, pattern, enum) -> ``ValidationException`` with
  AWS's "N validation error(s) detected: ..." message, every failure listed;
* an image blob over the model's maximum -> ``ImageTooLargeException`` (Rekognition's answer;
  other blobs, a Custom Labels manifest, break a length constraint like strings).

No operation-specific code lives here: everything comes from the model.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
from typing import Any

import regex
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from ..botocore_model import service_model
from ..errors import ImageTooLargeException, SerializationException, ValidationException

IMAGE_BLOB = "ImageBlob"  # the model's shape of image bytes
_NUMBER_TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int, "long": int, "float": (int, float), "double": (int, float),
}


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> regex.Pattern[str]:
    # AWS patterns are Java regular expressions matched against the whole value; ``regex``
    # understands the ``\p{L}`` style classes they use.
    return regex.compile(pattern)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _render(value: Any) -> str:
    """How the service prints an offending value inside its message."""
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")  # Java's
    return str(value)


class _Walker:
    """Collects constraint failures while checking types and decoding blobs."""

    def __init__(self, strict: bool = False) -> None:
        self.failures: list[str] = []
        self.strict = strict  # unknown members are failures (scripted answers), not ignored

    def member_path(self, prefix: str, name: str) -> str:
        """The service's path (``image.s3Object``); a scripted answer's keeps Python's view
        (``labels[0].Confidence``)."""
        return prefix + (name if self.strict else _lower_first(name))

    def item_path(self, path: str, i: int) -> str:
        return f"{path}[{i}]" if self.strict else f"{path}.{i + 1}.member"

    def fail(self, value: Any, path: str, constraint: str) -> None:
        shown = "null" if value is None else f"'{_render(value)}'"
        self.failures.append(
            f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"
        )

    def scalar_constraints(self, value: Any, shape: Shape) -> list[str]:
        """Constraint failures of one scalar value, as sentences (no path)."""
        meta = shape.metadata
        out: list[str] = []
        if shape.type_name in ("string", "blob"):
            size = len(value)
            if "min" in meta and size < meta["min"]:
                out.append(f"Member must have length greater than or equal to {meta['min']}")
            if "max" in meta and size > meta["max"]:
                out.append(f"Member must have length less than or equal to {meta['max']}")
        elif shape.type_name in _NUMBER_TYPES:
            # Written as "not inside" so NaN (JSON's NaN token parses) fails both bounds.
            if "min" in meta and not value >= meta["min"]:
                out.append(f"Member must have value greater than or equal to {meta['min']}")
            if "max" in meta and not value <= meta["max"]:
                out.append(f"Member must have value less than or equal to {meta['max']}")
            if not out and not math.isfinite(value):
                out.append("Member must be a finite number")
        if shape.type_name == "string":
            enum = shape.enum
            if enum and value not in enum:
                out.append(f"Member must satisfy enum value set: [{', '.join(enum)}]")
            pattern = meta.get("pattern")
            if pattern and not _pattern(pattern).fullmatch(value):
                out.append(f"Member must satisfy regular expression pattern: {pattern}")
        return out

    def check_type(self, value: Any, shape: Shape, path: str) -> Any:
        """Raise SerializationException on a wrong JSON type; return the decoded value."""
        kind = shape.type_name
        ok: bool
        if kind == "structure":
            ok = isinstance(value, dict)
        elif kind == "list":
            ok = isinstance(value, list)
        elif kind == "map":
            ok = isinstance(value, dict)
        elif kind == "boolean":
            ok = isinstance(value, bool)
        elif kind in _NUMBER_TYPES:
            ok = isinstance(value, _NUMBER_TYPES[kind]) and not isinstance(value, bool)
        elif kind == "timestamp":
            ok = isinstance(value, (int, float, str)) and not isinstance(value, bool)
        else:  # string, blob
            ok = isinstance(value, str)
        if not ok:
            raise SerializationException(
                f"Unexpected {type(value).__name__} value at '{path}' for a {kind} member"
            )
        if kind == "blob":
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise SerializationException(
                    f"Value at '{path}' is not valid base64-encoded data"
                ) from None
        return value

    def walk(self, value: Any, shape: Shape, path: str) -> Any:
        value = self.check_type(value, shape, path)
        if isinstance(shape, StructureShape):
            return self.structure(value, shape, path)
        if isinstance(shape, ListShape):
            return self.list(value, shape, path)
        if isinstance(shape, MapShape):
            return self.map(value, shape, path)
        if shape.name == IMAGE_BLOB and len(value) > shape.metadata.get("max", len(value)):
            raise ImageTooLargeException()
        for sentence in self.scalar_constraints(value, shape):
            self.fail(value, path, sentence)
        return value

    def structure(self, value: dict, shape: StructureShape, path: str) -> dict:
        out: dict[str, Any] = {}
        prefix = f"{path}." if path else ""
        for name in shape.required_members:
            if value.get(name) is None:
                self.fail(None, self.member_path(prefix, name), "Member must not be null")
        for name, member in value.items():
            if name not in shape.members:
                # The service ignores members it does not know (older/newer SDKs); a scripted
                # answer must not carry one.
                if self.strict:
                    self.failures.append(
                        f"'{prefix}{name}' is not a member of {shape.name} (members: "
                        f"{', '.join(shape.members)})")
                continue
            if member is None:
                continue
            out[name] = self.walk(member, shape.members[name], self.member_path(prefix, name))
        return out

    def _length(self, value: Any, shape: Shape, path: str) -> None:
        meta = shape.metadata
        if "min" in meta and len(value) < meta["min"]:
            self.fail(value, path,
                      f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            self.fail(value, path, f"Member must have length less than or equal to {meta['max']}")

    def list(self, value: list, shape: ListShape, path: str) -> list:
        self._length(value, shape, path)
        member = shape.member
        if isinstance(member, (StructureShape, ListShape, MapShape)):
            return [self.walk(v, member, self.item_path(path, i)) for i, v in enumerate(value)]
        out = [self.check_type(v, member, self.item_path(path, i)) for i, v in enumerate(value)]
        inner = sorted({s for v in out for s in self.scalar_constraints(v, member)})
        if inner:
            self.fail(value, path, f"Member must satisfy constraint: [{', '.join(inner)}]")
        return out

    def map(self, value: dict, shape: MapShape, path: str) -> dict:
        self._length(value, shape, path)
        keys = sorted(
            {s for k in value for s in self.scalar_constraints(self.check_type(k, shape.key, path),
                                                              shape.key)}
        )
        if keys:
            self.fail(value, path, f"Map keys must satisfy constraint: [{', '.join(keys)}]")
        values = sorted(
            {
                s
                for v in value.values()
                for s in self.scalar_constraints(self.check_type(v, shape.value, path), shape.value)
            }
        )
        if values:
            self.fail(value, path, f"Map value must satisfy constraint: [{', '.join(values)}]")
        return dict(value)


def validate(operation: str | OperationModel, params: Any) -> dict[str, Any]:
    """Validate raw JSON request params for ``operation``; return them with blobs decoded."""
    op = operation if isinstance(operation, OperationModel) else (
        service_model().operation_model(operation)
    )
    if params is None:
        params = {}
    walker = _Walker()
    shape = op.input_shape
    if shape is None:
        return {}
    decoded = walker.walk(params, shape, "")
    if walker.failures:
        n = len(walker.failures)
        noun = "error" if n == 1 else "errors"
        raise ValidationException(
            f"{n} validation {noun} detected: " + "; ".join(walker.failures)
        )
    return decoded


def validate_face_fields(fields: dict[str, Any]) -> None:
    """Check scripted FaceDetail members against the model's ``FaceDetail`` shape, as the
    service's own answers would be (types, enums, ranges); raise ValueError naming each
    problem, so a test learns at once instead of every later call failing."""
    members = service_model().shape_for("FaceDetail").members
    unknown = sorted(set(fields) - set(members))
    if unknown:
        raise ValueError(f"not FaceDetail fields: {unknown}; known: {sorted(members)}")
    walker = _Walker()
    for name, value in fields.items():
        _walk_reporting(walker, value, members[name], name)
    if walker.failures:
        raise ValueError("invalid FaceDetail fields: " + "; ".join(walker.failures))


def validate_custom_labels(labels: Any) -> None:
    """Check scripted DetectCustomLabels answers: the model's ``CustomLabels``, each with a Name
    and a Confidence (the service always gives both); ValueError naming each problem."""
    validate_shape("CustomLabels", labels, "CustomLabel")
    missing = [f"labels[{i}] lacks {m}" for i, label in enumerate(labels)
               for m in ("Name", "Confidence") if m not in label]
    if missing:
        raise ValueError("invalid CustomLabel: " + "; ".join(missing))


def validate_shape(shape_name: str, value: Any, what: str) -> None:
    """Check a scripted answer against the model's shape ``shape_name`` (e.g. a list of
    ``Label``), strictly: wrong types, enums, ranges and unknown members are ValueErrors that
    name each problem, and nothing is stored."""
    walker = _Walker(strict=True)
    _walk_reporting(walker, value, service_model().shape_for(shape_name), what)
    if walker.failures:
        raise ValueError(f"invalid {what} ({shape_name}): " + "; ".join(walker.failures))


def _walk_reporting(walker: _Walker, value: Any, shape: Shape, path: str) -> None:
    try:
        walker.walk(value, shape, path)
    except SerializationException as exc:
        walker.failures.append(str(exc.message))
