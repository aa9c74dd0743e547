"""TagResource, UntagResource, ListTagsForResource on collection ARNs."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_code


@pytest.fixture
def arn(client) -> str:
    return client.create_collection(CollectionId="c", Tags={"team": "vision"})["CollectionArn"]


def test_tags_round_trip(client, arn) -> None:
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "vision"}
    client.tag_resource(ResourceArn=arn, Tags={"env": "test", "team": "faces"})
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {
        "env": "test", "team": "faces"}
    client.untag_resource(ResourceArn=arn, TagKeys=["team", "absent"])
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "test"}


def test_both_arn_spellings(client, arn) -> None:
    client.tag_resource(ResourceArn="arn:" + arn, Tags={"k": "v"})
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"]["k"] == "v"


@pytest.mark.parametrize("bad", [
    "aws:rekognition:us-east-1:123456789012:collection/nope",
    "aws:rekognition:us-west-2:123456789012:collection/c",
    "aws:rekognition:us-east-1:000000000000:collection/c",
    "arn:aws:s3:::some-bucket-name",
])
def test_unknown_resource(client, arn, bad) -> None:
    for call in (lambda: client.list_tags_for_resource(ResourceArn=bad),
                 lambda: client.tag_resource(ResourceArn=bad, Tags={"a": "b"}),
                 lambda: client.untag_resource(ResourceArn=bad, TagKeys=["a"])):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "ResourceNotFoundException"


def test_aws_prefix_rejected(raw_client, arn) -> None:
    with pytest.raises(ClientError) as exc:
        raw_client.tag_resource(ResourceArn=arn, Tags={"aws:owner": "x"})
    assert error_code(exc) == "ValidationException"
    assert "aws:owner" not in raw_client.list_tags_for_resource(ResourceArn=arn)["Tags"]


def test_at_most_200_tags(raw_client, arn) -> None:
    with pytest.raises(ClientError) as exc:
        raw_client.tag_resource(ResourceArn=arn, Tags={f"k{i}": "v" for i in range(201)})
    assert error_code(exc) == "ValidationException"
    raw_client.tag_resource(ResourceArn=arn, Tags={f"k{i}": "v" for i in range(150)})
    with pytest.raises(ClientError) as exc:  # 151 + 50 > 200
        raw_client.tag_resource(ResourceArn=arn, Tags={f"x{i}": "v" for i in range(50)})
    assert error_code(exc) == "ServiceQuotaExceededException"
    assert len(raw_client.list_tags_for_resource(ResourceArn=arn)["Tags"]) == 151
    raw_client.tag_resource(ResourceArn=arn, Tags={f"x{i}": "v" for i in range(49)})
    assert len(raw_client.list_tags_for_resource(ResourceArn=arn)["Tags"]) == 200


def test_deleted_collection_loses_tags(client, arn) -> None:
    client.delete_collection(CollectionId="c")
    with pytest.raises(ClientError) as exc:
        client.list_tags_for_resource(ResourceArn=arn)
    assert error_code(exc) == "ResourceNotFoundException"
    client.create_collection(CollectionId="c")
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {}
