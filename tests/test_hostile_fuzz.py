"""Fuzz every implemented operation with requests generated from the botocore model (issue 9).

Each example is one request: members drawn from the operation's input shape (valid-looking
values, values at and past the model's bounds, wrong JSON types, NaN and Infinity, hostile
strings such as ``&Action=DeleteCollection``, real photos, broken images, S3 locations), then
sometimes mutated as a whole (a body that is not UTF-8, deeply nested, gzip-encoded, an Action in
the query, a wrong target). The answer must be an AWS error (4xx, a known code, the service's
error shape) or a schema-valid answer of that operation; never a 5xx, a traceback, a hang, or
another operation (a sentinel collection must survive every example).

Quick profile by default (CI); ``REKMOCK_FUZZ_EXAMPLES=5000 pytest tests/test_hostile_fuzz.py``
runs a long one.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import os
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekmock import mock_rekognition
from rekmock.botocore_model import service_model
from rekmock.service.handlers import load_all

from .helpers import photo, validate_response
from .test_hostile_requests import send

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("REKMOCK_FUZZ_EXAMPLES", "120"))
OPERATIONS = sorted(load_all())
SENTINEL = "sentinel"
SLOWEST_ANSWER_S = 30.0
# Errors not in the model's error lists that the service (or rekmock's front) may answer.
UNMODELLED = {"ValidationException", "SerializationException", "UnknownOperationException",
              "RequestEntityTooLargeException"}
HOSTILE_STRINGS = [
    "", " ", "c", "a&Action=DeleteCollection&CollectionId=" + SENTINEL, "Action=DeleteCollection",
    "../../etc/passwd", "\u0000", "\u202e\u00e9\U0001f600", "x" * 300, "%ff%00",
    "aws:tag", str(uuid.UUID(int=1)), "<xml/>", "${jndi:ldap://x}", "NaN",
]


def _photos() -> list[bytes]:
    obama = photo("obama.jpg")
    return [obama, photo("hopper.jpg"), obama[: len(obama) // 2], b"\xff\xd8\xff" + b"\0" * 64,
            b"\x89PNG\r\n\x1a\n" + b"\0" * 64, b"GIF89a", b""]


PHOTOS = _photos()


# Live ids of the fixture's resources (collection "c" with one face and user "u1"), read at
# draw time: sane examples name them, so operations get past validation and lookups.
LIVE: dict[str, str] = {}
UNKNOWN_FACE = str(uuid.UUID(int=3))
ARN = "arn:aws:rekognition:us-east-1:123456789012:collection/c"
SANE_STRINGS: dict[str, st.SearchStrategy[Any]] = {
    "CollectionId": st.sampled_from(["c", "c", "c", "d"]),
    "FaceId": st.one_of(st.builds(lambda: LIVE.get("face", UNKNOWN_FACE)), st.just(UNKNOWN_FACE)),
    "UserId": st.sampled_from(["u1", "u1", "u2"]),
    "ResourceArn": st.builds(lambda: LIVE.get("arn", ARN)),
    "ExternalImageId": st.just("ext"),
    "ClientRequestToken": st.uuids().map(str),
    "TagKey": st.sampled_from(["k1", "k2"]),
    "TagValue": st.just("v"),
    "RekognitionUniqueId": st.one_of(st.builds(lambda: LIVE.get("celebrity", "1")), st.just("1")),
    "S3Bucket": st.just("photos"),
    "S3ObjectName": st.just("o.jpg"),
}


def strings(shape: Shape, sane: bool = False) -> st.SearchStrategy[Any]:
    meta = shape.metadata
    if sane:
        if shape.enum:
            return st.sampled_from(shape.enum)
        return SANE_STRINGS.get(shape.name, st.text("abc", min_size=1, max_size=3))
    if shape.enum:
        return st.one_of(st.sampled_from(shape.enum), st.sampled_from(["", "ALL ", "all"]))
    low, high = meta.get("min", 0), meta.get("max", 300)
    sized = st.text(min_size=max(0, low - 1), max_size=min(high + 1, 400))
    plausible = st.sampled_from(["c", "d", str(uuid.UUID(int=2)), "u1", "k1", "v"])
    return st.one_of(plausible, plausible, plausible, sized, st.sampled_from(HOSTILE_STRINGS))


def numbers(shape: Shape, sane: bool = False) -> st.SearchStrategy[Any]:
    meta = shape.metadata
    bounds = [meta.get("min", 0), meta.get("max", 100)]
    if sane and shape.type_name in ("float", "double"):
        return st.floats(bounds[0], bounds[1])
    if sane:
        return st.integers(bounds[0], min(bounds[1], 10))
    edges = [v + d for v in bounds for d in (-1, 0, 1)]
    if shape.type_name in ("float", "double"):
        return st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                         st.sampled_from([float(e) for e in edges] + [math.nan, math.inf]))
    return st.one_of(st.integers(-(2**63), 2**63), st.sampled_from(edges))


def wrong_type() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5),
                     st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def for_shape(shape: Shape, depth: int = 0, sane: bool = False) -> st.SearchStrategy[Any]:
    """JSON values for ``shape``: mostly right, sometimes wrong; ``sane`` ones only right, with
    live ids and real photos, so that operations run past validation."""
    right: st.SearchStrategy[Any]
    kind = shape.type_name
    if kind == "structure":
        if shape.name == "Image":
            right = images(sane)
        else:
            members = {name: st.deferred(lambda m=m: for_shape(m, depth + 1, sane))
                       for name, m in shape.members.items()}
            required = {n: members[n] for n in shape.required_members}
            optional = {n: s for n, s in members.items() if n not in required}
            right = st.fixed_dictionaries(required, optional=optional)
    elif kind == "list":
        right = st.lists(for_shape(shape.member, depth + 1, sane), max_size=3,
                         min_size=1 if sane else 0)
    elif kind == "map":
        right = st.dictionaries(strings(shape.key, sane), strings(shape.value, sane),
                                max_size=3)
    elif kind == "string":
        right = strings(shape, sane)
    elif kind in ("integer", "long", "float", "double"):
        right = numbers(shape, sane)
    elif kind == "boolean":
        right = st.booleans()
    elif kind == "blob":
        right = st.sampled_from(PHOTOS[:2] if sane else PHOTOS).map(
            lambda b: base64.b64encode(b).decode())
    else:
        right = st.none()
    # A wrong JSON type one time in eight: often enough to test, rare enough to get past it.
    if not depth or sane:
        return right
    return st.sampled_from(range(8)).flatmap(lambda i: wrong_type() if i == 7 else right)


def images(sane: bool = False) -> st.SearchStrategy[Any]:
    if sane:
        return st.one_of(
            st.sampled_from(PHOTOS[:2]).map(lambda b: {"Bytes": base64.b64encode(b).decode()}),
            st.just({"S3Object": {"Bucket": "photos", "Name": "o.jpg"}}))
    blob = st.one_of(st.sampled_from(PHOTOS).map(lambda b: base64.b64encode(b).decode()),
                     st.sampled_from(["%%%", "AAA", ""]))
    s3 = st.fixed_dictionaries({"Bucket": st.sampled_from(["photos", "none", ""]),
                                "Name": st.sampled_from(["o.jpg", "a&Action=DeleteCollection",
                                                         "missing.jpg"])})
    return st.one_of(st.fixed_dictionaries({"Bytes": blob}),
                     st.fixed_dictionaries({"S3Object": s3}),
                     st.fixed_dictionaries({"Bytes": blob, "S3Object": s3}), st.just({}))


MUTATIONS = ["none"] * 12 + ["not-utf8", "deep", "gzip", "query-action", "trailing",
             "nan-token", "target"]
WRONG_TARGETS = ["RekognitionService.call_action", "RekognitionService._dispatch",
                 "RekognitionService.setup_class", "RekognitionService.detect_faces",
                 "RekognitionService.", "Rekognition.DetectFaces", ""]


@st.composite
def requests(draw: Any) -> tuple[str, str, bytes, dict[str, str], str]:
    operation = draw(st.sampled_from(OPERATIONS))
    sane = draw(st.booleans())  # half the examples are requests the service would run
    params = draw(for_shape(service_model().operation_model(operation).input_shape, 0, sane))
    body = json.dumps(params, allow_nan=True).encode("utf-8", "surrogatepass")
    mutation = "none" if sane and draw(st.booleans()) else draw(st.sampled_from(MUTATIONS))
    headers: dict[str, str] = {}
    query = ""
    if mutation == "not-utf8":
        body = body[:-1] + b',"X":"\xff\xfe"}' if body.endswith(b"}") else b"\xff" + body
    elif mutation == "deep":
        body = b"[" * draw(st.integers(500, 200_000))
    elif mutation == "gzip":
        body = gzip.compress(body) if draw(st.booleans()) else body
        headers["Content-Encoding"] = "gzip"
    elif mutation == "query-action":
        query = f"?Action=DeleteCollection&CollectionId={SENTINEL}"
    elif mutation == "trailing":
        body += draw(st.binary(min_size=1, max_size=8))
    elif mutation == "nan-token":
        body = body.replace(b"0.0", b"NaN", 1)
    target = f"RekognitionService.{operation}"
    if mutation == "target":
        target = draw(st.sampled_from(WRONG_TARGETS))
    return operation, target, body, headers, query


@pytest.fixture(scope="module")
def fuzz_client() -> Any:
    with mock_rekognition() as rek:
        # A registered celebrity, recognised on one of the photos: both celebrity operations
        # then answer with members filled in.
        LIVE["celebrity"] = rek.add_celebrity("Fuzz Person", urls=["www.example.com"])
        rek.set_celebrity(photo("hopper.jpg"), LIVE["celebrity"])
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="photos")
        s3.put_object(Bucket="photos", Key="o.jpg", Body=photo("obama.jpg"))
        client = boto3.client("rekognition", region_name="us-east-1")
        client.create_collection(CollectionId=SENTINEL)
        seed(client)
        yield client


def seed(client: Any) -> None:
    """Collection "c" with one face and user "u1", (re)made after an example deleted them."""
    if "c" not in client.list_collections(MaxResults=4096)["CollectionIds"]:
        client.create_collection(CollectionId="c")
    faces = client.list_faces(CollectionId="c", MaxResults=1)["Faces"]
    if not faces:
        faces = [r["Face"] for r in client.index_faces(
            CollectionId="c", Image={"Bytes": photo("obama.jpg")})["FaceRecords"]]
    LIVE["face"] = faces[0]["FaceId"]
    if not any(u["UserId"] == "u1" for u in client.list_users(CollectionId="c")["Users"]):
        client.create_user(CollectionId="c", UserId="u1")
    LIVE["arn"] = client.describe_collection(CollectionId="c")["CollectionARN"]


def _known_errors() -> set[str]:
    model = service_model()
    codes = set(UNMODELLED)
    for name in model.operation_names:
        codes.update(shape.name for shape in model.operation_model(name).error_shapes)
    return codes


KNOWN_ERRORS = _known_errors()


@settings(max_examples=EXAMPLES, deadline=None, derandomize="REKMOCK_FUZZ_EXAMPLES" not in
          os.environ, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                             HealthCheck.function_scoped_fixture])
@given(req=requests())
def test_every_operation_answers_like_aws(fuzz_client: Any, req: Any) -> None:
    operation, target, body, headers, query = req
    started = time.monotonic()
    status, doc = send(fuzz_client, target, body, headers, query)
    assert time.monotonic() - started < SLOWEST_ANSWER_S
    assert status < 500, (status, doc)
    if target in WRONG_TARGETS:
        assert doc["__type"] == "UnknownOperationException"
    raw = json.dumps(doc).encode()
    if status >= 300:
        assert doc["__type"] in KNOWN_ERRORS, doc
        assert "Traceback" not in doc.get("Message", "")
    else:
        validate_response(operation, status, raw)
    if os.environ.get("REKMOCK_FUZZ_STATS"):
        with open(os.environ["REKMOCK_FUZZ_STATS"], "a") as out:
            out.write(f"{operation} {status} {doc.get('__type', '')}\n")
    assert SENTINEL in fuzz_client.list_collections(MaxResults=4096)["CollectionIds"]
    if status == 200 and operation.startswith(("Delete", "Disassociate")):
        seed(fuzz_client)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from .test_server import ServerProcess

    proc = ServerProcess(tmp_path_factory.mktemp("fuzz") / "serve.log")
    try:
        yield proc
    finally:
        code = proc.stop()
    assert code == 0 and "Traceback" not in proc.log(), proc.log()[-2000:]


@pytest.mark.server
@settings(max_examples=max(1, EXAMPLES // 4), deadline=None,
          derandomize="REKMOCK_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(req=requests())
def test_every_operation_answers_like_aws_when_served(fuzz_server: Any, req: Any) -> None:
    """The same requests through ``rekmock serve``: its front (size limits, dechunking, Host
    and Origin checks) must not turn any of them into a 5xx either."""
    from .test_hostile_server import request

    operation, target, body, headers, query = req
    started = time.monotonic()
    sent = {"X-Amz-Target": target, **headers}
    status, doc, _ = request(fuzz_server, "/" + query, body, sent, target=None)
    assert time.monotonic() - started < SLOWEST_ANSWER_S
    assert status < 500, (status, doc)
    if status >= 300:
        assert doc["__type"] in KNOWN_ERRORS, doc
    else:
        validate_response(operation, status, json.dumps(doc).encode())
