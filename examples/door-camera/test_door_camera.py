"""The door camera under rekmock: enrolment and every search answer come from the photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from door_camera import DoorCamera, EnrollmentError

PHOTOS = Path(__file__).resolve().parents[2] / "tests" / "data"


def photo(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


@pytest.fixture
def door(rekognition_client: Any) -> DoorCamera:
    """Two employees enrolled: Barack (obama.jpg) and Grace (hopper.jpg)."""
    camera = DoorCamera("employees", rekognition_client)
    camera.create_collection()
    camera.enroll("barack", [photo("obama.jpg")])
    camera.enroll("grace", [photo("hopper.jpg")])
    return camera


def test_enrolment_makes_one_user_per_employee(door: DoorCamera, rekognition_client: Any) -> None:
    users = rekognition_client.list_users(CollectionId="employees")["Users"]
    assert sorted(u["UserId"] for u in users) == ["barack", "grace"]
    faces = rekognition_client.list_faces(CollectionId="employees", UserId="barack")["Faces"]
    assert [(f["ExternalImageId"], f["UserId"]) for f in faces] == [("barack", "barack")]


def test_employee_is_let_in(door: DoorCamera) -> None:
    """A different photo of an enrolled employee than the one enrolled."""
    entry = door.check(photo("obama2.jpg"))
    assert (entry.let_in, entry.reason, entry.employee_id) == (True, "employee", "barack")
    assert entry.similarity is not None and entry.similarity >= 90.0


def test_stranger_is_refused(door: DoorCamera) -> None:
    entry = door.check(photo("biden.jpg"))
    assert (entry.let_in, entry.reason, entry.employee_id) == (False, "not an employee", None)


def test_photo_without_a_face_is_refused(door: DoorCamera) -> None:
    """SearchUsersByImage answers InvalidParameterException when it finds no face."""
    entry = door.check(photo("coffee.jpg"))
    assert (entry.let_in, entry.reason) == (False, "no face in view")


def test_offboarded_employee_is_refused(door: DoorCamera, rekognition_client: Any) -> None:
    door.offboard("barack")
    assert door.check(photo("obama2.jpg")).reason == "not an employee"
    faces = rekognition_client.list_faces(CollectionId="employees")["Faces"]
    assert [f["ExternalImageId"] for f in faces] == ["grace"]


def test_enrolment_photo_without_a_face_is_an_error(
    door: DoorCamera, rekognition_client: Any
) -> None:
    with pytest.raises(EnrollmentError, match="photo 2 of eileen has no clear face"):
        door.enroll("eileen", [photo("astronaut.png"), photo("coffee.jpg")])
    faces = rekognition_client.list_faces(CollectionId="employees")["Faces"]
    assert sorted(f["ExternalImageId"] for f in faces) == ["barack", "grace"]  # photo 1 undone
    assert door.check(photo("astronaut.png")).reason == "not an employee"
