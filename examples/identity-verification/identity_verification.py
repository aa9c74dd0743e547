"""Identity verification backend: a Face Liveness check first, then the live face against the
photo on the user's ID document.

The front end (for example Amplify's FaceLivenessDetector) runs the liveness check with the
session id that ``start`` hands out; ``decide`` then reads the session's result and compares its
reference image with the ID photo. Plain boto3: nothing here knows it runs under a mock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

LIVENESS_THRESHOLD = 90.0  # Confidence that a live person, not a spoof, was in front of the camera
SIMILARITY_THRESHOLD = 95.0  # CompareFaces similarity needed to call it the same person


@dataclass(frozen=True)
class Decision:
    accepted: bool
    reason: str
    liveness: float | None = None
    similarity: float | None = None


class IdentityVerifier:
    def __init__(self, rekognition: Any = None) -> None:
        self.rekognition = rekognition or boto3.client("rekognition")

    def start(self, output_bucket: str | None = None) -> str:
        """A new liveness session for the front end; images go to ``output_bucket`` if given."""
        settings: dict[str, Any] = {"AuditImagesLimit": 1}
        if output_bucket:
            settings["OutputConfig"] = {"S3Bucket": output_bucket, "S3KeyPrefix": "liveness/"}
        return str(self.rekognition.create_face_liveness_session(Settings=settings)["SessionId"])

    def decide(self, session_id: str, id_photo: bytes) -> Decision:
        result = self.rekognition.get_face_liveness_session_results(SessionId=session_id)
        if result["Status"] != "SUCCEEDED":
            return Decision(False, f"liveness check {result['Status'].lower()}")
        liveness = float(result["Confidence"])
        if liveness < LIVENESS_THRESHOLD:
            return Decision(False, "not a live person", liveness)
        reference = result["ReferenceImage"]  # Bytes, or S3Object when an output bucket was set
        source = {k: v for k, v in reference.items() if k in ("Bytes", "S3Object")}
        try:
            compared = self.rekognition.compare_faces(
                SourceImage=source, TargetImage={"Bytes": id_photo},
                SimilarityThreshold=SIMILARITY_THRESHOLD,
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "InvalidParameterException":
                return Decision(False, "no face on the ID photo", liveness)
            raise
        if not compared["FaceMatches"]:
            return Decision(False, "face does not match the ID photo", liveness)
        similarity = float(compared["FaceMatches"][0]["Similarity"])
        return Decision(True, "verified", liveness, similarity)
