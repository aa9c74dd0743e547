"""Stream processors fed through the control API of ``rekmock serve``, as a test in another
process or language would feed them: Kinesis, Kinesis Video Streams and IAM come from the same
server."""

from __future__ import annotations

import json

import pytest

from rekmock.control import Client, ControlError
from tests.test_server import ServerProcess, client, module_server, server, unique  # noqa: F401

from .helpers import DATA, photo


def test_control_stream_frames(server: ServerProcess) -> None:  # noqa: F811
    rek, ctl = client(server), Client(server.url)
    kinesis = client(server, "kinesis")
    name = unique("door")
    video = client(server, "kinesisvideo").create_stream(StreamName=name)["StreamARN"]
    kinesis.create_stream(StreamName=name, ShardCount=1)
    described = kinesis.describe_stream(StreamName=name)["StreamDescription"]
    role = client(server, "iam").create_role(RoleName=name, AssumeRolePolicyDocument="{}")[
        "Role"]["Arn"]
    rek.create_collection(CollectionId="people")
    face_id = rek.index_faces(CollectionId="people", Image={"Bytes": photo("obama.jpg")},
                              MaxFaces=1)["FaceRecords"][0]["Face"]["FaceId"]
    rek.create_stream_processor(
        Name=name, Input={"KinesisVideoStream": {"Arn": video}},
        Output={"KinesisDataStream": {"Arn": described["StreamARN"]}}, RoleArn=role,
        Settings={"FaceSearch": {"CollectionId": "people"}})
    ctl.hold_stream_processors(1)
    rek.start_stream_processor(Name=name)
    with pytest.raises(ControlError) as exc:
        ctl.send_stream_frame(name, DATA / "obama2.jpg")
    assert exc.value.status == 400 and "is STARTING" in exc.value.message
    statuses = [rek.describe_stream_processor(Name=name)["Status"] for _ in range(2)]
    assert statuses == ["STARTING", "RUNNING"]

    record = ctl.send_stream_frame(name, DATA / "obama2.jpg", producer_timestamp=1700000000.0)
    match = record["FaceSearchResponse"][0]["MatchedFaces"][0]
    assert match["Face"]["FaceId"] == face_id and match["Similarity"] >= 80.0
    iterator = kinesis.get_shard_iterator(
        StreamName=name, ShardId=described["Shards"][0]["ShardId"],
        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert [json.loads(r["Data"]) for r in got] == [record]

    with pytest.raises(ControlError) as exc:
        ctl.send_stream_frame("nobody", DATA / "obama2.jpg")
    assert exc.value.status == 400 and "no stream processor 'nobody'" in exc.value.message
    with pytest.raises(ControlError) as exc:
        ctl.send_stream_frame(name, DATA / "obama2.jpg", labels=[{"Name": "DOG"}])
    assert (exc.value.status, exc.value.message) == (
        400, "missing field(s): Confidence, BoundingBox")
    rek.stop_stream_processor(Name=name)
    statuses = [rek.describe_stream_processor(Name=name)["Status"] for _ in range(2)]
    assert statuses == ["STOPPING", "STOPPED"]
    rek.delete_stream_processor(Name=name)
