"""Server-side validation from the botocore model: AWS's codes and message format."""

from __future__ import annotations

import base64

import pytest
from botocore.exceptions import ClientError

from rekmock.errors import (
    ImageTooLargeException,
    SerializationException,
    ValidationException,
)
from rekmock.service.validation import validate

from .helpers import error_code, photo

PNG = {"Bytes": base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()}


def test_pattern_failure_uses_aws_wording() -> None:
    with pytest.raises(ValidationException) as exc:
        validate("IndexFaces", {"CollectionId": "c", "Image": PNG, "ExternalImageId": "a b"})
    assert exc.value.message == (
        "1 validation error detected: Value 'a b' at 'externalImageId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-:]+"
    )


def test_every_failure_is_listed() -> None:
    with pytest.raises(ValidationException) as exc:
        validate("IndexFaces", {"CollectionId": "bad id!", "Image": PNG, "MaxFaces": 0,
                                "QualityFilter": "BEST"})
    message = exc.value.message
    assert message.startswith("3 validation errors detected: ")
    assert "at 'collectionId' failed to satisfy constraint: Member must satisfy regular" in message
    assert "Value '0' at 'maxFaces' failed to satisfy constraint: Member must have value " \
           "greater than or equal to 1" in message
    assert "Member must satisfy enum value set: [NONE, AUTO, LOW, MEDIUM, HIGH]" in message


def test_required_maximum_and_list_sizes() -> None:
    with pytest.raises(ValidationException) as exc:
        validate("SearchFaces", {"FaceId": "0" * 8, "MaxFaces": 5000})
    message = exc.value.message
    assert "Value null at 'collectionId' failed to satisfy constraint: Member must not be null" \
        in message
    assert "Member must have value less than or equal to 4096" in message
    assert "Value '00000000' at 'faceId'" in message
    with pytest.raises(ValidationException, match="length less than or equal to 4096"):
        validate("DeleteFaces", {"CollectionId": "c", "FaceIds": ["x"] * 4097})


def test_tag_keys_use_unicode_classes() -> None:
    arn = "aws:rekognition:us-east-1:123456789012:collection/c"
    validate("TagResource", {"ResourceArn": arn, "Tags": {"Équipe ünï": "v"}})
    with pytest.raises(ValidationException, match="Map keys must satisfy constraint"):
        validate("TagResource", {"ResourceArn": arn, "Tags": {"aws:owner": "me"}})
    with pytest.raises(ValidationException, match="length less than or equal to 200"):
        validate("TagResource", {"ResourceArn": arn, "Tags": {f"k{i}": "v" for i in range(201)}})


def test_wrong_types_and_bad_base64() -> None:
    with pytest.raises(SerializationException):
        validate("IndexFaces", {"CollectionId": "c", "Image": PNG, "MaxFaces": "ten"})
    with pytest.raises(SerializationException):
        validate("DetectFaces", {"Image": {"Bytes": "not base64!"}})
    with pytest.raises(SerializationException):
        validate("DetectFaces", {"Image": ["list"]})


def test_blob_over_the_model_maximum_is_image_too_large() -> None:
    big = base64.b64encode(b"\xff" * (5 * 1024 * 1024 + 1)).decode()
    with pytest.raises(ImageTooLargeException):
        validate("DetectFaces", {"Image": {"Bytes": big}})


def test_unknown_members_are_ignored_and_blobs_decoded() -> None:
    out = validate("DetectFaces", {"Image": PNG, "Future": 1})
    assert out == {"Image": {"Bytes": b"\x89PNG\r\n\x1a\n"}}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({}, "ValidationException"),
        ({"Image": {}}, "InvalidParameterException"),
        ({"Image": {"Bytes": b"x", "S3Object": {"Bucket": "bucket", "Name": "n.jpg"}}},
         "InvalidParameterException"),
        ({"Image": {"Bytes": b"x"}, "Attributes": ["EVERYTHING"]}, "ValidationException"),
        ({"Image": {"Bytes": b""}}, "ValidationException"),
        ({"Image": {"Bytes": b"\xff" * (5 * 1024 * 1024 + 1)}}, "ImageTooLargeException"),
        ({"Image": {"S3Object": {"Bucket": "bucket", "Name": ""}}}, "ValidationException"),
    ],
)
def test_bad_requests_through_boto3(raw_client, kwargs, code) -> None:
    with pytest.raises(ClientError) as exc:
        raw_client.detect_faces(**kwargs)
    assert error_code(exc) == code
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_compare_faces_threshold_range(raw_client) -> None:
    image = {"Bytes": photo("hopper.jpg")}
    with pytest.raises(ClientError) as exc:
        raw_client.compare_faces(SourceImage=image, TargetImage=image, SimilarityThreshold=101.0)
    assert error_code(exc) == "ValidationException"
    assert "at 'similarityThreshold'" in exc.value.response["Error"]["Message"]
