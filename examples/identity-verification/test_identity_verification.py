"""The identity verification backend under rekmock: the test plays the user's browser with
``complete_liveness``; Rekognition's answers (the comparison) come from the photos themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from identity_verification import IdentityVerifier

from rekmock import RekognitionState

PHOTOS = Path(__file__).resolve().parents[2] / "tests" / "data"  # obama*.jpg: one man


@pytest.fixture
def verifier(rekognition_client: Any) -> IdentityVerifier:
    return IdentityVerifier(rekognition_client)


def test_live_person_matching_their_id_is_accepted(
    rekognition_mock: RekognitionState, verifier: IdentityVerifier
) -> None:
    session = verifier.start()
    rekognition_mock.complete_liveness(session, confidence=98.5,
                                       reference_image=PHOTOS / "obama.jpg")
    decision = verifier.decide(session, id_photo=(PHOTOS / "obama2.jpg").read_bytes())
    assert (decision.accepted, decision.reason, decision.liveness) == (True, "verified", 98.5)
    assert decision.similarity is not None and decision.similarity >= 95.0


def test_spoof_is_rejected_before_any_comparison(
    rekognition_mock: RekognitionState, verifier: IdentityVerifier
) -> None:
    """A photo held up to the camera: the liveness check ends with a low confidence."""
    session = verifier.start()
    rekognition_mock.complete_liveness(session, confidence=12.0,
                                       reference_image=PHOTOS / "obama.jpg")
    decision = verifier.decide(session, id_photo=(PHOTOS / "obama2.jpg").read_bytes())
    assert decision.accepted is False
    assert (decision.reason, decision.liveness, decision.similarity) == (
        "not a live person", 12.0, None)


def test_live_person_with_someone_elses_id_is_rejected(
    rekognition_mock: RekognitionState, verifier: IdentityVerifier
) -> None:
    session = verifier.start()
    rekognition_mock.complete_liveness(session, confidence=99.0,
                                       reference_image=PHOTOS / "biden.jpg")
    decision = verifier.decide(session, id_photo=(PHOTOS / "obama2.jpg").read_bytes())
    assert decision.accepted is False
    assert (decision.reason, decision.liveness) == ("face does not match the ID photo", 99.0)


def test_id_photo_without_a_face_is_rejected(
    rekognition_mock: RekognitionState, verifier: IdentityVerifier
) -> None:
    session = verifier.start()
    rekognition_mock.complete_liveness(session, reference_image=PHOTOS / "obama.jpg")
    decision = verifier.decide(session, id_photo=(PHOTOS / "coffee.jpg").read_bytes())
    assert (decision.accepted, decision.reason) == (False, "no face on the ID photo")


@pytest.mark.parametrize("outcome, reason", [
    ("not started", "liveness check created"),
    ("FAILED", "liveness check failed"),
    ("expired", "liveness check expired"),
])
def test_unfinished_failed_or_expired_session_is_rejected(
    rekognition_mock: RekognitionState, verifier: IdentityVerifier, outcome: str, reason: str
) -> None:
    session = verifier.start()
    if outcome == "FAILED":
        rekognition_mock.complete_liveness(session, status="FAILED")
    elif outcome == "expired":  # sessions last three minutes
        rekognition_mock.complete_liveness(session, reference_image=PHOTOS / "obama.jpg")
        rekognition_mock.age_liveness_session(session, 181)
    decision = verifier.decide(session, id_photo=(PHOTOS / "obama2.jpg").read_bytes())
    assert (decision.accepted, decision.reason, decision.liveness) == (False, reason, None)


def test_reference_image_from_the_output_bucket(
    rekognition_mock: RekognitionState, verifier: IdentityVerifier, s3_client: Any
) -> None:
    """With an output bucket the session's images are stored in S3 and compared from there."""
    s3_client.create_bucket(Bucket="kyc-liveness")
    session = verifier.start(output_bucket="kyc-liveness")
    rekognition_mock.complete_liveness(session, confidence=97.0,
                                       reference_image=PHOTOS / "obama.jpg",
                                       audit_images=[PHOTOS / "obama.jpg"])
    stored = s3_client.list_objects_v2(Bucket="kyc-liveness")["Contents"]
    assert sorted(o["Key"] for o in stored) == [
        f"liveness/{session}/audit_0.jpg", f"liveness/{session}/reference.jpg"]
    decision = verifier.decide(session, id_photo=(PHOTOS / "obama2.jpg").read_bytes())
    assert (decision.accepted, decision.reason) == (True, "verified")
