"""DetectFaces on real photos: faces, landmarks, attributes, ordering, determinism."""

from __future__ import annotations

import hashlib
import io
import math
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from rekmock.faces.analysis import ALL_LANDMARKS, ATTRIBUTE_FIELDS
from rekmock.vision import LANDMARK_TYPES

from .helpers import ROOT, group_photo, photo


def test_default_fields(client) -> None:
    faces = client.detect_faces(Image={"Bytes": photo("obama.jpg")})["FaceDetails"]
    assert len(faces) == 1
    face = faces[0]
    assert set(face) == {"BoundingBox", "Landmarks", "Pose", "Quality", "Confidence"}
    assert [lm["Type"] for lm in face["Landmarks"]] == [
        "eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose"]
    box = face["BoundingBox"]
    marks = {lm["Type"]: (lm["X"], lm["Y"]) for lm in face["Landmarks"]}
    for x, y in marks.values():  # every landmark inside the face box
        assert box["Left"] <= x <= box["Left"] + box["Width"]
        assert box["Top"] <= y <= box["Top"] + box["Height"]
    # the viewer's left eye is the one with the smaller X; eyes above the nose, nose above mouth
    assert marks["eyeLeft"][0] < marks["eyeRight"][0]
    assert marks["eyeLeft"][1] < marks["nose"][1] < marks["mouthLeft"][1]
    assert face["Confidence"] > 90
    assert abs(face["Pose"]["Yaw"]) < 30 and abs(face["Pose"]["Roll"]) < 15


def test_all_attributes_and_thirty_landmarks(client) -> None:
    face = client.detect_faces(Image={"Bytes": photo("obama.jpg")}, Attributes=["ALL"])[
        "FaceDetails"][0]
    assert set(ATTRIBUTE_FIELDS.values()) <= set(face)
    types = [lm["Type"] for lm in face["Landmarks"]]
    # The service's order with ALL: the five DEFAULT landmarks first, then the brows.
    assert types == list(ALL_LANDMARKS) and set(types) == set(LANDMARK_TYPES)
    assert types[:6] == ["eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose",
                         "leftEyeBrowLeft"]
    assert len(types) == 30
    # Every recorded answer with pupils (40 faces) puts each exactly on its eye point.
    at = {lm["Type"]: (lm["X"], lm["Y"]) for lm in face["Landmarks"]}
    assert at["leftPupil"] == at["eyeLeft"] and at["rightPupil"] == at["eyeRight"]
    emotions = [e["Confidence"] for e in face["Emotions"]]
    assert len(emotions) == 8 and emotions == sorted(emotions, reverse=True)
    assert "UNKNOWN" not in {e["Type"] for e in face["Emotions"]}
    assert face["Emotions"][0]["Type"] == "HAPPY"
    assert sum(emotions) == pytest.approx(100.0, abs=0.01)  # face model 7's shares
    assert 6 <= face["AgeRange"]["High"] - face["AgeRange"]["Low"] <= 10
    assert face["AgeRange"]["Low"] <= face["AgeRange"]["High"]
    assert face["Smile"]["Value"] is True  # he is smiling broadly in this photo
    assert face["Sunglasses"]["Value"] is False
    assert face["Gender"]["Value"] == "Male" and face["Gender"]["Confidence"] > 90


def test_gender_and_age_follow_the_face(client) -> None:
    def first(name: str) -> dict:
        return client.detect_faces(Image={"Bytes": photo(name)},
                                   Attributes=["GENDER", "AGE_RANGE"])["FaceDetails"][0]
    collins, biden = first("astronaut.png"), first("biden.jpg")
    assert collins["Gender"]["Value"] == "Female"
    assert biden["Gender"]["Value"] == "Male"
    # Eileen Collins was about 40 in this photo, Biden about 70 in his
    assert biden["AgeRange"]["Low"] > collins["AgeRange"]["High"]
    assert biden["AgeRange"]["Low"] <= 70 <= biden["AgeRange"]["High"] + 5


def test_individual_attributes_only(client) -> None:
    face = client.detect_faces(
        Image={"Bytes": photo("obama.jpg")}, Attributes=["SMILE", "FACE_OCCLUDED"]
    )["FaceDetails"][0]
    assert set(face) == {"BoundingBox", "Landmarks", "Pose", "Quality", "Confidence", "Smile",
                         "FaceOccluded"}


def test_no_face(client) -> None:
    assert client.detect_faces(Image={"Bytes": photo("coffee.jpg")})["FaceDetails"] == []


def test_several_faces_largest_first(client) -> None:
    data = group_photo("biden.jpg", "obama.jpg", "hopper.jpg")
    faces = client.detect_faces(Image={"Bytes": data})["FaceDetails"]
    assert len(faces) == 3
    areas = [f["BoundingBox"]["Width"] * f["BoundingBox"]["Height"] for f in faces]
    assert areas == sorted(areas, reverse=True)
    # hopper is the smallest photo, so its face is the last one, at the right-hand end
    assert faces[-1]["BoundingBox"]["Left"] > 0.8


def test_face_box_follows_the_face(client) -> None:
    """Shift the photo inside a larger canvas: the box moves with it, in image ratios."""
    im = Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB")
    canvas = Image.new("RGB", (im.width * 2, im.height), "gray")
    canvas.paste(im, (im.width, 0))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    plain = client.detect_faces(Image={"Bytes": photo("obama.jpg")})["FaceDetails"][0]
    moved = client.detect_faces(Image={"Bytes": out.getvalue()})["FaceDetails"][0]
    assert moved["BoundingBox"]["Left"] == pytest.approx(
        0.5 + plain["BoundingBox"]["Left"] / 2, abs=0.01)
    assert moved["BoundingBox"]["Width"] == pytest.approx(plain["BoundingBox"]["Width"] / 2,
                                                          abs=0.01)


def test_quality_reflects_the_pixels(client) -> None:
    im = Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB")
    dark = Image.fromarray((np.asarray(im) * 0.35).astype(np.uint8))
    blurred = im.filter(__import__("PIL.ImageFilter", fromlist=["x"]).GaussianBlur(4))
    def quality(img: Image.Image) -> dict:
        out = io.BytesIO()
        img.save(out, "PNG")
        return client.detect_faces(Image={"Bytes": out.getvalue()})["FaceDetails"][0]["Quality"]
    base = quality(im)
    assert quality(dark)["Brightness"] < base["Brightness"] - 10
    assert quality(blurred)["Sharpness"] < base["Sharpness"] - 10


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def test_dim_and_flat_photos_still_show_their_face(client) -> None:
    """At 10% of its brightness, or with 15% of its contrast, the face is still found, where it
    was in the original (the detector sees a levelled copy), and Quality.Brightness still
    reports the dim pixels."""
    rgb = np.asarray(Image.open(io.BytesIO(photo("biden.jpg"))).convert("RGB"), np.float32)
    plain = client.detect_faces(Image={"Bytes": photo("biden.jpg")})["FaceDetails"]
    dim = client.detect_faces(Image={"Bytes": _png(rgb * 0.1)})["FaceDetails"]
    flat = client.detect_faces(Image={"Bytes": _png(128 + 0.15 * (rgb - 128))})["FaceDetails"]
    assert len(plain) == len(dim) == len(flat) == 1
    for found in (dim[0], flat[0]):
        assert found["BoundingBox"] == pytest.approx(plain[0]["BoundingBox"], abs=0.02)
    assert dim[0]["Quality"]["Brightness"] < plain[0]["Quality"]["Brightness"] - 30


def _turned(name: str, transpose: Image.Transpose) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(photo(name))).convert("RGB").transpose(transpose).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(("transpose", "turn"), [
    (Image.Transpose.ROTATE_270, 90.0),  # the photo turned clockwise: Roll +90
    (Image.Transpose.ROTATE_90, -90.0),
    (Image.Transpose.ROTATE_180, 180.0),
])
def test_sideways_photo_without_exif_still_shows_its_face(
    client, transpose: Image.Transpose, turn: float
) -> None:
    """A PNG stored sideways or upside down (no EXIF to correct it): the face is found where it
    lies, its Roll turned by the photo's turn, everything else as upright, and it matches the
    same man's upright photo."""
    upright = client.detect_faces(Image={"Bytes": photo("obama.jpg")}, Attributes=["ALL"])[
        "FaceDetails"]
    found = client.detect_faces(Image={"Bytes": _turned("obama.jpg", transpose)},
                                Attributes=["ALL"])["FaceDetails"]
    assert len(found) == len(upright) == 1
    up, face = upright[0], found[0]
    box = up["BoundingBox"]
    corners = [(box["Left"] + dx * box["Width"], box["Top"] + dy * box["Height"])
               for dx in (0, 1) for dy in (0, 1)]
    turned = [{Image.Transpose.ROTATE_270: (1 - y, x), Image.Transpose.ROTATE_90: (y, 1 - x),
               Image.Transpose.ROTATE_180: (1 - x, 1 - y)}[transpose] for x, y in corners]
    assert face["BoundingBox"]["Left"] == pytest.approx(min(x for x, _ in turned), abs=0.02)
    assert face["BoundingBox"]["Top"] == pytest.approx(min(y for _, y in turned), abs=0.02)
    roll = (up["Pose"]["Roll"] + turn + 180.0) % 360.0 - 180.0
    assert abs((face["Pose"]["Roll"] - roll + 180.0) % 360.0 - 180.0) < 3.0
    assert face["Pose"]["Yaw"] == pytest.approx(up["Pose"]["Yaw"], abs=3.0)
    assert face["Gender"]["Value"] == up["Gender"]["Value"]
    assert face["Gender"]["Confidence"] == pytest.approx(up["Gender"]["Confidence"], abs=1.0)
    assert face["Smile"]["Value"] == up["Smile"]["Value"]
    match = client.compare_faces(SourceImage={"Bytes": photo("obama2.jpg")},
                                 TargetImage={"Bytes": _turned("obama.jpg", transpose)})
    assert match["FaceMatches"] and match["FaceMatches"][0]["Similarity"] > 99.0


def _wrap(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


@pytest.mark.parametrize(("name", "clockwise"), [
    ("astronaut.png", 60.0),  # MTCNN levels her eyes at 21 degrees: the mesh must realign
    ("astronaut.png", -55.0),  # a quarter turn the wrong way shows her 145 degrees off
    ("astronaut.png", 160.0),  # found upside down: eyes levelled the wrong way round
    ("obama2.jpg", 145.0),
])
def test_tilted_photo_reports_its_face_the_right_way_up(
    client, name: str, clockwise: float
) -> None:
    """A photo turned by any angle, not only quarter turns: Roll is the upright Roll plus the
    turn, and the points are the right way up in it (the mouth below the eyes along the face's
    own down direction), as the service reports a tilted head."""
    upright = client.detect_faces(Image={"Bytes": photo(name)})["FaceDetails"]
    rgb = np.asarray(Image.open(io.BytesIO(photo(name))).convert("RGB"))
    height, width = rgb.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), -clockwise, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    width, height = int(height * sin + width * cos), int(height * cos + width * sin)
    turn[:, 2] += (width - rgb.shape[1]) / 2, (height - rgb.shape[0]) / 2
    found = client.detect_faces(Image={"Bytes": _png(cv2.warpAffine(rgb, turn, (width, height)))})[
        "FaceDetails"]
    assert len(found) == len(upright) == 1
    roll = found[0]["Pose"]["Roll"]
    assert abs(_wrap(roll - upright[0]["Pose"]["Roll"] - clockwise)) < 8.0
    marks = {m["Type"]: (m["X"] * width, m["Y"] * height) for m in found[0]["Landmarks"]}
    eyes = np.mean([marks["eyeLeft"], marks["eyeRight"]], axis=0)
    mouth = np.mean([marks["mouthLeft"], marks["mouthRight"]], axis=0)
    down = math.degrees(math.atan2(mouth[1] - eyes[1], mouth[0] - eyes[0]))
    assert abs(_wrap(down - 90.0 - roll)) < 15.0


def test_turned_photo_without_a_face_stays_without(client) -> None:
    for transpose in (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180):
        assert client.detect_faces(
            Image={"Bytes": _turned("coffee.jpg", transpose)})["FaceDetails"] == []


DETERMINISM = """
import boto3, hashlib, sys
from rekmock import mock_rekognition
with mock_rekognition():
    c = boto3.client("rekognition", region_name="us-east-1")
    seen = []
    def grab(http_response, **_):
        seen.append(http_response.content)
    c.meta.events.register("after-call.rekognition", grab)
    a, b = (open(p, "rb").read() for p in sys.argv[1:3])
    c.detect_faces(Image={"Bytes": a}, Attributes=["ALL"])
    c.compare_faces(SourceImage={"Bytes": a}, TargetImage={"Bytes": b}, SimilarityThreshold=0)
for body in seen:
    print(hashlib.sha256(body).hexdigest(), len(body))
"""


@pytest.mark.slow
def test_same_bytes_across_processes() -> None:
    """Detection, landmarks, pose, quality, attributes (DetectFaces ALL) and face vectors
    (CompareFaces' Similarity) give the same response bytes in two fresh interpreters."""
    paths = [str(ROOT / "tests" / "data" / n) for n in ("astronaut.png", "hopper.jpg")]
    runs = [
        subprocess.run([sys.executable, "-c", DETERMINISM, *paths], capture_output=True,
                       text=True, check=True, timeout=120).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    sizes = [int(line.split()[1]) for line in runs[0].splitlines()]
    assert len(sizes) == 2 and min(sizes) > 500  # both calls answered with faces, not errors


def test_same_bytes_in_process(client) -> None:
    bodies = []
    client.meta.events.register("after-call.rekognition",
                                lambda http_response, **_: bodies.append(http_response.content))
    for _ in range(2):
        client.detect_faces(Image={"Bytes": photo("hopper.jpg")}, Attributes=["ALL"])
    assert hashlib.sha256(bodies[0]).digest() == hashlib.sha256(bodies[1]).digest()


def test_sharpness_lies_on_the_service_lattice(client) -> None:
    """Every real Sharpness satisfies logit(S/100) = -3.37711 + 0.292545 k for a whole k."""
    group = group_photo("obama.jpg", "biden.jpg", "hopper.jpg")
    faces = client.detect_faces(Image={"Bytes": group})["FaceDetails"]
    faces += client.detect_faces(Image={"Bytes": photo("astronaut.png")})["FaceDetails"]
    assert len(faces) == 4
    for face in faces:
        s = face["Quality"]["Sharpness"]
        k = (math.log(s / (100.0 - s)) + 3.37711) / 0.292545
        assert k == pytest.approx(round(k), abs=2e-3)


def test_quality_on_the_service_scale(client) -> None:
    """A clear, well-lit portrait reads like the service's: bright (real ~65-80) and sharp."""
    quality = client.detect_faces(Image={"Bytes": photo("obama.jpg")})["FaceDetails"][0][
        "Quality"]
    assert 50.0 < quality["Brightness"] <= 100.0
    assert quality["Sharpness"] > 50.0


def test_dark_sunglasses_occlude_the_face(client) -> None:
    """The service answers FaceOccluded true for dark sunglasses; paint lenses on a portrait."""
    from PIL import ImageDraw

    plain = client.detect_faces(Image={"Bytes": photo("obama.jpg")}, Attributes=["ALL"])[
        "FaceDetails"][0]
    im = Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB")
    marks = {lm["Type"]: (lm["X"] * im.width, lm["Y"] * im.height) for lm in plain["Landmarks"]}
    radius = 0.3 * (marks["eyeRight"][0] - marks["eyeLeft"][0])
    draw = ImageDraw.Draw(im)
    for eye in ("eyeLeft", "eyeRight"):
        x, y = marks[eye]
        draw.ellipse((x - radius, y - radius * 0.8, x + radius, y + radius * 0.8), fill=(8, 8, 8))
    draw.line((marks["eyeLeft"][0] + radius, marks["eyeLeft"][1],
               marks["eyeRight"][0] - radius, marks["eyeRight"][1]), fill=(8, 8, 8), width=3)
    out = io.BytesIO()
    im.save(out, "PNG")
    face = client.detect_faces(Image={"Bytes": out.getvalue()}, Attributes=["ALL"])[
        "FaceDetails"][0]
    assert plain["FaceOccluded"]["Value"] is False
    assert face["Sunglasses"]["Value"] is True
    assert face["FaceOccluded"]["Value"] is True


def _landmarks(face: dict, im: Image.Image) -> dict[str, tuple[float, float]]:
    return {lm["Type"]: (lm["X"] * im.width, lm["Y"] * im.height) for lm in face["Landmarks"]}


def _detect_png(client, im: Image.Image) -> dict:
    out = io.BytesIO()
    im.save(out, "PNG")
    return client.detect_faces(Image={"Bytes": out.getvalue()}, Attributes=["ALL"])[
        "FaceDetails"][0]


def test_thin_wire_frames_are_eyeglasses(client) -> None:
    """Thin frames make weak edges but a clear line across the nose bridge: two 1-pixel rims
    and a bridge drawn on a portrait turn Eyeglasses from false to true."""
    from PIL import ImageDraw

    plain = client.detect_faces(Image={"Bytes": photo("obama.jpg")}, Attributes=["ALL"])[
        "FaceDetails"][0]
    im = Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB")
    marks = _landmarks(plain, im)
    radius = 0.32 * (marks["eyeRight"][0] - marks["eyeLeft"][0])
    draw = ImageDraw.Draw(im)
    for eye in ("eyeLeft", "eyeRight"):
        x, y = marks[eye]
        draw.ellipse((x - radius, y - radius * 0.75, x + radius, y + radius * 0.75),
                     outline=(30, 30, 30), width=1)
    draw.line((marks["eyeLeft"][0] + radius, marks["eyeLeft"][1] - radius * 0.3,
               marks["eyeRight"][0] - radius, marks["eyeRight"][1] - radius * 0.3),
              fill=(30, 30, 30), width=1)
    framed = _detect_png(client, im)
    assert plain["Eyeglasses"]["Value"] is False
    assert framed["Eyeglasses"]["Value"] is True
    assert framed["Sunglasses"]["Value"] is False


def _hairy(client, name: str, where: str) -> tuple[dict, dict]:
    """A photo's face before and after short dark hairs are drawn on its chin or upper lip."""
    from PIL import ImageDraw

    plain = client.detect_faces(Image={"Bytes": photo(name)}, Attributes=["ALL"])[
        "FaceDetails"][0]
    im = Image.open(io.BytesIO(photo(name))).convert("RGB")
    marks = _landmarks(plain, im)
    half = 0.35 * (marks["mouthRight"][0] - marks["mouthLeft"][0]) + 2
    if where == "chin":
        x0, top, bottom = marks["mouthDown"][0], marks["mouthDown"][1] + 2, marks["chinBottom"][1]
    else:
        x0, top, bottom = marks["mouthUp"][0], marks["nose"][1] + 3, marks["mouthUp"][1] - 2
    rng = np.random.default_rng(0)
    draw = ImageDraw.Draw(im)
    for _ in range(400):
        x, y = rng.uniform(x0 - half, x0 + half), rng.uniform(top, bottom)
        draw.line((x, y, x + rng.uniform(-1.5, 1.5), y + 3), fill=(40, 30, 25), width=1)
    return plain, _detect_png(client, im)


def test_facial_hair_is_a_beard_on_a_man_only(client) -> None:
    """The service's Beard means any facial hair: a dark, textured chin or a mustache alone
    reads as a beard on a man's face; the same hairs on a woman's face are neither beard nor
    mustache (both probabilities are the hair cue's x P(male))."""
    man, chin = _hairy(client, "obama.jpg", "chin")
    _, lip = _hairy(client, "obama.jpg", "lip")
    woman, woman_chin = _hairy(client, "astronaut.png", "chin")
    _, woman_lip = _hairy(client, "astronaut.png", "lip")
    assert man["Gender"]["Value"] == "Male" and woman["Gender"]["Value"] == "Female"
    assert man["Beard"]["Value"] is False
    assert chin["Beard"]["Value"] is True and lip["Beard"]["Value"] is True
    assert woman_chin["Gender"]["Value"] == "Female"
    assert woman_chin["Beard"]["Value"] is False
    assert woman_lip["Beard"]["Value"] is False and woman_lip["Mustache"]["Value"] is False
