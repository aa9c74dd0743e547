"""Faces in stored video: detection, search, celebrities, jobs, pagination and SNS, through boto3.

The clips (tests/data/make_clips.py): in ``two_people.mp4`` Obama is in view from 0.5 s to
3.5 s and Biden from 1.5 s to 4.5 s, each sliding in over three frames; ``no_face.mp4`` shows a
coffee cup; ``mpeg4_part2.mp4`` is not H.264.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .helpers import DATA, error_code, index_photos, photo

BUCKET = "videos"
CLIP = "two_people.mp4"
OBAMA_IN, OBAMA_OUT = 500, 3500  # ms, from make_clips.py
BIDEN_IN, BIDEN_OUT = 1500, 4500
SLIDE_MS = 300  # three frames at 10 fps: a face may be found a little after it starts to enter


def upload(s3: Any, name: str, key: str | None = None) -> dict[str, Any]:
    if BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=key or name, Body=photo(name))
    return {"S3Object": {"Bucket": BUCKET, "Name": key or name}}


def pages(call: Any, member: str, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item of a paginated Get, and how many pages it took."""
    items, token, count = [], None, 0
    while True:
        resp = call(**kwargs, **({"NextToken": token} if token else {}))
        assert resp["JobStatus"] == "SUCCEEDED"
        items += resp[member]
        count += 1
        token = resp.get("NextToken")
        if not token:
            return items, count


def test_face_detection_finds_faces_when_people_are_in_view(client: Any, s3: Any) -> None:
    job = client.start_face_detection(Video=upload(s3, CLIP), JobTag="clip-1")["JobId"]
    resp = client.get_face_detection(JobId=job)
    assert resp["JobStatus"] == "SUCCEEDED"
    assert resp["JobId"] == job and resp["JobTag"] == "clip-1"
    assert resp["Video"] == {"S3Object": {"Bucket": BUCKET, "Name": CLIP}}
    assert resp["VideoMetadata"] == {
        "Codec": "h264", "DurationMillis": 5000, "Format": "QuickTime / MOV",
        "FrameRate": 10.0, "FrameHeight": 480, "FrameWidth": 640, "ColorRange": "LIMITED",
    }
    faces = resp["Faces"]
    stamps = [f["Timestamp"] for f in faces]
    assert stamps == sorted(stamps)
    assert all(s % 200 == 0 for s in stamps)  # one sampled frame every 200 ms
    assert OBAMA_IN <= stamps[0] <= OBAMA_IN + SLIDE_MS
    assert BIDEN_OUT - 200 <= stamps[-1] < BIDEN_OUT
    per_frame = {s: stamps.count(s) for s in stamps}
    assert per_frame[2400] == 2 and per_frame[1000] == 1 and per_frame[4000] == 1
    assert set(faces[0]["Face"]) == {"BoundingBox", "Landmarks", "Pose", "Quality", "Confidence"}


def test_face_attributes_all_adds_attributes_but_not_occlusion_or_eye_direction(
    client: Any, s3: Any
) -> None:
    job = client.start_face_detection(Video=upload(s3, CLIP), FaceAttributes="ALL")["JobId"]
    face = client.get_face_detection(JobId=job)["Faces"][0]["Face"]
    assert {"AgeRange", "Gender", "Emotions", "Smile"} <= set(face)
    assert not {"FaceOccluded", "EyeDirection"} & set(face)
    assert len(face["Landmarks"]) > 5


def test_pages_concatenate_to_the_whole_result(client: Any, s3: Any) -> None:
    job = client.start_face_detection(Video=upload(s3, CLIP))["JobId"]
    whole = client.get_face_detection(JobId=job)
    assert "NextToken" not in whole
    items, count = pages(client.get_face_detection, "Faces", JobId=job, MaxResults=7)
    assert items == whole["Faces"]
    assert count == -(-len(items) // 7)


def test_bad_token_is_refused(client: Any, s3: Any) -> None:
    job = client.start_face_detection(Video=upload(s3, CLIP))["JobId"]
    with pytest.raises(ClientError) as exc:
        client.get_face_detection(JobId=job, NextToken="not-a-token")
    assert error_code(exc) == "InvalidPaginationTokenException"


def test_video_without_faces_succeeds_with_no_faces(client: Any, s3: Any) -> None:
    job = client.start_face_detection(Video=upload(s3, "no_face.mp4"))["JobId"]
    resp = client.get_face_detection(JobId=job)
    assert resp["JobStatus"] == "SUCCEEDED" and resp["Faces"] == []
    assert resp["VideoMetadata"]["DurationMillis"] == 2000


@pytest.mark.parametrize("name", ["mpeg4_part2.mp4", "obama.jpg"])
def test_unsupported_video_fails_the_job(client: Any, s3: Any, name: str) -> None:
    job = client.start_face_detection(Video=upload(s3, name))["JobId"]
    resp = client.get_face_detection(JobId=job)
    assert resp["JobStatus"] == "FAILED"
    assert resp["StatusMessage"] == "Unsupported codec/format."
    assert "Faces" not in resp


def test_missing_object_fails_the_job(client: Any, s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    for name, bucket in (("nope.mp4", BUCKET), ("clip.mp4", "no-such-bucket")):
        job = client.start_face_detection(Video={"S3Object": {"Bucket": bucket, "Name": name}})
        resp = client.get_face_detection(JobId=job["JobId"])
        assert resp["JobStatus"] == "FAILED"
        assert resp["StatusMessage"] == (
            "Unable to get object metadata from S3. Check object key, region and/or access "
            "permissions."
        )
        assert "Faces" not in resp


def test_unknown_job_is_not_found(client: Any, s3: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.get_face_detection(JobId="a" * 64)
    assert error_code(exc) == "ResourceNotFoundException"
    job = client.start_face_detection(Video=upload(s3, "no_face.mp4"))["JobId"]
    with pytest.raises(ClientError) as exc:  # a face detection job is no face search job
        client.get_face_search(JobId=job)
    assert error_code(exc) == "ResourceNotFoundException"


def test_client_request_token_returns_the_same_job(client: Any, s3: Any) -> None:
    video = upload(s3, "no_face.mp4")
    first = client.start_face_detection(Video=video, ClientRequestToken="tok-1")["JobId"]
    again = client.start_face_detection(Video=video, ClientRequestToken="tok-1")["JobId"]
    other = client.start_face_detection(Video=video, ClientRequestToken="tok-2")["JobId"]
    assert first == again != other
    with pytest.raises(ClientError) as exc:
        client.start_face_detection(Video=video, ClientRequestToken="tok-1", JobTag="changed")
    assert error_code(exc) == "IdempotentParameterMismatchException"


def test_a_held_job_stays_in_progress_for_the_polls_asked(rek: Any, client: Any, s3: Any) -> None:
    rek.hold_video_jobs(2)
    job = client.start_face_detection(Video=upload(s3, "no_face.mp4"))["JobId"]
    statuses = [client.get_face_detection(JobId=job)["JobStatus"] for _ in range(3)]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]


def test_scripted_fields_apply_to_video_faces(rek: Any, client: Any, s3: Any) -> None:
    rek.set_video_face(DATA / CLIP, Confidence=42.5)
    rek.set_video_face(DATA / CLIP, timestamp=2400, face=1, Confidence=12.5)
    job = client.start_face_detection(Video=upload(s3, CLIP))["JobId"]
    faces = client.get_face_detection(JobId=job)["Faces"]
    by_time: dict[int, list[float]] = {}
    for f in faces:  # within a frame, largest face first
        by_time.setdefault(f["Timestamp"], []).append(f["Face"]["Confidence"])
    assert by_time[2400] == [42.5, 12.5]
    assert all(c[0] == 42.5 for c in by_time.values())
    assert all(c[1] != 42.5 for t, c in by_time.items() if len(c) > 1 and t != 2400)


def sns_to_sqs() -> tuple[Any, str, str]:
    """An SNS topic with an SQS queue subscribed, as a Rekognition app sets them up."""
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="AmazonRekognitionJobs")["TopicArn"]
    queue = sqs.create_queue(QueueName="rekognition-jobs")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return sqs, topic, queue


def test_face_search_end_to_end_with_sns_and_sqs(client: Any, s3: Any) -> None:
    ids = index_photos(client, ("obama2.jpg", "biden.jpg", "hopper.jpg"), collection="people")
    sqs, topic, queue = sns_to_sqs()
    video = upload(s3, CLIP, key="lobby/cam1.mp4")
    job = client.start_face_search(
        Video=video, CollectionId="people", JobTag="lobby",
        NotificationChannel={"SNSTopicArn": topic,
                             "RoleArn": "arn:aws:iam::123456789012:role/RekognitionSNS"},
    )["JobId"]

    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    note = json.loads(json.loads(messages[0]["Body"])["Message"])
    assert note["JobId"] == job and note["Status"] == "SUCCEEDED"
    assert note["API"] == "FACE_SEARCH" and note["JobTag"] == "lobby"
    assert note["Video"] == {"S3ObjectName": "lobby/cam1.mp4", "S3Bucket": BUCKET}
    assert isinstance(note["Timestamp"], int)

    persons, count = pages(client.get_face_search, "Persons", JobId=job, MaxResults=10)
    assert count > 1
    stamps = [p["Timestamp"] for p in persons]
    assert stamps == sorted(stamps)
    seen: dict[int, set[str]] = {}
    for p in persons:
        assert p["FaceMatches"], "both people are in the collection"
        best = p["FaceMatches"][0]
        assert best["Similarity"] >= 80.0
        seen.setdefault(p["Person"]["Index"], set()).add(best["Face"]["FaceId"])
    # Obama enters first and keeps index 0 while in view; Biden is person 1.
    assert seen == {0: {ids["obama2.jpg"]}, 1: {ids["biden.jpg"]}}
    obama = [p["Timestamp"] for p in persons if p["Person"]["Index"] == 0]
    assert obama[0] >= OBAMA_IN and obama[-1] < OBAMA_OUT

    by_index, _ = pages(client.get_face_search, "Persons", JobId=job, SortBy="INDEX")
    assert [p["Person"]["Index"] for p in by_index] == sorted(
        p["Person"]["Index"] for p in persons)


def test_face_search_lists_people_who_match_nobody(client: Any, s3: Any) -> None:
    """Every person the video shows is listed; one whose face matches nothing in the collection
    has ``FaceMatches: []`` (aws-cli's get-face-search example: Person 0 unmatched at 467 ms,
    Person 1 matched at 967 ms)."""
    ids = index_photos(client, ("obama2.jpg",), collection="obama")
    job = client.start_face_search(Video=upload(s3, CLIP), CollectionId="obama")["JobId"]
    persons, _ = pages(client.get_face_search, "Persons", JobId=job)
    matched = {p["Person"]["Index"] for p in persons if p["FaceMatches"]}
    unmatched = {p["Person"]["Index"] for p in persons if not p["FaceMatches"]}
    assert matched == {0} and unmatched == {1}  # Obama is person 0, Biden person 1
    assert {m["Face"]["FaceId"] for p in persons for m in p["FaceMatches"]} == {ids["obama2.jpg"]}
    biden = [p for p in persons if p["Person"]["Index"] == 1]
    assert all(p["FaceMatches"] == [] and p["Person"]["Face"]["Confidence"] > 90 for p in biden)
    assert biden[0]["Timestamp"] >= BIDEN_IN and biden[-1]["Timestamp"] < BIDEN_OUT


def test_face_search_threshold_and_missing_collection(client: Any, s3: Any) -> None:
    index_photos(client, ("hopper.jpg",), collection="strangers")
    video = upload(s3, CLIP)
    job = client.start_face_search(Video=video, CollectionId="strangers")["JobId"]
    persons = client.get_face_search(JobId=job)["Persons"]
    assert persons and all(p["FaceMatches"] == [] for p in persons)
    assert {p["Person"]["Index"] for p in persons} == {0, 1}
    with pytest.raises(ClientError) as exc:
        client.start_face_search(Video=video, CollectionId="nope")
    assert error_code(exc) == "ResourceNotFoundException"


def test_scripted_person_matches_in_face_search(rek: Any, client: Any, s3: Any) -> None:
    ids = index_photos(client, ("hopper.jpg",), collection="scripted")
    rek.video_person_is(DATA / CLIP, DATA / "hopper.jpg", similarity=91.0)  # face 0 everywhere
    job = client.start_face_search(Video=upload(s3, CLIP), CollectionId="scripted")["JobId"]
    persons = client.get_face_search(JobId=job)["Persons"]
    assert persons
    assert {m["Face"]["FaceId"] for p in persons for m in p["FaceMatches"]} == {ids["hopper.jpg"]}
    assert {m["Similarity"] for p in persons for m in p["FaceMatches"]} == {91.0}


def test_celebrity_recognition_names_registered_celebrities(rek: Any, client: Any, s3: Any) -> None:
    obama = rek.add_celebrity("Barack Obama", photos=[DATA / "obama2.jpg"],
                              urls=["www.wikidata.org/wiki/Q76"], known_gender="Male")
    job = client.start_celebrity_recognition(Video=upload(s3, CLIP))["JobId"]
    resp = client.get_celebrity_recognition(JobId=job)
    found = resp["Celebrities"]
    assert found and {c["Celebrity"]["Id"] for c in found} == {obama}
    first = found[0]
    assert first["Timestamp"] >= OBAMA_IN and found[-1]["Timestamp"] < OBAMA_OUT
    assert first["Celebrity"]["Name"] == "Barack Obama"
    assert first["Celebrity"]["KnownGender"] == {"Type": "Male"}
    assert first["Celebrity"]["Confidence"] >= 80.0
    assert first["Celebrity"]["BoundingBox"] == first["Celebrity"]["Face"]["BoundingBox"]


def test_celebrity_sort_by_id(rek: Any, client: Any, s3: Any) -> None:
    obama = rek.add_celebrity("Barack Obama", photos=[DATA / "obama2.jpg"])
    biden = rek.add_celebrity("Joe Biden", photos=[DATA / "biden.jpg"])
    job = client.start_celebrity_recognition(Video=upload(s3, CLIP))["JobId"]
    found = client.get_celebrity_recognition(JobId=job, SortBy="ID")["Celebrities"]
    ids = [c["Celebrity"]["Id"] for c in found]
    assert set(ids) == {obama, biden} and ids == sorted(ids)


def test_video_version_picks_the_object_version(client: Any, s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=BUCKET, Key="v.mp4", Body=photo("no_face.mp4"))["VersionId"]
    s3.put_object(Bucket=BUCKET, Key="v.mp4", Body=photo(CLIP))
    video = {"S3Object": {"Bucket": BUCKET, "Name": "v.mp4", "Version": first}}
    job = client.start_face_detection(Video=video)["JobId"]
    resp = client.get_face_detection(JobId=job)
    assert resp["Faces"] == [] and resp["Video"] == video
    latest = client.start_face_detection(Video={"S3Object": {"Bucket": BUCKET, "Name": "v.mp4"}})
    assert client.get_face_detection(JobId=latest["JobId"])["Faces"]


def test_held_or_failed_jobs_notify_when_they_turn_final(rek: Any, client: Any, s3: Any) -> None:
    sqs, topic, queue = sns_to_sqs()
    channel = {"SNSTopicArn": topic, "RoleArn": "arn:aws:iam::123456789012:role/Rek"}

    def notes() -> list[dict[str, Any]]:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        for m in got:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        return [json.loads(json.loads(m["Body"])["Message"]) for m in got]

    rek.hold_video_jobs(1)
    job = client.start_face_detection(Video=upload(s3, "mpeg4_part2.mp4"),
                                      NotificationChannel=channel)["JobId"]
    assert notes() == []
    assert client.get_face_detection(JobId=job)["JobStatus"] == "IN_PROGRESS"
    assert notes() == []
    assert client.get_face_detection(JobId=job)["JobStatus"] == "FAILED"
    [note] = notes()
    assert note["JobId"] == job and note["Status"] == "FAILED"
    assert note["API"] == "FACE_DETECTION"
    client.get_face_detection(JobId=job)
    assert notes() == []  # one message per job


def test_scripted_celebrity_in_video(rek: Any, client: Any, s3: Any) -> None:
    hopper = rek.add_celebrity("Grace Hopper", photos=[DATA / "hopper.jpg"])
    rek.set_video_celebrity(DATA / CLIP, hopper, timestamp=3000, face=1, match_confidence=88.0)
    job = client.start_celebrity_recognition(Video=upload(s3, CLIP))["JobId"]
    found = client.get_celebrity_recognition(JobId=job)["Celebrities"]
    assert [(c["Timestamp"], c["Celebrity"]["Id"], c["Celebrity"]["Confidence"])
            for c in found] == [(3000, hopper, 88.0)]
