"""The upload handler under rekmock, fed the S3 put events that moto's S3 itself sends (through a
bucket notification to SQS) for photos put in its buckets. The blurred and the small photo are
made here from a test photo; the mock measures their sharpness and face size from the pixels."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import Image, ImageFilter
from upload_handler import handler

PHOTOS = Path(__file__).resolve().parents[2] / "tests" / "data"
UPLOADS, RESULTS, COLLECTION = "profile-uploads", "profile-results", "profiles"


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def obama() -> Image.Image:
    return Image.open(PHOTOS / "obama.jpg").convert("RGB")


@pytest.fixture
def upload(
    monkeypatch: pytest.MonkeyPatch, rekognition_client: Any, s3_client: Any
) -> Any:
    """Buckets, collection and the function's environment as deployed; returns
    ``upload(key, body) -> event``: the S3 event that putting ``body`` at ``key`` produces."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("COLLECTION_ID", COLLECTION)
    monkeypatch.setenv("RESULTS_BUCKET", RESULTS)
    rekognition_client.create_collection(CollectionId=COLLECTION)
    s3_client.create_bucket(Bucket=UPLOADS)
    s3_client.create_bucket(Bucket=RESULTS)
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="upload-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    s3_client.put_bucket_notification_configuration(Bucket=UPLOADS, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]})

    def put(key: str, body: bytes) -> dict[str, Any]:
        s3_client.put_object(Bucket=UPLOADS, Key=key, Body=body)
        while True:
            message = sqs.receive_message(QueueUrl=queue)["Messages"][0]
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            event: dict[str, Any] = json.loads(message["Body"])
            if "Records" in event:  # skip the s3:TestEvent sent when notifications are set
                return event

    return put


def stored_result(s3_client: Any, key: str) -> Any:
    return json.loads(s3_client.get_object(Bucket=RESULTS, Key=f"{key}.json")["Body"].read())


def test_clear_face_is_indexed(upload: Any, rekognition_client: Any, s3_client: Any) -> None:
    event = upload("new hires/jane doe.jpg", (PHOTOS / "obama.jpg").read_bytes())
    (result,) = handler(event, None)["results"]
    assert result["status"] == "ACCEPTED" and result["key"] == "new hires/jane doe.jpg"
    assert 0.2 < result["boundingBox"]["Width"] < 0.8
    faces = rekognition_client.list_faces(CollectionId=COLLECTION)["Faces"]
    assert [(f["FaceId"], f["ExternalImageId"]) for f in faces] == [
        (result["faceId"], "new_hires_jane_doe.jpg")]
    assert stored_result(s3_client, "new hires/jane doe.jpg") == result


def test_photo_without_a_face_is_rejected(
    upload: Any, rekognition_client: Any, s3_client: Any
) -> None:
    (result,) = handler(upload("coffee.jpg", (PHOTOS / "coffee.jpg").read_bytes()),
                        None)["results"]
    assert (result["status"], result["reasons"]) == ("REJECTED", ["NO_FACE"])
    assert rekognition_client.list_faces(CollectionId=COLLECTION)["Faces"] == []
    assert stored_result(s3_client, "coffee.jpg") == result


def test_blurred_photo_is_rejected_as_not_sharp(upload: Any, rekognition_client: Any) -> None:
    blurred = jpeg(obama().filter(ImageFilter.GaussianBlur(8)))
    (result,) = handler(upload("blurred.jpg", blurred), None)["results"]
    assert result["status"] == "REJECTED" and "LOW_SHARPNESS" in result["reasons"]
    assert rekognition_client.list_faces(CollectionId=COLLECTION)["Faces"] == []


def test_far_away_face_is_rejected_as_too_small(upload: Any) -> None:
    """A 640x480 photo with a face about 25 px wide: found, but too small to index at HIGH."""
    canvas = Image.new("RGB", (640, 480), "white")
    canvas.paste(obama().resize((100, 125)), (270, 170))
    (result,) = handler(upload("far-away.jpg", jpeg(canvas)), None)["results"]
    assert result["status"] == "REJECTED" and "SMALL_BOUNDING_BOX" in result["reasons"]


def test_group_photo_is_rejected(upload: Any, rekognition_client: Any) -> None:
    people = [obama(), Image.open(PHOTOS / "biden.jpg").convert("RGB")]
    group = Image.new("RGB", (sum(p.width for p in people), max(p.height for p in people)))
    group.paste(people[0], (0, 0))
    group.paste(people[1], (people[0].width, 0))
    (result,) = handler(upload("team.jpg", jpeg(group)), None)["results"]
    assert (result["status"], result["reasons"]) == ("REJECTED", ["EXCEEDS_MAX_FACES"])
    assert rekognition_client.list_faces(CollectionId=COLLECTION)["Faces"] == []
