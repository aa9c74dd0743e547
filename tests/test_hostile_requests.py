"""Hostile requests in-process (issue 9, points 1-7 and 11): the operation comes from
X-Amz-Target alone, bodies the service would refuse get its errors, and leaving the mock gives
moto its own Rekognition back.

Requests are real boto3 requests: signed by the client and handed to moto's stubber through
botocore's ``before-send`` event, with the body or headers changed the way an attacker would.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError
from moto import mock_aws

from rekmock import mock_rekognition
from rekmock.service.responses import MAX_REQUEST_BYTES

from .helpers import error_code, photo, validate_response

URL = "https://rekognition.us-east-1.amazonaws.com/"


def send(client: Any, target: str, body: bytes, headers: dict[str, str] | None = None,
         query: str = "") -> tuple[int, dict[str, Any]]:
    """One signed request with exactly this body, through the client's own send path."""
    request = AWSRequest(method="POST", url=URL + query, data=body, headers={
        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1", **(headers or {})})
    SigV4Auth(client._request_signer._credentials, "rekognition", "us-east-1").add_auth(request)
    _, response = client.meta.events.emit_until_response(
        "before-send.rekognition", request=request.prepare())
    assert response is not None, "moto did not answer"
    doc = json.loads(response.content or b"{}")
    if response.status_code >= 300:
        validate_response("?", response.status_code, response.content)
    return response.status_code, doc


def op(name: str) -> str:
    return f"RekognitionService.{name}"


@pytest.fixture
def rk(rek: Any) -> Any:
    client = boto3.client("rekognition", region_name="us-east-1")
    client.create_collection(CollectionId="c")
    return client


def collections(client: Any) -> list[str]:
    return client.list_collections()["CollectionIds"]


# 1. A string value or a query containing Action=X never runs X.
def test_action_inside_a_string_value_is_just_a_string(rk: Any) -> None:
    name = "a&Action=DeleteCollection&CollectionId=c&b.jpg"  # a legal S3 key
    with pytest.raises(ClientError) as exc:
        rk.index_faces(CollectionId="c", Image={"S3Object": {"Bucket": "photos", "Name": name}})
    assert error_code(exc) == "InvalidS3ObjectException"
    assert collections(rk) == ["c"]


def test_action_in_the_query_string_is_ignored(rk: Any) -> None:
    status, doc = send(rk, op("ListCollections"), b"{}",
                       query="?Action=DeleteCollection&CollectionId=c")
    assert status == 200 and doc["CollectionIds"] == ["c"]
    send(rk, op("ListCollections"), b"Action=DeleteCollection&CollectionId=c",
         {"Content-Type": "application/x-www-form-urlencoded"})
    assert collections(rk) == ["c"]


# 2. Only modelled operation names run.
@pytest.mark.parametrize("target", [
    op("call_action"), op("_dispatch"), op("setup_class"), op("serialized"), op("dispatch"),
    op("detect_faces"), op("NoSuchOperation"), "", "RekognitionService", "Other.DetectFaces",
    "DetectFaces",
])
def test_unknown_targets_are_unknown_operations(rk: Any, target: str) -> None:
    status, doc = send(rk, target, b"{}")
    assert (status, doc["__type"]) == (400, "UnknownOperationException")


def test_detect_labels_is_rekmocks_not_motos_canned_answer(rk: Any) -> None:
    """moto answered any bytes with canned labels; the service refuses what is no image."""
    status, doc = send(rk, op("DetectLabels"), json.dumps(
        {"Image": {"Bytes": "AAAA"}}).encode())
    assert (status, doc["__type"]) == (400, "InvalidImageFormatException")


# 3. Leaving the last mock gives moto its own Rekognition back.
def _moto_compare_on_dummy_bytes() -> int:
    with mock_aws():
        client = boto3.client("rekognition", region_name="us-east-1")
        return len(client.compare_faces(SourceImage={"Bytes": b"x"},
                                        TargetImage={"Bytes": b"y"})["FaceMatches"])


def test_plain_mock_aws_is_moto_again_after_mock_rekognition() -> None:
    canned = _moto_compare_on_dummy_bytes()
    assert canned >= 1  # moto's canned answer: a match whatever the bytes
    with mock_rekognition():
        pass
    assert _moto_compare_on_dummy_bytes() == canned
    with mock_aws(), mock_rekognition():
        pass
    assert _moto_compare_on_dummy_bytes() == canned

    @mock_rekognition
    def decorated() -> None:
        with pytest.raises(ClientError) as exc:
            boto3.client("rekognition", region_name="us-east-1").compare_faces(
                SourceImage={"Bytes": b"x"}, TargetImage={"Bytes": b"y"})
        assert error_code(exc) == "InvalidImageFormatException"  # rekmock's answer inside

    decorated()
    assert _moto_compare_on_dummy_bytes() == canned


def test_rekmock_stays_while_an_outer_mock_aws_runs() -> None:
    with mock_aws():
        with mock_rekognition():
            pass
        with pytest.raises(ClientError) as exc:  # still rekmock: the outer mock still runs
            boto3.client("rekognition", region_name="us-east-1").compare_faces(
                SourceImage={"Bytes": b"x"}, TargetImage={"Bytes": b"y"})
        assert error_code(exc) == "InvalidImageFormatException"
    assert _moto_compare_on_dummy_bytes() >= 1


# 4. Bodies that are not UTF-8 or nest too deeply.
@pytest.mark.parametrize("body", [
    b'{"CollectionId":"fu\xff"}', b"[" * 100_000, b'{"a":' * 50_000, b"\xff\xfe{}", b"{",
])
def test_unreadable_bodies_are_serialization_exceptions(rk: Any, body: bytes) -> None:
    status, doc = send(rk, op("CreateCollection"), body)
    assert (status, doc["__type"]) == (400, "SerializationException")
    assert collections(rk) == ["c"]


# 5. gzip bodies: bad gzip is refused, inflation is bounded.
def test_gzip_bodies(rk: Any) -> None:
    body = json.dumps({"CollectionId": "zipped"}).encode()
    status, _ = send(rk, op("CreateCollection"), gzip.compress(body),
                     {"Content-Encoding": "gzip"})
    assert status == 200 and "zipped" in collections(rk)
    status, doc = send(rk, op("CreateCollection"), body, {"Content-Encoding": "gzip"})
    assert (status, doc["__type"]) == (400, "SerializationException")
    bomb = gzip.compress(b'{"MaxResults":' + b" " * (MAX_REQUEST_BYTES + 10) + b"1}", 9)
    assert len(bomb) < MAX_REQUEST_BYTES // 100
    status, doc = send(rk, op("ListCollections"), bomb, {"Content-Encoding": "gzip"})
    assert (status, doc["__type"]) == (413, "RequestEntityTooLargeException")


# 6. NaN and Infinity are not thresholds.
@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(("operation", "member", "extra"), [
    ("SearchFaces", "FaceMatchThreshold",
     {"CollectionId": "c", "FaceId": "11111111-1111-1111-1111-111111111111"}),
    ("CompareFaces", "SimilarityThreshold",
     {"SourceImage": {"S3Object": {"Bucket": "b", "Name": "k"}},
      "TargetImage": {"S3Object": {"Bucket": "b", "Name": "k"}}}),
    ("SearchUsers", "UserMatchThreshold", {"CollectionId": "c", "UserId": "u"}),
])
def test_non_finite_thresholds_are_validation_errors(
    rk: Any, value: str, operation: str, member: str, extra: dict[str, Any]
) -> None:
    body = json.dumps(extra)[:-1] + f', "{member}": {value}}}'
    status, doc = send(rk, op(operation), body.encode())
    assert (status, doc["__type"]) == (400, "ValidationException")
    assert member[0].lower() + member[1:] in doc["Message"]


# 7. InternalServerError is a 500, so SDKs retry it.
def test_internal_server_error_is_a_500(rk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rekmock.service import responses

    def broken(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(responses.RekognitionResponse, "list_collections",
                        lambda self: self._run("ListCollections", broken))
    status, doc = send(rk, op("ListCollections"), b"{}")
    assert (status, doc["__type"]) == (500, "InternalServerError")


# 11. Scripted fields are checked against the model's FaceDetail shape.
@pytest.mark.parametrize("fields", [
    {"BoundingBox": "x"}, {"Quality": 5}, {"Confidence": "high"}, {"Landmarks": 7},
    {"Smile": "yes"}, {"Smile": {"Value": "yes"}}, {"Confidence": 101.0},
    {"Emotions": [{"Type": "JOY", "Confidence": 5.0}]}, {"Confidence": float("nan")},
    {"Pose": {"Yaw": 200.0}}, {"Unknown": 1},
])
def test_set_face_refuses_what_the_model_refuses(rek: Any, fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        rek.set_face(photo("obama.jpg"), **fields)
    assert rek.scripts.face_fields == {}


def test_set_face_keeps_working_for_valid_fields(rek: Any, client: Any) -> None:
    rek.set_face(photo("obama.jpg"), Smile={"Value": False, "Confidence": 97.5},
                 Emotions=[{"Type": "CALM", "Confidence": 90.0}])
    face = client.detect_faces(Image={"Bytes": photo("obama.jpg")}, Attributes=["ALL"])
    assert face["FaceDetails"][0]["Smile"] == {"Value": False, "Confidence": 97.5}
