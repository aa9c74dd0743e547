"""The video search app under rekmock's ``@mock_rekognition`` (moto serves S3, SNS and SQS).

In ``two_people.mp4`` (tests/data/make_clips.py) Obama is in view from 0.5 s to 3.5 s and Biden
from 1.5 s to 4.5 s, each sliding in over three frames; ``no_face.mp4`` shows a coffee cup;
``mpeg4_part2.mp4`` uses a codec the service refuses. The collection holds other photos of them.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from video_search import VideoSearch, topic_with_queue

from rekmock import mock_rekognition

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
BUCKET, COLLECTION = "lobby-videos", "visitors"
ROLE = "arn:aws:iam::123456789012:role/RekognitionVideoSNS"
SLIDE_MS = 300  # a face entering the frame may be found up to three frames late


def deploy() -> VideoSearch:
    """What the app finds in its account: a bucket with the clips, a collection of known
    visitors (ExternalImageId = their name), the topic and its queue."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    for clip in ("two_people.mp4", "no_face.mp4", "mpeg4_part2.mp4"):
        s3.put_object(Bucket=BUCKET, Key=f"cam1/{clip}", Body=(DATA / clip).read_bytes())
    rekognition = boto3.client("rekognition", region_name="us-east-1")
    rekognition.create_collection(CollectionId=COLLECTION)
    for name, photo in (("obama", "obama2.jpg"), ("biden", "biden.jpg"), ("hopper", "hopper.jpg")):
        rekognition.index_faces(CollectionId=COLLECTION, ExternalImageId=name, MaxFaces=1,
                                Image={"Bytes": (DATA / photo).read_bytes()})
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic, queue = topic_with_queue(boto3.client("sns", region_name="us-east-1"), sqs,
                                    "AmazonRekognitionLobby")
    return VideoSearch(topic, queue, ROLE, rekognition=rekognition, sqs=sqs)


@mock_rekognition
def test_people_in_the_video_are_found_after_the_sns_note() -> None:
    app = deploy()
    job = app.start(BUCKET, "cam1/two_people.mp4", COLLECTION, tag="lobby")
    note = app.wait(job)
    assert (note["JobId"], note["Status"], note["API"], note["JobTag"]) == (
        job, "SUCCEEDED", "FACE_SEARCH", "lobby")
    assert note["Video"] == {"S3ObjectName": "cam1/two_people.mp4", "S3Bucket": BUCKET}

    seen = app.people_seen(job)
    assert sorted(seen) == ["biden", "obama"]  # hopper is in the collection, not in the video
    obama, biden = seen["obama"], seen["biden"]
    assert 500 <= obama.first_ms <= 500 + SLIDE_MS and obama.last_ms < 3500
    assert 1500 <= biden.first_ms <= 1500 + SLIDE_MS and biden.last_ms < 4500
    assert obama.similarity >= 90.0 and biden.similarity >= 90.0


@mock_rekognition
def test_notes_of_several_jobs_reach_the_right_waiter() -> None:
    app = deploy()
    people = app.start(BUCKET, "cam1/two_people.mp4", COLLECTION, tag="people")
    empty = app.start(BUCKET, "cam1/no_face.mp4", COLLECTION, tag="empty")
    assert app.wait(empty)["JobTag"] == "empty"  # reads both notes, keeps the other one
    assert app.wait(people)["JobTag"] == "people"
    assert app.people_seen(empty) == {}
    assert sorted(app.people_seen(people)) == ["biden", "obama"]
    left = app.sqs.receive_message(QueueUrl=app.queue_url).get("Messages", [])
    assert left == []  # every note read was deleted


@mock_rekognition
def test_unreadable_video_fails_the_job() -> None:
    app = deploy()
    job = app.start(BUCKET, "cam1/mpeg4_part2.mp4", COLLECTION, tag="old-camera")
    assert app.wait(job)["Status"] == "FAILED"
    status = app.rekognition.get_face_search(JobId=job)
    assert (status["JobStatus"], status["StatusMessage"]) == (
        "FAILED", "Unsupported codec/format.")


@mock_rekognition
def test_waiting_for_a_job_that_never_reports_times_out() -> None:
    app = deploy()
    with pytest.raises(TimeoutError, match="no completion note for job 0123"):
        app.wait("0123456789abcdef", timeout_s=1)
