"""Faces cut by the image edge, faces MTCNN only sees mirrored, and faces only dlib's CNN
detector confirms (profiles): see docs/detection.md."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from .helpers import photo

Box = tuple[float, float, float, float]


def _iou(a: Box, b: Box) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _ratios(box: dict[str, float]) -> Box:
    return box["Left"], box["Top"], box["Width"], box["Height"]


CUTS = {  # side: the part of the face box (from the uncut photo) that the crop cuts off
    "left": 0.3, "right": 0.3, "top": 0.3, "bottom": 0.3,
}


@pytest.mark.parametrize("side", sorted(CUTS))
def test_face_cut_by_the_edge_gets_a_box_that_leaves_the_image(client, side: str) -> None:
    """The service reports a face the image edge cuts with a box that sticks out of the image
    (negative Left or Top, or Left + Width beyond 1), near where the whole face lies."""
    whole = Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB")
    full = client.detect_faces(Image={"Bytes": photo("obama.jpg")},
                               Attributes=["ALL"])["FaceDetails"]
    assert len(full) == 1
    left, top, width, height = _ratios(full[0]["BoundingBox"])
    x, y, w, h = left * whole.width, top * whole.height, width * whole.width, height * whole.height
    cut = CUTS[side]
    area = {"left": (x + cut * w, 0, whole.width, whole.height),
            "right": (0, 0, x + (1 - cut) * w, whole.height),
            "top": (0, y + cut * h, whole.width, whole.height),
            "bottom": (0, 0, whole.width, y + (1 - cut) * h)}[side]
    part = whole.crop(tuple(round(v) for v in area))
    out = io.BytesIO()
    part.save(out, "PNG")
    faces = client.detect_faces(Image={"Bytes": out.getvalue()}, Attributes=["ALL"])["FaceDetails"]
    assert len(faces) == 1
    got = _ratios(faces[0]["BoundingBox"])
    x0, y0 = round(area[0]), round(area[1])
    expected = ((x - x0) / part.width, (y - y0) / part.height, w / part.width, h / part.height)
    assert _iou(got, expected) >= 0.6
    sticks_out = {"left": got[0] < 0, "top": got[1] < 0, "right": got[0] + got[2] > 1,
                  "bottom": got[1] + got[3] > 1}
    assert sticks_out[side], (side, got)
    assert faces[0]["Confidence"] > 99
    assert len(faces[0]["Landmarks"]) == 30
    assert faces[0]["Gender"]["Value"] == full[0]["Gender"]["Value"]


def test_cut_face_can_be_indexed_and_matched(client) -> None:
    """IndexFaces stores a face whose box leaves the image; the cut face still matches the
    whole one (crops, quality and the face vector cope with a face part outside the image)."""
    whole = Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB")
    face = client.detect_faces(Image={"Bytes": photo("obama.jpg")})["FaceDetails"][0]
    left, _, width, _ = _ratios(face["BoundingBox"])
    part = whole.crop((round((left + 0.25 * width) * whole.width), 0, whole.width, whole.height))
    out = io.BytesIO()
    part.save(out, "PNG")
    client.create_collection(CollectionId="edge")
    indexed = client.index_faces(CollectionId="edge", Image={"Bytes": out.getvalue()},
                                 ExternalImageId="cut", QualityFilter="NONE")
    assert len(indexed["FaceRecords"]) == 1
    assert indexed["FaceRecords"][0]["Face"]["BoundingBox"]["Left"] < 0
    found = client.search_faces_by_image(CollectionId="edge",
                                         Image={"Bytes": photo("obama.jpg")})
    assert [m["Face"]["ExternalImageId"] for m in found["FaceMatches"]] == ["cut"]
    assert found["FaceMatches"][0]["Similarity"] > 90


def test_mirrored_pass_reads_a_face_as_the_straight_pass_does() -> None:
    """O-Net run on the mirror images of the crops gives back boxes and points in the image's
    own frame: on a frontal face it agrees with the straight reading, eyes in viewer order."""
    from rekmock.vision import mtcnn
    from rekmock.vision.weights import mtcnn_nets

    rgb = np.asarray(Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB"))
    nets = mtcnn_nets()
    boxes = np.fix(mtcnn._stage2(nets, rgb, mtcnn._stage1(nets, rgb, 40.0), False)[0])
    crops = mtcnn._crops(rgb, boxes, mtcnn.ONET_SIZE)
    straight = max(mtcnn._onet(nets, crops, boxes, 0.9, False)[0], key=lambda c: c.prob)
    flipped = max(mtcnn._onet(nets, crops, boxes, 0.9, True)[0], key=lambda c: c.prob)
    assert flipped.mirrored and not straight.mirrored
    side = straight.box[2] - straight.box[0]
    assert np.abs(np.subtract(flipped.box, straight.box)).max() < 0.1 * side
    assert np.abs(flipped.points - straight.points).max() < 0.1 * side
    assert flipped.points[0, 0] < flipped.points[1, 0]  # eyes, viewer's left first
    assert flipped.points[3, 0] < flipped.points[4, 0]  # mouth corners too
    assert mtcnn.face_prob(rgb, straight.box, mirrored=True) > 0.9
    # A frontal face passes as it is, so the detector reads no mirrored candidate for it.
    assert not [c for c in mtcnn.detect(rgb, 40.0, 0.6, mirrored=True) if c.mirrored
                and c.box[0] < straight.box[2] and straight.box[0] < c.box[2]]


def test_dlib_cnn_confirms_a_face_and_not_a_cup() -> None:
    from rekmock.vision import mmod, mtcnn

    rgb = np.asarray(Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB"))
    x1, y1, x2, y2 = max(mtcnn.detect(rgb, 40, 0.9), key=lambda c: c.prob).box
    assert mmod.confirms(rgb, (x1, y1, x2 - x1, y2 - y1))
    assert not mmod.confirms(rgb, (x1 + 2.0 * (x2 - x1), y1, x2 - x1, y2 - y1))
    coffee = np.asarray(Image.open(io.BytesIO(photo("coffee.jpg"))).convert("RGB"))
    assert not mmod.confirms(coffee, (150.0, 100.0, 200.0, 200.0))


def test_profiles_need_dlib_cnn_and_take_their_better_side(monkeypatch) -> None:
    """A face the mesh rejects, or one only the mirror image shows, is kept from PROFILE_FROM
    up when dlib's CNN confirms it and no other face is there; its probability is the better
    of MTCNN's two readings."""
    from rekmock.vision import detect, mtcnn

    cases = [  # (x, probability, mirrored, mesh presence, CNN finds it, kept?)
        (0.0, 0.80, False, -8.0, True, True),  # mesh rejects, CNN confirms
        (50.0, 0.80, False, -8.0, False, False),  # neither
        (100.0, 0.55, False, -8.0, True, False),  # under PROFILE_FROM
        (150.0, 0.90, True, 0.0, True, True),  # only seen mirrored, CNN confirms
        (200.0, 0.90, True, 0.0, False, False),
        (252.0, 0.99, False, 0.0, True, True),  # a plain face ...
        (256.0, 0.95, True, 0.0, True, False),  # ... and its mirrored reading: the same face
        (300.0, 0.99, False, 0.0, True, True),  # a plain face ...
        (315.0, 0.80, False, -8.0, True, False),  # ... and a doubtful box over half of it
    ]
    cands = [mtcnn.Candidate((x, 0.0, x + 40.0, 48.0), p, np.zeros((5, 2)), mirrored)
             for x, p, mirrored, _, _, _ in cases]
    monkeypatch.setattr(detect.mtcnn, "detect", lambda _img, _min, floor, mirrored: [
        c for c in cands if c.prob >= floor and (mirrored or not c.mirrored)])
    by_x = {x: case for x, *case in cases}
    monkeypatch.setattr(detect.facemesh, "first_pass",
                        lambda _img, box, _pts: (np.zeros((468, 3)), by_x[box[0]][2]))
    monkeypatch.setattr(detect.mmod, "confirms", lambda _img, box: by_x[box[0]][3])
    monkeypatch.setattr(detect.mtcnn, "face_prob", lambda _img, box, mirrored: 0.97)
    found = detect.detect(np.zeros((60, 400, 3), np.uint8), 1.0, 400, 60)
    assert {d.box[0] for d in found} == {x for x, *_, keep in cases if keep}
    profiles = {d.box[0]: d for d in found if d.profile}
    assert set(profiles) == {0.0, 150.0}
    assert profiles[0.0].prob == 0.97 and profiles[150.0].prob == 0.97
    # A photo searched turned keeps only faces the mesh is sure of: no profiles there.
    assert detect.detect(np.zeros((60, 400, 3), np.uint8), 1.0, 400, 60, strict=True) == []


def test_profile_yaw_follows_the_nose() -> None:
    """A profile's Yaw: at least what MTCNN's eye spacing implies, on the side its nose is."""
    from rekmock.vision import pose

    eyes_close = np.array([[100.0, 100.0], [112.0, 100.0], [124.0, 120.0], [104.0, 140.0],
                           [114.0, 140.0]])
    assert pose.profile_yaw(-15.0, eyes_close) == pytest.approx(
        pose.eye_spacing_yaw(eyes_close))
    assert pose.eye_spacing_yaw(eyes_close) > 60
    mirrored = eyes_close.copy()
    mirrored[:, 0] = 300.0 - mirrored[:, 0]
    mirrored = mirrored[[1, 0, 2, 4, 3]]
    assert pose.profile_yaw(15.0, mirrored) == pytest.approx(-pose.eye_spacing_yaw(eyes_close))
