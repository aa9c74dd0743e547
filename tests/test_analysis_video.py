"""Stored-video analysis beside the faces, through boto3: person tracking, labels, segments,
content moderation and text, on the shared job machinery (JobId, JobTag, tokens, SNS, holds).

Clips (tests/data/make_clips.py): ``two_people.mp4`` shows Obama from 0.5 s to 3.5 s and Biden
from 1.5 s to 4.5 s; ``shots.mp4`` (10 fps) is Obama for frames 0-9, the coffee cup for 10-19,
black for 20-24 and Biden for 25-34, hard cuts between, with a mono 16 kHz AAC track.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .helpers import DATA, error_code
from .test_video import BIDEN_OUT, OBAMA_IN, SLIDE_MS, pages, sns_to_sqs, upload

CLIP = "two_people.mp4"
SHOTS = "shots.mp4"


def test_person_tracking_follows_people_through_their_faces(client: Any, s3: Any) -> None:
    job = client.start_person_tracking(Video=upload(s3, CLIP), JobTag="people")["JobId"]
    resp = client.get_person_tracking(JobId=job)
    assert resp["JobStatus"] == "SUCCEEDED" and resp["JobTag"] == "people"
    assert resp["VideoMetadata"]["DurationMillis"] == 5000
    persons = resp["Persons"]
    stamps = [p["Timestamp"] for p in persons]
    assert stamps == sorted(stamps)
    assert OBAMA_IN <= stamps[0] <= OBAMA_IN + SLIDE_MS and stamps[-1] < BIDEN_OUT
    at = {p["Timestamp"]: [] for p in persons}
    for p in persons:
        at[p["Timestamp"]].append(p["Person"])
    assert sorted(p["Index"] for p in at[2400]) == [0, 1]  # both in view, two tracks
    assert {p["Index"] for p in at[1000]} == {0} and {p["Index"] for p in at[4000]} == {1}
    for person in persons:
        box, face = person["Person"]["BoundingBox"], person["Person"]["Face"]["BoundingBox"]
        assert box["Height"] > face["Height"] and box["Top"] < face["Top"]
        assert set(person["Person"]["Face"]) == {"BoundingBox", "Landmarks", "Pose", "Quality",
                                                 "Confidence"}
    by_index, count = pages(client.get_person_tracking, "Persons", JobId=job, SortBy="INDEX",
                            MaxResults=5)
    assert [p["Person"]["Index"] for p in by_index] == sorted(p["Person"]["Index"]
                                                               for p in persons)
    assert count == -(-len(persons) // 5)


def test_label_detection_labels_every_sample_with_people(rek: Any, client: Any, s3: Any) -> None:
    video = upload(s3, CLIP)
    rek.set_video_labels(DATA / CLIP, [{"Name": "Studio", "Confidence": 80.0, "Parents": []}],
                         timestamp=1000)
    job = client.start_label_detection(Video=video)["JobId"]
    resp = client.get_label_detection(JobId=job)
    assert resp["LabelModelVersion"] == "3.0"
    assert resp["GetRequestMetadata"] == {"SortBy": "TIMESTAMP", "AggregateBy": "TIMESTAMPS"}
    rows = resp["Labels"]
    people = {r["Timestamp"]: r["Label"] for r in rows if r["Label"]["Name"] == "Person"}
    assert len(people[2400]["Instances"]) == 2 and len(people[1000]["Instances"]) == 1
    assert 200 not in people  # nobody in view yet
    assert [r["Timestamp"] for r in rows if r["Label"]["Name"] == "Studio"] == [1000]
    named, _ = pages(client.get_label_detection, "Labels", JobId=job, SortBy="NAME")
    assert [r["Label"]["Name"] for r in named] == sorted(r["Label"]["Name"] for r in named)
    segments = client.get_label_detection(JobId=job, AggregateBy="SEGMENTS")
    assert segments["GetRequestMetadata"]["AggregateBy"] == "SEGMENTS"
    [person] = [s for s in segments["Labels"] if s["Label"]["Name"] == "Person"]
    assert "Instances" not in person["Label"]
    assert person["StartTimestampMillis"] == min(people) == person["Timestamp"]
    assert person["EndTimestampMillis"] == max(people)
    assert person["DurationMillis"] == max(people) - min(people)
    filtered = client.start_label_detection(Video=video, MinConfidence=90, Settings={
        "GeneralLabels": {"LabelExclusionFilters": ["Head", "Face"]}})["JobId"]
    names = {r["Label"]["Name"] for r in client.get_label_detection(JobId=filtered)["Labels"]}
    assert names == {"Person"}


def test_shot_boundaries_and_black_frames(client: Any, s3: Any) -> None:
    job = client.start_segment_detection(Video=upload(s3, SHOTS),
                                         SegmentTypes=["SHOT", "TECHNICAL_CUE"])["JobId"]
    resp = client.get_segment_detection(JobId=job)
    assert resp["JobStatus"] == "SUCCEEDED"
    assert resp["VideoMetadata"] == [{
        "Codec": "h264", "DurationMillis": 3500, "Format": "QuickTime / MOV", "FrameRate": 10.0,
        "FrameHeight": 480, "FrameWidth": 640, "ColorRange": "LIMITED"}]
    [audio] = resp["AudioMetadata"]
    assert audio["Codec"] == "aac" and audio["SampleRate"] == 16000
    assert audio["NumberOfChannels"] == 1 and 3500 <= audio["DurationMillis"] <= 3700
    assert resp["SelectedSegmentTypes"] == [{"Type": "SHOT", "ModelVersion": "1.0"},
                                            {"Type": "TECHNICAL_CUE", "ModelVersion": "1.0"}]
    shots = [s for s in resp["Segments"] if s["Type"] == "SHOT"]
    assert [(s["StartFrameNumber"], s["EndFrameNumber"]) for s in shots] == [
        (0, 9), (10, 19), (20, 24), (25, 34)]
    assert [s["ShotSegment"]["Index"] for s in shots] == [0, 1, 2, 3]
    third = shots[3]
    assert third["StartTimestampMillis"] == 2500 and third["EndTimestampMillis"] == 3400
    assert third["DurationMillis"] == 900 and third["DurationFrames"] == 9
    assert (third["StartTimecodeSMPTE"], third["EndTimecodeSMPTE"], third["DurationSMPTE"]) == (
        "00:00:02:05", "00:00:03:04", "00:00:00:09")
    assert all(50 <= s["ShotSegment"]["Confidence"] <= 100 for s in shots)
    cues = [(s["TechnicalCueSegment"]["Type"], s["StartFrameNumber"], s["EndFrameNumber"])
            for s in resp["Segments"] if s["Type"] == "TECHNICAL_CUE"]
    assert cues == [("Content", 0, 19), ("BlackFrames", 20, 24), ("Content", 25, 34)]
    assert [s["Type"] for s in resp["Segments"]] == ["SHOT"] * 4 + ["TECHNICAL_CUE"] * 3


def test_segment_filters_and_a_clip_without_cuts(client: Any, s3: Any) -> None:
    strict = client.start_segment_detection(
        Video=upload(s3, SHOTS), SegmentTypes=["SHOT"],
        Filters={"ShotFilter": {"MinSegmentConfidence": 90}})["JobId"]
    kept = client.get_segment_detection(JobId=strict)["Segments"]
    # the Obama/coffee cut shares the grey background: a weaker cut, under 90
    assert [s["StartFrameNumber"] for s in kept] == [20, 25]
    # the black frames decode to 99.6% pure black pixels: not black enough for 99.9%
    nothing_black = client.start_segment_detection(
        Video=upload(s3, SHOTS), SegmentTypes=["TECHNICAL_CUE"],
        Filters={"TechnicalCueFilter": {"BlackFrame": {"MaxPixelThreshold": 0.0,
                                                       "MinCoveragePercentage": 99.9}}})["JobId"]
    cues = client.get_segment_detection(JobId=nothing_black)["Segments"]
    assert [(s["TechnicalCueSegment"]["Type"], s["StartFrameNumber"], s["EndFrameNumber"])
            for s in cues] == [("Content", 0, 34)]
    one = client.start_segment_detection(Video=upload(s3, CLIP), SegmentTypes=["SHOT"])["JobId"]
    resp = client.get_segment_detection(JobId=one)
    assert [(s["StartFrameNumber"], s["EndFrameNumber"]) for s in resp["Segments"]] == [(0, 49)]
    assert resp["AudioMetadata"] == []


def test_content_moderation_and_text_in_video_only_when_scripted(rek: Any, client: Any,
                                                                 s3: Any) -> None:
    video = upload(s3, CLIP)
    job = client.start_content_moderation(Video=video)["JobId"]
    resp = client.get_content_moderation(JobId=job)
    assert resp["ModerationLabels"] == [] and resp["ModerationModelVersion"] == "7.0"
    label = {"Confidence": 91.0, "Name": "Smoking", "ParentName": "Drugs & Tobacco",
             "TaxonomyLevel": 2}
    rek.set_video_moderation_labels(DATA / CLIP, [label])  # every sampled frame
    rek.set_video_moderation_labels(DATA / CLIP, [{**label, "Confidence": 40.0}], timestamp=600)
    job = client.start_content_moderation(Video=video, MinConfidence=50)["JobId"]
    rows = client.get_content_moderation(JobId=job)["ModerationLabels"]
    stamps = [r["Timestamp"] for r in rows]
    assert 0 in stamps and 600 not in stamps and len(stamps) == 24  # 25 samples, one too weak
    segments = client.get_content_moderation(JobId=job, AggregateBy="SEGMENTS")
    runs = [(s["StartTimestampMillis"], s["EndTimestampMillis"])
            for s in segments["ModerationLabels"]]
    assert runs == [(0, 400), (800, 4800)]
    text = {"DetectedText": "EXIT", "Type": "LINE", "Id": 0, "Confidence": 98.0}
    rek.set_video_text(DATA / CLIP, [text], timestamp=2000)
    job = client.start_text_detection(Video=video)["JobId"]
    got = client.get_text_detection(JobId=job)
    assert got["TextModelVersion"] == "3.0"
    assert got["TextDetections"] == [{"Timestamp": 2000, "TextDetection": text}]


def test_jobs_share_the_machinery(rek: Any, client: Any, s3: Any) -> None:
    sqs, topic, queue = sns_to_sqs()
    channel = {"SNSTopicArn": topic, "RoleArn": "arn:aws:iam::123456789012:role/rek"}
    video = upload(s3, CLIP)
    started = {
        "PERSON_TRACKING": client.start_person_tracking(Video=video, NotificationChannel=channel),
        "LABEL_DETECTION": client.start_label_detection(Video=video, NotificationChannel=channel),
        "SEGMENT_DETECTION": client.start_segment_detection(
            Video=video, SegmentTypes=["SHOT"], NotificationChannel=channel),
        "CONTENT_MODERATION": client.start_content_moderation(Video=video,
                                                              NotificationChannel=channel),
        "TEXT_DETECTION": client.start_text_detection(Video=video, NotificationChannel=channel),
    }
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    notes = [json.loads(json.loads(m["Body"])["Message"]) for m in messages]
    assert {n["API"]: n["JobId"] for n in notes} == {k: v["JobId"] for k, v in started.items()}
    assert all(n["Status"] == "SUCCEEDED" for n in notes)
    # a JobId of another API is not found
    with pytest.raises(ClientError) as exc:
        client.get_label_detection(JobId=started["PERSON_TRACKING"]["JobId"])
    assert error_code(exc) == "ResourceNotFoundException"
    token = client.start_segment_detection(Video=video, SegmentTypes=["SHOT"],
                                           ClientRequestToken="tok-1")["JobId"]
    again = client.start_segment_detection(Video=video, SegmentTypes=["SHOT"],
                                           ClientRequestToken="tok-1")["JobId"]
    assert again == token
    with pytest.raises(ClientError) as exc:
        client.start_segment_detection(Video=video, SegmentTypes=["TECHNICAL_CUE"],
                                       ClientRequestToken="tok-1")
    assert error_code(exc) == "IdempotentParameterMismatchException"
    rek.hold_video_jobs(1)
    held = client.start_person_tracking(Video=video)["JobId"]
    assert client.get_person_tracking(JobId=held)["JobStatus"] == "IN_PROGRESS"
    assert client.get_person_tracking(JobId=held)["JobStatus"] == "SUCCEEDED"


def test_unsupported_or_missing_video_fails_the_job(client: Any, s3: Any) -> None:
    job = client.start_segment_detection(Video=upload(s3, "mpeg4_part2.mp4"),
                                         SegmentTypes=["SHOT"])["JobId"]
    resp = client.get_segment_detection(JobId=job)
    assert resp["JobStatus"] == "FAILED" and resp["StatusMessage"] == "Unsupported codec/format."
    assert "Segments" not in resp
    job = client.start_label_detection(
        Video={"S3Object": {"Bucket": "videos", "Name": "nope.mp4"}})["JobId"]
    resp = client.get_label_detection(JobId=job)
    assert resp["JobStatus"] == "FAILED" and resp["StatusMessage"].startswith("Unable to get")
    with pytest.raises(ClientError) as exc:
        client.get_person_tracking(JobId=job, NextToken="junk")
    assert error_code(exc) == "ResourceNotFoundException"


def test_bad_requests_get_the_services_errors(raw_client: Any, s3: Any) -> None:
    video = upload(s3, SHOTS)
    with pytest.raises(ClientError) as exc:
        raw_client.start_segment_detection(Video=video, SegmentTypes=[])
    assert error_code(exc) == "ValidationException"
    assert "segmentTypes" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        raw_client.start_segment_detection(Video=video, SegmentTypes=["SHOT"], Filters={
            "ShotFilter": {"MinSegmentConfidence": 20}})
    assert error_code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        raw_client.get_content_moderation(JobId="x" * 65)
    assert error_code(exc) == "ValidationException"
