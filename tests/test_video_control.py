"""Stored video and Face Liveness scripted through the control API of ``rekmock serve``, as a
test in another process or language would script them."""

from __future__ import annotations

import pytest

from rekmock.control import Client, ControlError
from tests.test_server import ServerProcess, client, module_server, server, unique  # noqa: F401

from .helpers import DATA, photo


def test_control_liveness_flow(server: ServerProcess) -> None:  # noqa: F811
    rek, ctl = client(server), Client(server.url)
    session = rek.create_face_liveness_session(Settings={"AuditImagesLimit": 1})["SessionId"]
    ctl.complete_liveness(session, confidence=96.0, reference_image=DATA / "obama.jpg",
                          audit_images=[photo("obama.jpg")])
    got = rek.get_face_liveness_session_results(SessionId=session)
    assert got["Status"] == "SUCCEEDED" and got["Confidence"] == 96.0
    assert len(got["AuditImages"]) == 1
    match = rek.compare_faces(SourceImage={"Bytes": got["ReferenceImage"]["Bytes"]},
                              TargetImage={"Bytes": photo("obama2.jpg")})
    assert match["FaceMatches"]
    ctl.age_liveness_session(session, 180)
    assert rek.get_face_liveness_session_results(SessionId=session)["Status"] == "EXPIRED"
    with pytest.raises(ControlError) as exc:
        ctl.complete_liveness("no-such-session")
    assert exc.value.status == 400


def test_control_video_scripts_and_held_jobs(server: ServerProcess) -> None:  # noqa: F811
    rek, s3, ctl = client(server), client(server, "s3"), Client(server.url)
    bucket = unique("videos")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="clip.mp4", Body=photo("two_people.mp4"))
    video = {"S3Object": {"Bucket": bucket, "Name": "clip.mp4"}}
    ctl.set_video_face({"Bucket": bucket, "Name": "clip.mp4"}, timestamp=2400, Confidence=33.0)
    ctl.hold_video_jobs(1)
    job = rek.start_face_detection(Video=video)["JobId"]
    assert rek.get_face_detection(JobId=job)["JobStatus"] == "IN_PROGRESS"
    faces = rek.get_face_detection(JobId=job)["Faces"]
    assert [f["Face"]["Confidence"] for f in faces if f["Timestamp"] == 2400][0] == 33.0
