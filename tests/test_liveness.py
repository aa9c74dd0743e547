"""Face Liveness sessions through boto3, with the outcome scripted as the user's browser would
produce it, and the identity-verification flow built on them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .helpers import DATA, error_code, photo


def test_new_session_is_created_and_unknown_session_is_not_found(client: Any) -> None:
    session = client.create_face_liveness_session()["SessionId"]
    resp = client.get_face_liveness_session_results(SessionId=session)
    assert resp == {"SessionId": session, "Status": "CREATED",
                    "ResponseMetadata": resp["ResponseMetadata"]}
    with pytest.raises(ClientError) as exc:
        client.get_face_liveness_session_results(SessionId="0" * 8 + "-0000-0000-0000-" + "0" * 12)
    assert error_code(exc) == "SessionNotFoundException"


def test_client_request_token_returns_the_same_session(client: Any) -> None:
    first = client.create_face_liveness_session(ClientRequestToken="verify-1")["SessionId"]
    again = client.create_face_liveness_session(ClientRequestToken="verify-1")["SessionId"]
    other = client.create_face_liveness_session(ClientRequestToken="verify-2")["SessionId"]
    assert first == again != other


def test_identity_verification_flow(rek: Any, client: Any) -> None:
    """Create a session, the user completes it, the app compares the reference image with the
    photo on their ID document."""
    session = client.create_face_liveness_session(
        Settings={"AuditImagesLimit": 2})["SessionId"]
    rek.complete_liveness(session, confidence=97.5, reference_image=DATA / "obama.jpg",
                          audit_images=[DATA / "obama.jpg"] * 3)
    resp = client.get_face_liveness_session_results(SessionId=session)
    assert resp["Status"] == "SUCCEEDED" and resp["Confidence"] == 97.5
    reference = resp["ReferenceImage"]
    assert reference["Bytes"] == photo("obama.jpg")
    box = reference["BoundingBox"]
    assert 0.0 < box["Width"] < 1.0 and 0.0 < box["Height"] < 1.0
    assert len(resp["AuditImages"]) == 2  # AuditImagesLimit

    same = client.compare_faces(SourceImage={"Bytes": reference["Bytes"]},
                                TargetImage={"Bytes": photo("obama2.jpg")})
    assert same["FaceMatches"] and same["FaceMatches"][0]["Similarity"] >= 80.0
    other = client.compare_faces(SourceImage={"Bytes": reference["Bytes"]},
                                 TargetImage={"Bytes": photo("biden.jpg")})
    assert other["FaceMatches"] == []


def test_spoof_is_a_low_confidence_and_failure_has_no_images(rek: Any, client: Any) -> None:
    spoof = client.create_face_liveness_session()["SessionId"]
    rek.complete_liveness(spoof, confidence=3.0, reference_image=DATA / "biden.jpg")
    resp = client.get_face_liveness_session_results(SessionId=spoof)
    assert resp["Status"] == "SUCCEEDED" and resp["Confidence"] == 3.0
    assert resp["AuditImages"] == []  # AuditImagesLimit defaults to 0
    failed = client.create_face_liveness_session()["SessionId"]
    rek.complete_liveness(failed, status="FAILED")
    resp = client.get_face_liveness_session_results(SessionId=failed)
    assert resp["Status"] == "FAILED" and "ReferenceImage" not in resp


def test_images_go_to_the_output_bucket(rek: Any, client: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="liveness-out")
    session = client.create_face_liveness_session(Settings={
        "OutputConfig": {"S3Bucket": "liveness-out", "S3KeyPrefix": "kyc/"},
        "AuditImagesLimit": 1,
    })["SessionId"]
    rek.complete_liveness(session, reference_image=DATA / "obama.jpg",
                          audit_images=[DATA / "obama2.jpg"])
    resp = client.get_face_liveness_session_results(SessionId=session)
    where = resp["ReferenceImage"]["S3Object"]
    assert where == {"Bucket": "liveness-out", "Name": f"kyc/{session}/reference.jpg"}
    assert "Bytes" not in resp["ReferenceImage"]
    stored = s3.get_object(Bucket=where["Bucket"], Key=where["Name"])["Body"].read()
    assert stored == photo("obama.jpg")
    audit = resp["AuditImages"][0]["S3Object"]
    assert audit["Name"] == f"kyc/{session}/audit_0.jpg"
    # The stored reference image works with the image operations like any photo.
    match = client.compare_faces(SourceImage={"S3Object": where},
                                 TargetImage={"Bytes": photo("obama2.jpg")})
    assert match["FaceMatches"]


def test_session_expires_three_minutes_after_creation(rek: Any, client: Any) -> None:
    session = client.create_face_liveness_session()["SessionId"]
    rek.complete_liveness(session, reference_image=DATA / "obama.jpg")
    rek.age_liveness_session(session, 179)
    assert client.get_face_liveness_session_results(SessionId=session)["Status"] == "SUCCEEDED"
    rek.age_liveness_session(session, 1)
    resp = client.get_face_liveness_session_results(SessionId=session)
    assert resp["Status"] == "EXPIRED" and "ReferenceImage" not in resp


def test_completing_into_a_missing_bucket_is_a_scripting_error(rek: Any, client: Any) -> None:
    session = client.create_face_liveness_session(
        Settings={"OutputConfig": {"S3Bucket": "no-such-bucket"}})["SessionId"]
    with pytest.raises(ValueError, match="no-such-bucket"):
        rek.complete_liveness(session, reference_image=DATA / "obama.jpg")
