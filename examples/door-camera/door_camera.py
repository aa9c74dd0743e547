"""Door camera: employees are enrolled in a face collection, one Rekognition user per employee
holding the faces of their photos; a photo from the door camera is searched against the users.

Plain boto3: nothing here knows it runs under a mock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

MATCH_THRESHOLD = 90.0  # user match similarity needed to open the door


@dataclass(frozen=True)
class Entry:
    let_in: bool
    reason: str
    employee_id: str | None = None
    similarity: float | None = None


class EnrollmentError(Exception):
    pass


def _code(err: ClientError) -> str:
    return str(err.response["Error"]["Code"])


class DoorCamera:
    def __init__(self, collection_id: str, rekognition: Any = None) -> None:
        self.collection_id = collection_id
        self.rekognition = rekognition or boto3.client("rekognition")

    def create_collection(self) -> None:
        try:
            self.rekognition.create_collection(CollectionId=self.collection_id)
        except ClientError as err:
            if _code(err) != "ResourceAlreadyExistsException":
                raise

    def enroll(self, employee_id: str, photos: list[bytes]) -> list[str]:
        """Index one face per photo and gather them under a user named ``employee_id``."""
        face_ids: list[str] = []
        for number, photo in enumerate(photos, 1):
            indexed = self.rekognition.index_faces(
                CollectionId=self.collection_id, Image={"Bytes": photo},
                ExternalImageId=employee_id, MaxFaces=1, QualityFilter="AUTO",
            )
            if not indexed["FaceRecords"]:
                if face_ids:  # leave no half-enrolled employee behind
                    self.rekognition.delete_faces(CollectionId=self.collection_id,
                                                  FaceIds=face_ids)
                raise EnrollmentError(f"photo {number} of {employee_id} has no clear face")
            face_ids.append(indexed["FaceRecords"][0]["Face"]["FaceId"])
        self.rekognition.create_user(CollectionId=self.collection_id, UserId=employee_id)
        associated = self.rekognition.associate_faces(
            CollectionId=self.collection_id, UserId=employee_id, FaceIds=face_ids)
        refused = associated["UnsuccessfulFaceAssociations"]
        if refused:
            reasons = sorted({r for f in refused for r in f["Reasons"]})
            raise EnrollmentError(f"photos of {employee_id} refused: {', '.join(reasons)}")
        return face_ids

    def offboard(self, employee_id: str) -> None:
        """Delete the employee's user and faces: the door no longer knows them."""
        faces = self.rekognition.list_faces(CollectionId=self.collection_id, UserId=employee_id)
        face_ids = [f["FaceId"] for f in faces["Faces"]]
        self.rekognition.delete_user(CollectionId=self.collection_id, UserId=employee_id)
        if face_ids:
            self.rekognition.delete_faces(CollectionId=self.collection_id, FaceIds=face_ids)

    def check(self, photo: bytes) -> Entry:
        """Whom the door camera sees (the largest face in its photo), and whether to open."""
        try:
            found = self.rekognition.search_users_by_image(
                CollectionId=self.collection_id, Image={"Bytes": photo},
                UserMatchThreshold=MATCH_THRESHOLD, MaxUsers=1,
            )
        except ClientError as err:
            if _code(err) == "InvalidParameterException":  # no face in the photo
                return Entry(False, "no face in view")
            raise
        if not found["UserMatches"]:
            return Entry(False, "not an employee")
        best = found["UserMatches"][0]
        return Entry(True, "employee", best["User"]["UserId"], float(best["Similarity"]))
