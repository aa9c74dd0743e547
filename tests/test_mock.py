"""Entry points: decorator, class decorator, context manager, start/stop, nesting with mock_aws,
moto's other Rekognition operations, fixtures, per-account state."""

from __future__ import annotations

import unittest

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core.utils import camelcase_to_underscores

from rekmock import RekognitionState, mock_rekognition

from .helpers import UUID, photo, strict_client


def _celebrity_known(celebrity_id: str) -> bool:
    try:
        strict_client().get_celebrity_info(Id=celebrity_id)
        return True
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ResourceNotFoundException"
        return False


def _register(name: str = "Grace Hopper") -> str:
    return RekognitionState().add_celebrity(name, photos=[], urls=["https://example.org/gh"])


def test_function_decorator_gives_fresh_state() -> None:
    @mock_rekognition
    def first() -> str:
        celebrity = _register()
        assert _celebrity_known(celebrity)
        return celebrity

    @mock_rekognition()
    def second(celebrity: str) -> bool:
        return _celebrity_known(celebrity)

    assert second(first()) is False


def test_context_manager_and_start_stop() -> None:
    with mock_rekognition() as rek:
        celebrity = rek.add_celebrity("Someone", known_gender="Female")
        info = strict_client().get_celebrity_info(Id=celebrity)
        assert info["Name"] == "Someone" and info["KnownGender"] == {"Type": "Female"}
    mock = mock_rekognition()
    state = mock.start()
    try:
        assert not _celebrity_known(celebrity)
        assert isinstance(state, RekognitionState)
    finally:
        mock.stop()


@mock_rekognition
class TestClassDecorator(unittest.TestCase):
    def test_a(self) -> None:
        self.assertTrue(_celebrity_known(_register("Z")))  # state works inside the method
        _register("A")

    def test_b(self) -> None:
        from rekmock.backend.scripts import celebrity_id

        self.assertFalse(_celebrity_known(celebrity_id("A")))
        self.assertFalse(_celebrity_known(celebrity_id("Z")))


@pytest.mark.parametrize("outer_is_moto", [True, False])
def test_nesting_with_mock_aws_keeps_state(outer_is_moto: bool) -> None:
    outer, inner = (mock_aws(), mock_rekognition()) if outer_is_moto else (
        mock_rekognition(), mock_aws())
    with outer:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="photos")
        s3.put_object(Bucket="photos", Key="o.jpg", Body=photo("obama.jpg"))
        celebrity = _register()
        with inner:
            faces = strict_client().detect_faces(
                Image={"S3Object": {"Bucket": "photos", "Name": "o.jpg"}}
            )["FaceDetails"]
            assert len(faces) == 1
            assert _celebrity_known(celebrity)
        # leaving the inner mock wipes nothing
        assert s3.list_objects_v2(Bucket="photos")["KeyCount"] == 1
        assert _celebrity_known(celebrity)


def test_every_operation_is_rekmocks() -> None:
    """All of the model's operations have a rekmock handler: none falls back to moto's canned
    Rekognition, and none is NotImplemented."""
    from rekmock.botocore_model import service_model
    from rekmock.service.handlers import HANDLERS
    from rekmock.service.responses import RekognitionResponse

    operations = service_model().operation_names
    assert len(operations) >= 75 and sorted(HANDLERS) == sorted(operations)
    for name in operations:
        method = getattr(RekognitionResponse, camelcase_to_underscores(name))
        assert method.__doc__ == f"{name}: see rekmock.service.handlers."


def test_state_is_per_account(monkeypatch) -> None:
    with mock_rekognition():
        celebrity = _register()
        monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
        assert not _celebrity_known(celebrity)
        monkeypatch.delenv("MOTO_ACCOUNT_ID")
        assert _celebrity_known(celebrity)


def test_pytest_fixtures(rekognition_client, rekognition_mock, s3_client) -> None:
    s3_client.create_bucket(Bucket="fixture-bucket")
    celebrity = rekognition_mock.add_celebrity("Fixture Person")
    assert rekognition_client.get_celebrity_info(Id=celebrity)["Name"] == "Fixture Person"


def test_collections_are_per_region_and_account(monkeypatch) -> None:
    with mock_rekognition():
        east = strict_client(region_name="us-east-1")
        west = strict_client(region_name="eu-west-1")
        east.create_collection(CollectionId="shared-name")
        assert west.list_collections()["CollectionIds"] == []
        arn = west.create_collection(CollectionId="shared-name")["CollectionArn"]
        assert arn == "aws:rekognition:eu-west-1:123456789012:collection/shared-name"
        monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
        assert strict_client(region_name="us-east-1").list_collections()["CollectionIds"] == []
        monkeypatch.delenv("MOTO_ACCOUNT_ID")
        assert east.list_collections()["CollectionIds"] == ["shared-name"]


def test_region_without_rekognition_is_a_clear_client_error() -> None:
    with mock_rekognition():
        client = strict_client(region_name="xx-nowhere-1")
        with pytest.raises(ClientError) as exc:
            client.create_collection(CollectionId="c")
        assert exc.value.response["Error"]["Code"] == "UnknownRegion"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@mock_rekognition
def test_in_process_answers_carry_the_services_headers() -> None:
    """Successes, errors and moto's own operations: the service's content type and a UUID
    request id, the same in the headers and in ResponseMetadata (the service's:
    ``312a8a0b-7dec-4aad-89ba-e338ddf8fb42``)."""
    client = boto3.client("rekognition", region_name="us-east-1")
    created = client.create_collection(CollectionId="wire")
    with pytest.raises(ClientError) as exc:
        client.describe_collection(CollectionId="nope")
    labels = client.detect_labels(Image={"Bytes": photo("hopper.jpg")})
    metas = [created["ResponseMetadata"], exc.value.response["ResponseMetadata"],
             labels["ResponseMetadata"]]
    assert [m["HTTPStatusCode"] for m in metas] == [200, 400, 200]
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    ids = set()
    for meta in metas:
        assert meta["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"
        assert "status" not in meta["HTTPHeaders"]
        assert UUID.fullmatch(meta["RequestId"])
        assert meta["HTTPHeaders"]["x-amzn-requestid"] == meta["RequestId"]
        ids.add(meta["RequestId"])
    assert len(ids) == 3
