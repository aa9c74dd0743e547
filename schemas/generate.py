"""Write JSON Schemas for the requests and responses of rekmock's operations.

Generated from the installed botocore model: ``python schemas/generate.py`` rewrites
``schemas/<Operation>.json``; ``python schemas/generate.py --check`` exits 1 when any file is
stale (the tests run the same check). Each file holds ``input`` and ``output`` schemas sharing one
``$defs`` table keyed by botocore shape name. Objects allow no unknown keys. AWS patterns use
``\\p{..}`` classes that Python's ``re`` lacks, so they are emitted as ``x-aws-pattern`` and checked
with the ``regex`` module by the tests' validator.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from botocore.model import Shape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _shape_schema(shape: Shape, defs: dict[str, Any]) -> dict[str, Any]:
    if shape.name not in defs:
        defs[shape.name] = {}  # placeholder first: recursion-safe
        defs[shape.name] = _build(shape, defs)
    return {"$ref": f"#/$defs/{shape.name}"}


def _build(shape: Shape, defs: dict[str, Any]) -> dict[str, Any]:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        return {
            "type": "object",
            "properties": {n: _shape_schema(m, defs) for n, m in shape.members.items()},
            "required": list(shape.required_members),
            "additionalProperties": False,
        }
    if kind == "list":
        out: dict[str, Any] = {"type": "array", "items": _shape_schema(shape.member, defs)}
        if "min" in meta:
            out["minItems"] = meta["min"]
        if "max" in meta:
            out["maxItems"] = meta["max"]
        return out
    if kind == "map":
        out = {
            "type": "object",
            "propertyNames": _build(shape.key, defs),
            "additionalProperties": _shape_schema(shape.value, defs),
        }
        if "min" in meta:
            out["minProperties"] = meta["min"]
        if "max" in meta:
            out["maxProperties"] = meta["max"]
        return out
    if kind == "string":
        out = {"type": "string"}
        if shape.enum:
            out["enum"] = list(shape.enum)
        if "min" in meta:
            out["minLength"] = meta["min"]
        if "max" in meta:
            out["maxLength"] = meta["max"]
        if "pattern" in meta:
            out["x-aws-pattern"] = meta["pattern"]
        return out
    if kind in ("integer", "long"):
        out = {"type": "integer"}
    elif kind in ("float", "double"):
        out = {"type": "number"}
    elif kind == "boolean":
        return {"type": "boolean"}
    elif kind == "timestamp":
        return {"type": "number"}  # JSON protocol: epoch seconds
    elif kind == "blob":
        return {"type": "string", "contentEncoding": "base64"}
    else:
        raise ValueError(f"unhandled shape type {kind}")
    if "min" in meta:
        out["minimum"] = meta["min"]
    if "max" in meta:
        out["maximum"] = meta["max"]
    return out


def operation_schema(operation: str) -> dict[str, Any]:
    from rekmock.botocore_model import service_model

    op = service_model().operation_model(operation)
    defs: dict[str, Any] = {}
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": operation,
        "input": _shape_schema(op.input_shape, defs),
        "output": _shape_schema(op.output_shape, defs),
        "$defs": defs,
    }
    return json.loads(json.dumps(doc, sort_keys=True))


def implemented() -> list[str]:
    from rekmock.service.handlers import load_all

    return sorted(load_all())


def render(operation: str) -> str:
    return json.dumps(operation_schema(operation), indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    check = "--check" in argv
    stale = []
    wanted = {f"{op}.json": render(op) for op in implemented()}
    for name, text in wanted.items():
        path = HERE / name
        if not path.exists() or path.read_text() != text:
            stale.append(name)
            if not check:
                path.write_text(text)
    extra = sorted(p.name for p in HERE.glob("*.json") if p.name not in wanted)
    for name in extra:
        stale.append(name)
        if not check:
            (HERE / name).unlink()
    if check and stale:
        print("stale schemas (run python schemas/generate.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
