"""Helpers shared by the tests and the benchmarks: photos, schema-checked clients (every
Rekognition response a test produces is checked against the schema generated from the botocore
model, strictly, and every error against AWS's error body shape), a ``rekmock serve`` subprocess,
and one timing helper."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import regex
from botocore.config import Config
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SCHEMAS = ROOT / "schemas"
sys.path.insert(0, str(ROOT))


def _aws_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if isinstance(instance, str) and not regex.fullmatch(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match AWS pattern {pattern!r}")


StrictValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"x-aws-pattern": _aws_pattern}
)
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "__type": {"type": "string"},
        "Message": {"type": "string"},
        "Code": {"type": "string"},
    },
    "required": ["__type", "Code", "Message"],
    "additionalProperties": False,
}
_schemas: dict[str, dict[str, Any]] = {}


def schema_for(operation: str) -> dict[str, Any]:
    if operation not in _schemas:
        _schemas[operation] = json.loads((SCHEMAS / f"{operation}.json").read_text())
    return _schemas[operation]


def validate_response(operation: str, status: int, body: bytes) -> None:
    """Raise if a raw response body does not fit the model's output shape or AWS's error shape."""
    doc = json.loads(body or b"{}")
    if status >= 300:
        jsonschema.validate(doc, ERROR_SCHEMA)
        return
    schema = schema_for(operation)
    root = {"$defs": schema["$defs"], **schema["output"]}
    StrictValidator(root).validate(doc)


JSON_11 = "application/x-amz-json-1.1"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def validate_headers(headers: Any) -> None:
    """Raise unless the headers are the service's: its JSON content type, a UUID request id."""
    assert headers.get("content-type") == JSON_11, headers
    assert UUID.fullmatch(headers.get("x-amzn-requestid") or ""), headers


def _check_raw(http_response: Any, model: Any, **_: Any) -> None:
    validate_response(model.name, http_response.status_code, http_response.content)
    validate_headers(http_response.headers)


def strict_client(service: str = "rekognition", **kwargs: Any) -> Any:
    """A boto3 client whose every Rekognition response is schema-checked."""
    client = boto3.client(service, region_name=kwargs.pop("region_name", "us-east-1"), **kwargs)
    if service == "rekognition":
        client.meta.events.register("after-call.rekognition", _check_raw)
    return client


def unvalidated_client(**kwargs: Any) -> Any:
    """A schema-checked client that sends whatever it is given (no client-side validation)."""
    return strict_client(config=Config(parameter_validation=False), **kwargs)


def photo(name: str) -> bytes:
    return (DATA / name).read_bytes()


def cut_by_the_frame() -> bytes:
    """obama.jpg cropped inside his face (brow to mouth, cheek to cheek) and enlarged to 240 px
    wide: a face that fills the photo and is cut by its edges, as in a tight crop or ID photo."""
    out = io.BytesIO()
    with Image.open(DATA / "obama.jpg") as im:
        im.crop((219, 63, 331, 190)).resize((240, 272)).save(out, "JPEG", quality=92)
    return out.getvalue()


def group_photo(*names: str) -> bytes:
    """One group photo made of several test photos at their own sizes."""
    ims = [Image.open(io.BytesIO(photo(n))).convert("RGB") for n in names]
    canvas = Image.new("RGB", (sum(i.width for i in ims), max(i.height for i in ims)), "white")
    x = 0
    for im in ims:
        canvas.paste(im, (x, 0))
        x += im.width
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=92)
    return out.getvalue()


def index_photos(client: Any, names: tuple[str, ...], collection: str = "c") -> dict[str, str]:
    """Create ``collection`` holding the largest face of each photo (ExternalImageId = file
    name); return file name -> FaceId."""
    client.create_collection(CollectionId=collection)
    out = {}
    for name in names:
        resp = client.index_faces(CollectionId=collection, Image={"Bytes": photo(name)},
                                  ExternalImageId=name, MaxFaces=1, QualityFilter="NONE")
        out[name] = resp["FaceRecords"][0]["Face"]["FaceId"]
    return out


def error_code(exc_info: Any) -> str:
    return exc_info.value.response["Error"]["Code"]


def median_ms(fn: Callable[[], object], runs: int, warm: bool = False) -> float:
    """Median wall time of ``fn()`` in milliseconds over ``runs`` calls (one untimed call
    first when ``warm``)."""
    if warm:
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# -- ``rekmock serve`` in a subprocess -------------------------------------------------------------

ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
READY = re.compile(r"on (http://127\.0\.0\.1:\d+);")


class ServerProcess:
    """A ``python -m rekmock serve --port 0`` subprocess, its URL and its log file."""

    def __init__(self, log_path: Path, *args: str) -> None:
        self.log_path = log_path
        self._log = open(log_path, "w+b")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, **ENV}
        env.pop("MOTO_PORT", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rekmock", "serve", "--port", "0", *args],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self._log,
        )
        self.url = self._wait_ready()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_ready(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = READY.search(self.log())
            if found:
                return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"rekmock serve did not start:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return int(self.proc.returncode)


@contextlib.contextmanager
def serving(log_path: Path) -> Iterator[ServerProcess]:
    """A server for a test module; on the way out it must stop cleanly on SIGTERM and have
    logged no traceback."""
    proc = ServerProcess(log_path)
    try:
        yield proc
    finally:
        code = proc.stop(signal.SIGTERM)
    assert code == 0, proc.log()[-2000:]
    assert "Traceback" not in proc.log()
