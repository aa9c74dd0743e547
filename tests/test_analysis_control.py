"""Labels, moderation, text and PPE scripted through the control API of ``rekmock serve``, as a
test in another process or language would script them; bad bodies get one clear 400."""

from __future__ import annotations

import json

import pytest

from rekmock.control import Client, ControlError
from rekmock.server.control_api import handle
from tests.test_server import ServerProcess, client, module_server, server, unique  # noqa: F401

from .helpers import DATA, photo

MASK = {"Type": "FACE_COVER", "Confidence": 98.0,
        "CoversBodyPart": {"Value": True, "Confidence": 97.0}}


def test_control_scripts_image_analysis(server: ServerProcess) -> None:  # noqa: F811
    rek, ctl = client(server), Client(server.url)
    coffee = {"Bytes": photo("coffee.jpg")}
    ctl.set_labels(DATA / "coffee.jpg", [{"Name": "Cup", "Confidence": 90.0}])
    assert [lb["Name"] for lb in rek.detect_labels(Image=coffee)["Labels"]] == ["Cup"]
    ctl.set_moderation_labels(DATA / "coffee.jpg", [{"Name": "Violence", "Confidence": 80.0}],
                              content_types=[{"Name": "Animated", "Confidence": 70.0}])
    got = rek.detect_moderation_labels(Image=coffee)
    assert [m["Name"] for m in got["ModerationLabels"]] == ["Violence"]
    assert got["ContentTypes"] == [{"Name": "Animated", "Confidence": 70.0}]
    ctl.set_text(DATA / "coffee.jpg", [{"DetectedText": "CAFE", "Type": "LINE", "Id": 0}])
    assert rek.detect_text(Image=coffee)["TextDetections"][0]["DetectedText"] == "CAFE"
    ctl.set_protective_equipment(DATA / "obama.jpg", [{"Id": 0, "BodyParts": [
        {"Name": "FACE", "Confidence": 99.0, "EquipmentDetections": [MASK]}]}])
    summary = rek.detect_protective_equipment(
        Image={"Bytes": photo("obama.jpg")},
        SummarizationAttributes={"MinConfidence": 80, "RequiredEquipmentTypes": ["FACE_COVER"]},
    )["Summary"]
    assert summary["PersonsWithRequiredEquipment"] == [0]
    with pytest.raises(ControlError) as exc:
        ctl.set_labels(DATA / "coffee.jpg", [{"Name": "Cup", "Confidence": 300.0}])
    assert exc.value.status == 400 and "labels[0].Confidence" in exc.value.message


def test_control_scripts_video_analysis(server: ServerProcess) -> None:  # noqa: F811
    rek, s3, ctl = client(server), client(server, "s3"), Client(server.url)
    bucket = unique("videos")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="clip.mp4", Body=photo("two_people.mp4"))
    video = {"S3Object": {"Bucket": bucket, "Name": "clip.mp4"}}
    where = {"Bucket": bucket, "Name": "clip.mp4"}
    ctl.set_video_labels(where, [{"Name": "Studio", "Confidence": 88.0}], timestamp=1000)
    ctl.set_video_moderation_labels(DATA / "two_people.mp4",
                                    [{"Name": "Smoking", "Confidence": 75.0}], timestamp=400)
    ctl.set_video_text(where, [{"DetectedText": "EXIT", "Type": "LINE", "Id": 0}],
                       timestamp=2000)
    labels = rek.get_label_detection(JobId=rek.start_label_detection(Video=video)["JobId"])
    assert [r["Timestamp"] for r in labels["Labels"] if r["Label"]["Name"] == "Studio"] == [1000]
    moderation = rek.get_content_moderation(
        JobId=rek.start_content_moderation(Video=video)["JobId"])["ModerationLabels"]
    assert [(r["Timestamp"], r["ModerationLabel"]["Name"]) for r in moderation] == [
        (400, "Smoking")]
    text = rek.get_text_detection(JobId=rek.start_text_detection(Video=video)["JobId"])
    assert [r["Timestamp"] for r in text["TextDetections"]] == [2000]
    with pytest.raises(ControlError) as exc:
        ctl.set_video_text({"Bucket": bucket, "Name": "missing.mp4"}, [])
    assert exc.value.status == 400 and "no object" in exc.value.message


@pytest.mark.parametrize(("endpoint", "body", "message"), [
    ("set-labels", {"image": "aGk="}, "missing field(s): labels"),
    ("set-labels", {"image": "aGk=", "labels": {"Name": "x"}}, "labels must be a list of objects"),
    ("set-video-text", {"video": "aGk=", "detections": [], "timestamp": -5},
     "timestamp must be a non-negative integer"),
    ("set-moderation-labels", {"image": "aGk=", "labels": [], "colour": 1},
     "unknown field(s): colour"),
])
def test_bad_analysis_bodies(endpoint: str, body: object, message: str) -> None:
    status, doc = handle("POST", f"/rekmock-api/{endpoint}", json.dumps(body).encode(), {})
    assert status == 400 and str(doc["message"]).startswith(message), doc
