"""Stream processors through boto3: face search end to end (frames in, Kinesis records out),
label detection (S3 frames, SNS notices), statuses, errors, quotas and tags."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from rekmock import RekognitionState
from rekmock.backend import stream_processors
from rekmock.backend.stream_processors import in_regions

from .helpers import DATA, error_code, photo

REGION = "us-east-1"
ACCOUNT = "123456789012"
# The developer guide's example frame record, its members in order.
RECORD_KEYS = ["InputInformation", "StreamProcessorInformation", "FaceSearchResponse"]
KINESIS_VIDEO_KEYS = ["StreamArn", "FragmentNumber", "ServerTimestamp", "ProducerTimestamp",
                      "FrameOffsetInSeconds"]
DETECTED_KEYS = ["BoundingBox", "Confidence", "Landmarks", "Pose", "Quality"]
MATCHED_FACE_KEYS = ["BoundingBox", "FaceId", "Confidence", "ImageId", "ExternalImageId"]


@dataclass
class Streams:
    video: str
    data: str
    role: str
    face_id: str

    def face_search(self, name: str = "cam", threshold: float | None = 85.0,
                    collection: str = "people", **extra: Any) -> dict[str, Any]:
        settings: dict[str, Any] = {"CollectionId": collection}
        if threshold is not None:
            settings["FaceMatchThreshold"] = threshold
        return {"Name": name, "Input": {"KinesisVideoStream": {"Arn": self.video}},
                "Output": {"KinesisDataStream": {"Arn": self.data}}, "RoleArn": self.role,
                "Settings": {"FaceSearch": settings}, **extra}


def kinesis_pair(suffix: str = "") -> tuple[str, str]:
    """A Kinesis video stream and a one-shard Kinesis data stream in moto; their ARNs."""
    video = boto3.client("kinesisvideo", region_name=REGION).create_stream(
        StreamName=f"door{suffix}")["StreamARN"]
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName=f"faces{suffix}", ShardCount=1)
    data = kinesis.describe_stream(StreamName=f"faces{suffix}")["StreamDescription"]["StreamARN"]
    return video, data


def make_role(name: str = "rekognition-streams") -> str:
    return str(boto3.client("iam", region_name=REGION).create_role(
        RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"])


@pytest.fixture
def streams(client: Any) -> Streams:
    """The resources of a face search processor, and a collection holding Obama's face."""
    video, data = kinesis_pair()
    client.create_collection(CollectionId="people")
    face = client.index_faces(CollectionId="people", Image={"Bytes": photo("obama.jpg")},
                              ExternalImageId="obama.jpg", MaxFaces=1)["FaceRecords"][0]["Face"]
    return Streams(video, data, make_role(), face["FaceId"])


def records(stream_arn: str) -> list[dict[str, Any]]:
    """Every record on a one-shard Kinesis data stream, read back with GetRecords."""
    kinesis = boto3.client("kinesis", region_name=REGION)
    name = stream_arn.split("/")[-1]
    shard = kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return list(kinesis.get_records(ShardIterator=iterator)["Records"])


def status(client: Any, name: str = "cam") -> str:
    return str(client.describe_stream_processor(Name=name)["Status"])


def raises(call: Any, code: str, message: str | None = None) -> None:
    with pytest.raises(ClientError) as exc:
        call()
    assert error_code(exc) == code
    if message is not None:
        assert exc.value.response["Error"]["Message"] == message


# -- face search, end to end -------------------------------------------------------------------

def test_face_search_end_to_end(client: Any, rek: RekognitionState, streams: Streams) -> None:
    arn = client.create_stream_processor(**streams.face_search())["StreamProcessorArn"]
    assert arn == f"arn:aws:rekognition:{REGION}:{ACCOUNT}:streamprocessor/cam"
    assert status(client) == "STOPPED"
    session = client.start_stream_processor(Name="cam")["SessionId"]
    assert session
    assert status(client) == "RUNNING"

    known = rek.send_stream_frame("cam", photo("obama2.jpg"), producer_timestamp=1700000000.25)
    stranger = rek.send_stream_frame("cam", DATA / "biden.jpg", producer_timestamp=1700000001.5)
    client.stop_stream_processor(Name="cam")
    assert status(client) == "STOPPED"

    got = records(streams.data)
    assert len(got) == 2
    first, second = (json.loads(r["Data"]) for r in got)
    assert (first, second) == (known, stranger)  # what send_stream_frame returned was written
    assert got[0]["PartitionKey"] == got[1]["PartitionKey"] == session
    for record in (first, second):
        assert list(record) == RECORD_KEYS
        video = record["InputInformation"]["KinesisVideo"]
        assert list(video) == KINESIS_VIDEO_KEYS
        assert video["StreamArn"] == streams.video
        assert len(video["FragmentNumber"]) == 47 and video["FragmentNumber"].isdigit()
        assert record["StreamProcessorInformation"] == {"Status": "RUNNING"}
        assert len(record["FaceSearchResponse"]) == 1  # one face in each photo
        detected = record["FaceSearchResponse"][0]["DetectedFace"]
        assert list(detected) == DETECTED_KEYS
        assert list(detected["BoundingBox"]) == ["Height", "Width", "Left", "Top"]
        assert [m["Type"] for m in detected["Landmarks"]] == [
            "eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"]
        assert detected["Confidence"] > 90
    f1, f2 = (r["InputInformation"]["KinesisVideo"] for r in (first, second))
    assert int(f2["FragmentNumber"]) > int(f1["FragmentNumber"])
    assert (f1["ProducerTimestamp"], f2["ProducerTimestamp"]) == (1700000000.25, 1700000001.5)
    assert f1["FrameOffsetInSeconds"] == 0 and f1["ServerTimestamp"] > f1["ProducerTimestamp"]

    matches = first["FaceSearchResponse"][0]["MatchedFaces"]
    assert len(matches) == 1
    assert matches[0]["Similarity"] >= 85.0
    assert list(matches[0]["Face"]) == MATCHED_FACE_KEYS
    assert matches[0]["Face"]["FaceId"] == streams.face_id
    assert matches[0]["Face"]["ExternalImageId"] == "obama.jpg"
    assert second["FaceSearchResponse"][0]["MatchedFaces"] == []

    client.delete_stream_processor(Name="cam")
    assert client.list_stream_processors()["StreamProcessors"] == []
    raises(lambda: client.describe_stream_processor(Name="cam"), "ResourceNotFoundException")


def test_a_frame_without_faces_still_makes_a_record(client: Any, rek: RekognitionState,
                                                    streams: Streams) -> None:
    client.create_stream_processor(**streams.face_search())
    client.start_stream_processor(Name="cam")
    record = rek.send_stream_frame("cam", photo("coffee.jpg"))
    assert record["FaceSearchResponse"] == []
    assert [json.loads(r["Data"]) for r in records(streams.data)] == [record]


def test_producer_clocks_may_go_backwards(client: Any, rek: RekognitionState,
                                          streams: Streams) -> None:
    """A face search analyses every frame it gets, whatever the camera's clock says."""
    client.create_stream_processor(**streams.face_search())
    client.start_stream_processor(Name="cam")
    stamps = [1700000005.0, 1700000001.0]
    for stamp in stamps:
        rek.send_stream_frame("cam", photo("biden.jpg"), producer_timestamp=stamp)
    assert [json.loads(r["Data"])["InputInformation"]["KinesisVideo"]["ProducerTimestamp"]
            for r in records(streams.data)] == stamps


def test_scripted_same_person_reaches_the_stream(client: Any, rek: RekognitionState,
                                                 streams: Streams) -> None:
    """A scripted pair decides the match as in SearchFacesByImage; the threshold still applies."""
    client.create_stream_processor(**streams.face_search(threshold=95.0))
    client.start_stream_processor(Name="cam")
    rek.same_person(photo("biden.jpg"), photo("obama.jpg"), similarity=96.5)
    hit = rek.send_stream_frame("cam", photo("biden.jpg"))["FaceSearchResponse"][0]
    assert [(m["Similarity"], m["Face"]["FaceId"]) for m in hit["MatchedFaces"]] == [
        (96.5, streams.face_id)]
    rek.same_person(photo("biden.jpg"), photo("obama.jpg"), similarity=94.0)
    miss = rek.send_stream_frame("cam", photo("biden.jpg"))["FaceSearchResponse"][0]
    assert miss["MatchedFaces"] == []


def test_describe_list_and_the_threshold_floor(client: Any, streams: Streams) -> None:
    video2, data2 = kinesis_pair("2")
    client.create_stream_processor(**streams.face_search(threshold=50.0))
    low = client.describe_stream_processor(Name="cam")
    assert low["Settings"] == {"FaceSearch": {"CollectionId": "people",
                                              "FaceMatchThreshold": 80.0}}  # below 80 -> 80
    assert low["Input"] == {"KinesisVideoStream": {"Arn": streams.video}}
    assert low["Output"] == {"KinesisDataStream": {"Arn": streams.data}}
    assert low["RoleArn"] == streams.role and "StatusMessage" not in low
    assert low["CreationTimestamp"] == low["LastUpdateTimestamp"]
    other = Streams(video2, data2, streams.role, streams.face_id)
    client.create_stream_processor(**other.face_search("attic", threshold=None))
    assert client.describe_stream_processor(Name="attic")["Settings"]["FaceSearch"][
        "FaceMatchThreshold"] == 80.0
    first = client.list_stream_processors(MaxResults=1)
    assert first["StreamProcessors"] == [{"Name": "attic", "Status": "STOPPED"}]
    rest = client.list_stream_processors(MaxResults=1, NextToken=first["NextToken"])
    assert rest["StreamProcessors"] == [{"Name": "cam", "Status": "STOPPED"}]
    assert "NextToken" not in rest
    raises(lambda: client.list_stream_processors(NextToken="bogus"),
           "InvalidPaginationTokenException")


# -- errors ------------------------------------------------------------------------------------

def test_create_refuses_what_the_service_refuses(client: Any, raw_client: Any,
                                                 streams: Streams) -> None:
    request = streams.face_search()
    arn = client.create_stream_processor(**request)["StreamProcessorArn"]
    assert client.create_stream_processor(**request)["StreamProcessorArn"] == arn  # idempotent
    raises(lambda: client.create_stream_processor(**streams.face_search(threshold=90.0)),
           "ResourceInUseException", "Stream processor name already in use.")
    # A Kinesis stream feeds or takes one stream processor at most.
    raises(lambda: client.create_stream_processor(**streams.face_search("porch")),
           "ResourceInUseException", "Specified resource is in use.")
    video2, data2 = kinesis_pair("2")
    bucket = {"S3Destination": {"Bucket": "frames"}}
    channel = {"SNSTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:events"}
    home = {"ConnectedHome": {"Labels": ["PERSON"]}}
    face = {"FaceSearch": {"CollectionId": "people"}}
    base = {"Name": "porch", "Input": {"KinesisVideoStream": {"Arn": video2}},
            "RoleArn": streams.role}
    invalid = [
        {"Output": {"KinesisDataStream": {"Arn": data2}}, "Settings": {**face, **home}},
        {"Output": {"KinesisDataStream": {"Arn": data2}}, "Settings": {}},
        {"Output": bucket, "Settings": face},
        {"Output": {"KinesisDataStream": {"Arn": data2}}, "Settings": {"FaceSearch": {}}},
        {"Output": {"KinesisDataStream": {"Arn": data2}}, "Settings": face,
         "RegionsOfInterest": [{"BoundingBox": {"Width": 0.5, "Height": 0.5, "Left": 0,
                                                "Top": 0}}]},
        {"Output": {"KinesisDataStream": {"Arn": data2}}, "Settings": face, "KmsKeyId": "key"},
        {"Output": bucket, "Settings": home},  # label detection needs an SNS topic
        {"Output": {"KinesisDataStream": {"Arn": data2}}, "Settings": home,
         "NotificationChannel": channel},
        {"Output": bucket, "NotificationChannel": channel,
         "Settings": {"ConnectedHome": {"Labels": ["CAT"]}}},
        {"Output": bucket, "NotificationChannel": channel, "Settings": home,
         "RegionsOfInterest": [{"Polygon": [{"X": 0.1, "Y": 0.1}, {"X": 0.2, "Y": 0.2}]}]},
        {"Output": bucket, "NotificationChannel": channel, "Settings": home,
         "RegionsOfInterest": [{}]},
    ]
    for extra in invalid:
        raises(lambda extra=extra: raw_client.create_stream_processor(**base, **extra),
               "InvalidParameterException", "Request has invalid parameters")
    raises(lambda: raw_client.create_stream_processor(
        **{**streams.face_search("porch"), "RoleArn": "arn:aws:iam::1:user/me"}),
        "ValidationException")
    assert [p["Name"] for p in client.list_stream_processors()["StreamProcessors"]] == ["cam"]


def test_status_rules(client: Any, streams: Streams) -> None:
    for call in (client.describe_stream_processor, client.start_stream_processor,
                 client.stop_stream_processor, client.update_stream_processor,
                 client.delete_stream_processor):
        raises(lambda call=call: call(Name="nobody"), "ResourceNotFoundException",
               "The resource specified in the request cannot be found.")
    client.create_stream_processor(**streams.face_search())
    raises(lambda: client.stop_stream_processor(Name="cam"), "ResourceInUseException",
           "Stream Processor not available for stopping")
    raises(lambda: client.start_stream_processor(
        Name="cam", StopSelector={"MaxDurationInSeconds": 10}), "InvalidParameterException")
    client.start_stream_processor(Name="cam")
    raises(lambda: client.start_stream_processor(Name="cam"), "ResourceInUseException",
           "Specified resource is in use.")
    raises(lambda: client.delete_stream_processor(Name="cam"), "ResourceInUseException",
           "Cannot delete stream processor.")
    raises(lambda: client.update_stream_processor(
        Name="cam", DataSharingPreferenceForUpdate={"OptIn": False}),
        "ResourceInUseException", "Specified resource is in use.")
    assert status(client) == "RUNNING"
    client.stop_stream_processor(Name="cam")
    client.update_stream_processor(Name="cam", DataSharingPreferenceForUpdate={"OptIn": False})
    assert client.describe_stream_processor(Name="cam")["DataSharingPreference"] == {
        "OptIn": False}
    raises(lambda: client.update_stream_processor(
        Name="cam", SettingsForUpdate={"ConnectedHomeForUpdate": {"MinConfidence": 60}}),
        "InvalidParameterException")  # a face search has no label settings
    client.delete_stream_processor(Name="cam")


@pytest.mark.parametrize("missing, message", [
    ("role", "Access denied to Role"),
    ("video", "Stream door doesn't exist"),
    ("collection", "Collection not found"),
    ("data", f"Stream faces under account {ACCOUNT} not found"),
])
def test_a_missing_resource_fails_the_processor(client: Any, rek: RekognitionState,
                                                streams: Streams, missing: str,
                                                message: str) -> None:
    """The service checks the role, streams and collection when the processor starts; what is
    missing makes it FAILED, with the troubleshooting guide's StatusMessage. Fixed, it starts."""
    client.create_stream_processor(**streams.face_search())
    iam = boto3.client("iam", region_name=REGION)
    undo = {
        "role": lambda: iam.delete_role(RoleName="rekognition-streams"),
        "video": lambda: boto3.client("kinesisvideo", region_name=REGION).delete_stream(
            StreamARN=streams.video),
        "collection": lambda: client.delete_collection(CollectionId="people"),
        "data": lambda: boto3.client("kinesis", region_name=REGION).delete_stream(
            StreamName="faces"),
    }
    redo = {
        "role": make_role,
        "collection": lambda: client.create_collection(CollectionId="people"),
        "data": lambda: boto3.client("kinesis", region_name=REGION).create_stream(
            StreamName="faces", ShardCount=1),
    }
    undo[missing]()
    client.start_stream_processor(Name="cam")
    failed = client.describe_stream_processor(Name="cam")
    assert (failed["Status"], failed["StatusMessage"]) == ("FAILED", message)
    with pytest.raises(ValueError, match="FAILED"):
        rek.send_stream_frame("cam", photo("obama.jpg"))
    if missing not in redo:  # a video stream made again has a new ARN
        return
    redo[missing]()
    client.start_stream_processor(Name="cam")
    again = client.describe_stream_processor(Name="cam")
    assert again["Status"] == "RUNNING" and "StatusMessage" not in again


def test_a_running_processor_fails_when_its_output_goes(client: Any, rek: RekognitionState,
                                                        streams: Streams) -> None:
    client.create_stream_processor(**streams.face_search())
    client.start_stream_processor(Name="cam")
    boto3.client("kinesis", region_name=REGION).delete_stream(StreamName="faces")
    with pytest.raises(ValueError, match=f"Stream faces under account {ACCOUNT} not found"):
        rek.send_stream_frame("cam", photo("obama.jpg"))
    described = client.describe_stream_processor(Name="cam")
    assert described["Status"] == "FAILED"
    assert described["StatusMessage"] == f"Stream faces under account {ACCOUNT} not found"
    client.delete_stream_processor(Name="cam")  # a FAILED processor can be deleted


def test_frames_are_refused_clearly(client: Any, rek: RekognitionState, streams: Streams) -> None:
    with pytest.raises(KeyError, match="no stream processor 'cam'"):
        rek.send_stream_frame("cam", photo("obama.jpg"))
    client.create_stream_processor(**streams.face_search())
    with pytest.raises(ValueError, match="is STOPPED; it analyses frames only while RUNNING"):
        rek.send_stream_frame("cam", photo("obama.jpg"))
    client.start_stream_processor(Name="cam")
    with pytest.raises(ValueError, match="InvalidImageFormatException"):
        rek.send_stream_frame("cam", b"not a picture")
    with pytest.raises(ValueError, match="producer_timestamp"):
        rek.send_stream_frame("cam", photo("obama.jpg"), producer_timestamp=-1)
    assert records(streams.data) == []  # nothing half-written
    assert status(client) == "RUNNING"


def test_held_transitions(client: Any, rek: RekognitionState, streams: Streams) -> None:
    """A test can hold each transition for some reads, to exercise a polling loop."""
    rek.hold_stream_processors(2)
    client.create_stream_processor(**streams.face_search())
    client.start_stream_processor(Name="cam")
    with pytest.raises(ValueError, match="is STARTING"):
        rek.send_stream_frame("cam", photo("obama.jpg"))
    assert [status(client), status(client), status(client)] == ["STARTING", "STARTING",
                                                                "RUNNING"]
    rek.send_stream_frame("cam", photo("obama.jpg"))
    client.stop_stream_processor(Name="cam")
    assert client.list_stream_processors()["StreamProcessors"][0]["Status"] == "STOPPING"
    raises(lambda: client.delete_stream_processor(Name="cam"), "ResourceInUseException")
    assert [status(client), status(client)] == ["STOPPING", "STOPPED"]
    with pytest.raises(ValueError):
        rek.hold_stream_processors(-1)


def test_face_search_quota(client: Any, monkeypatch: pytest.MonkeyPatch,
                           streams: Streams) -> None:
    """10 face search processors may run at once; a processor count quota caps creation."""
    client.create_stream_processor(**streams.face_search("p0"))
    client.start_stream_processor(Name="p0")
    for i in range(1, 11):
        video, data = kinesis_pair(str(i))
        client.create_stream_processor(**Streams(video, data, streams.role, "").face_search(
            f"p{i}"))
    for i in range(1, 10):
        client.start_stream_processor(Name=f"p{i}")
    raises(lambda: client.start_stream_processor(Name="p10"), "LimitExceededException",
           "Stream processor limit exceeded for account, limit - 10")
    assert status(client, "p10") == "STOPPED"
    client.stop_stream_processor(Name="p0")
    client.start_stream_processor(Name="p10")
    monkeypatch.setattr(stream_processors, "MAX_PROCESSORS", 11)
    video, data = kinesis_pair("x")
    raises(lambda: client.create_stream_processor(
        **Streams(video, data, streams.role, "").face_search("one-more")),
        "LimitExceededException", "Stream processor limit exceeded for account, limit - 11")


def test_tags_on_stream_processors(client: Any, streams: Streams) -> None:
    arn = client.create_stream_processor(**streams.face_search(Tags={"site": "door"}))[
        "StreamProcessorArn"]
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"site": "door"}
    client.tag_resource(ResourceArn=arn, Tags={"team": "security"})
    client.untag_resource(ResourceArn=arn, TagKeys=["site"])
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "security"}
    collection = client.describe_collection(CollectionId="people")["CollectionARN"]
    assert client.list_tags_for_resource(ResourceArn=collection)["Tags"] == {}
    client.delete_stream_processor(Name="cam")
    raises(lambda: client.list_tags_for_resource(ResourceArn=arn), "ResourceNotFoundException",
           f"The resource {arn} does not exist")
    other = arn.replace("streamprocessor/cam", "streamprocessor/")
    raises(lambda: client.tag_resource(ResourceArn=other, Tags={"a": "b"}),
           "ResourceNotFoundException")


# -- label detection (connected home) ----------------------------------------------------------

def sns_to_sqs(topic_name: str = "AmazonRekognitionDoorbell") -> tuple[Any, str, str]:
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name=topic_name)["TopicArn"]
    queue = sqs.create_queue(QueueName="doorbell")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return sqs, topic, queue


def notices(sqs: Any, queue: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for message in got:
            body = json.loads(message["Body"])
            out.append((body["Subject"], json.loads(body["Message"])))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


PET = {"Name": "PET", "Confidence": 91.0,
       "BoundingBox": {"Width": 0.25, "Height": 0.2, "Left": 0.05, "Top": 0.7}}
PACKAGE = {"Name": "PACKAGE", "Confidence": 97.0,
           "BoundingBox": {"Width": 0.2, "Height": 0.2, "Left": 0.7, "Top": 0.7}}


def test_label_detection_session(client: Any, rek: RekognitionState, s3: Any) -> None:
    video = boto3.client("kinesisvideo", region_name=REGION).create_stream(
        StreamName="porch")["StreamARN"]
    s3.create_bucket(Bucket="doorbell-frames")
    sqs, topic, queue = sns_to_sqs()
    client.create_stream_processor(
        Name="porch", Input={"KinesisVideoStream": {"Arn": video}},
        Output={"S3Destination": {"Bucket": "doorbell-frames", "KeyPrefix": "events"}},
        NotificationChannel={"SNSTopicArn": topic}, RoleArn=make_role(),
        Settings={"ConnectedHome": {"Labels": ["PERSON", "PET"], "MinConfidence": 80}},
        Tags={"home": "42"})
    raises(lambda: client.start_stream_processor(Name="porch"), "InvalidParameterException")
    start = {"Name": "porch",
             "StartSelector": {"KVSStreamStartSelector": {"ProducerTimestamp": 1700000000000}},
             "StopSelector": {"MaxDurationInSeconds": 5}}
    session = client.start_stream_processor(**start)["SessionId"]
    assert status(client, "porch") == "STARTING"  # a label session stays STARTING while it runs

    early = rek.send_stream_frame("porch", photo("obama.jpg"), producer_timestamp=1699999999.0)
    assert early == {"Labels": [], "Notices": [], "SessionEnded": False}  # before StartSelector
    person = rek.send_stream_frame("porch", photo("obama.jpg"), producer_timestamp=1700000001.0)
    assert [label["Name"] for label in person["Labels"]] == ["PERSON"]
    pet = rek.send_stream_frame("porch", photo("coffee.jpg"), producer_timestamp=1700000002.0,
                                labels=[PET, PACKAGE])
    assert [label["Name"] for label in pet["Labels"]] == ["PET"]  # PACKAGE was not asked for
    again = rek.send_stream_frame("porch", photo("obama2.jpg"), producer_timestamp=1700000003.0)
    assert again["Labels"] and again["Notices"] == []  # PERSON was announced already
    last = rek.send_stream_frame("porch", photo("coffee.jpg"), producer_timestamp=1700000005.0)
    assert last["SessionEnded"]
    assert status(client, "porch") == "STOPPED"
    with pytest.raises(ValueError, match="STOPPED"):
        rek.send_stream_frame("porch", photo("obama.jpg"))

    got = notices(sqs, queue)
    assert [subject for subject, _ in got] == ["Rekognition Stream Processing Event"] * 3
    detected = [n for _, n in got if n["eventNamespace"]["type"] == "LABEL_DETECTED"]
    assert [n["labels"][0]["name"] for n in detected] == ["PERSON", "PET"]
    assert detected == person["Notices"] + pet["Notices"]
    first = detected[0]
    assert first["sessionId"] == session and first["tags"] == {"home": "42"}
    assert first["startStreamProcessorRequest"] == start
    assert first["inputInformation"] == {"kinesisVideo": {"streamArn": video}}
    label = first["labels"][0]
    assert label["videoMapping"]["kinesisVideoMapping"]["frameOffsetMillis"] == 1000
    assert label["videoMapping"]["kinesisVideoMapping"]["producerTimestamp"] == 1700000001000
    assert detected[1]["labels"][0]["boundingBox"] == {"left": 0.05, "top": 0.7, "height": 0.2,
                                                      "width": 0.25}
    for uri in (label["frameImageUri"], label["croppedImageUri"]):
        assert uri.startswith(f"s3://doorbell-frames/events/porch/{session}/")
        body = s3.get_object(Bucket="doorbell-frames", Key=uri.split("/", 3)[3])["Body"].read()
        assert body[:2] == b"\xff\xd8"  # JPEG
    frame_key = label["frameImageUri"].split("/", 3)[3]
    assert s3.get_object(Bucket="doorbell-frames", Key=frame_key)["Body"].read() == photo(
        "obama.jpg")
    summary = got[-1][1]
    assert summary["eventNamespace"] == {"type": "STREAM_PROCESSING_COMPLETE"}
    assert summary["inputInformation"]["kinesisVideo"]["processedVideoDurationMillis"] == 5000
    assert summary["sessionId"] == session


def test_label_detection_update_and_regions(client: Any, rek: RekognitionState,
                                            s3: Any) -> None:
    video = boto3.client("kinesisvideo", region_name=REGION).create_stream(
        StreamName="yard")["StreamARN"]
    s3.create_bucket(Bucket="yard-frames")
    _, topic, _ = sns_to_sqs()
    corner = [{"BoundingBox": {"Width": 0.2, "Height": 0.2, "Left": 0.0, "Top": 0.0}}]
    client.create_stream_processor(
        Name="yard", Input={"KinesisVideoStream": {"Arn": video}},
        Output={"S3Destination": {"Bucket": "yard-frames"}},
        NotificationChannel={"SNSTopicArn": topic}, RoleArn=make_role(),
        Settings={"ConnectedHome": {"Labels": ["ALL"]}}, RegionsOfInterest=corner)
    start = {"KVSStreamStartSelector": {"FragmentNumber": "1"}}
    client.start_stream_processor(Name="yard", StartSelector=start)
    outside = rek.send_stream_frame("yard", photo("obama.jpg"), labels=[PACKAGE])
    assert outside["Labels"] == []  # the face and the package lie outside the corner
    client.stop_stream_processor(Name="yard")

    client.update_stream_processor(
        Name="yard", SettingsForUpdate={"ConnectedHomeForUpdate": {"Labels": ["PACKAGE"],
                                                                   "MinConfidence": 95}},
        ParametersToDelete=["RegionsOfInterest"])
    described = client.describe_stream_processor(Name="yard")
    assert described["Settings"] == {"ConnectedHome": {"Labels": ["PACKAGE"],
                                                       "MinConfidence": 95.0}}
    assert "RegionsOfInterest" not in described
    raises(lambda: client.update_stream_processor(
        Name="yard", SettingsForUpdate={"ConnectedHomeForUpdate": {"Labels": ["DOG"]}}),
        "InvalidParameterException")
    client.start_stream_processor(Name="yard", StartSelector=start)
    seen = rek.send_stream_frame("yard", photo("obama.jpg"), labels=[PACKAGE, PET])
    assert [label["Name"] for label in seen["Labels"]] == ["PACKAGE"]
    with pytest.raises(ValueError, match="Name"):
        rek.send_stream_frame("yard", photo("obama.jpg"), labels=[{**PET, "Name": "DOG"}])
    with pytest.raises(ValueError, match="BoundingBox"):
        rek.send_stream_frame("yard", photo("obama.jpg"), labels=[
            {**PET, "BoundingBox": {"Width": 0.5, "Height": 0.5, "Left": 0.8, "Top": 0}}])


def test_label_detection_needs_its_bucket_and_topic(client: Any, s3: Any) -> None:
    video = boto3.client("kinesisvideo", region_name=REGION).create_stream(
        StreamName="gate")["StreamARN"]
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:gone"
    client.create_stream_processor(
        Name="gate", Input={"KinesisVideoStream": {"Arn": video}},
        Output={"S3Destination": {"Bucket": "gate-frames"}},
        NotificationChannel={"SNSTopicArn": topic}, RoleArn=make_role(),
        Settings={"ConnectedHome": {"Labels": ["PERSON"]}})
    start = {"KVSStreamStartSelector": {"ProducerTimestamp": 0}}
    client.start_stream_processor(Name="gate", StartSelector=start)
    assert client.describe_stream_processor(Name="gate")["StatusMessage"] == (
        "S3 bucket gate-frames does not exist")
    s3.create_bucket(Bucket="gate-frames")
    client.start_stream_processor(Name="gate", StartSelector=start)
    assert client.describe_stream_processor(Name="gate")["StatusMessage"] == (
        f"SNS topic {topic} does not exist")


def test_regions_of_interest_hold_more_than_half_a_box() -> None:
    box = {"Left": 0.4, "Top": 0.4, "Width": 0.2, "Height": 0.2}
    assert in_regions(box, [])
    assert in_regions(box, [{"BoundingBox": {"Left": 0.45, "Top": 0.3, "Width": 0.5,
                                             "Height": 0.5}}])  # 75% inside
    assert not in_regions(box, [{"BoundingBox": {"Left": 0.52, "Top": 0.0, "Width": 0.48,
                                                 "Height": 1.0}}])  # 40% inside
    triangle = [{"X": 0.0, "Y": 0.0}, {"X": 1.0, "Y": 0.0}, {"X": 0.0, "Y": 1.0}]
    assert in_regions({"Left": 0.1, "Top": 0.1, "Width": 0.2, "Height": 0.2},
                      [{"Polygon": triangle}])
    assert not in_regions({"Left": 0.6, "Top": 0.6, "Width": 0.2, "Height": 0.2},
                          [{"Polygon": triangle}])  # beyond the diagonal
