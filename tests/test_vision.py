"""Tests of rekmock.vision on real photos (tests/data, see SOURCES.md there)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from rekmock.botocore_model import service_model
from rekmock.vision import LANDMARK_TYPES, analyze, measure_at, similarity
from rekmock.vision import api as vision_api

DATA = Path(__file__).parent / "data"


def load(name: str) -> tuple[str, np.ndarray]:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"missing test photo {name}")
    with Image.open(path) as im:
        rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    return hashlib.sha256(path.read_bytes()).hexdigest(), rgb


def test_landmark_types_are_the_models() -> None:
    """Every LandmarkType of the installed service model, in the model's own order."""
    assert list(LANDMARK_TYPES) == service_model().shape_for("LandmarkType").enum


def test_one_face_with_all_fields() -> None:
    key, rgb = load("astronaut.png")
    result = analyze(key, rgb)
    assert (result.width, result.height) == (512, 512)
    assert len(result.faces) == 1
    face = result.faces[0]
    left, top, w, h = face.box
    assert 150 < left < 220 and 30 < top < 90 and 60 < w < 120 and 80 < h < 140
    assert 90 <= face.confidence <= 100
    assert set(face.landmarks) == set(LANDMARK_TYPES)
    # Viewer's left/right: eyeLeft has the smaller x; eyes above the nose, nose above the mouth.
    assert face.landmarks["eyeLeft"][0] < face.landmarks["eyeRight"][0]
    assert face.landmarks["eyeLeft"][1] < face.landmarks["nose"][1] < face.landmarks["mouthUp"][1]
    assert face.landmarks["chinBottom"][1] > face.landmarks["mouthDown"][1]
    assert abs(face.yaw) < 20 and abs(face.roll) < 20 and abs(face.pitch) < 25
    assert 0 <= face.brightness <= 100 and 0 <= face.sharpness <= 100
    attrs = result.attributes(0)
    assert attrs.smile[0] is True and attrs.eyes_open[0] is True
    assert attrs.sunglasses[0] is False
    assert set(attrs.emotions) == set(service_model().shape_for("EmotionName").enum)
    assert max(attrs.emotions, key=attrs.emotions.get) == "HAPPY"
    assert attrs.age_range[0] <= attrs.age_range[1]
    assert attrs.gender[0] in ("Male", "Female")
    assert result.attributes(0) is attrs  # memoised


def test_glasses_on_hopper() -> None:
    key, rgb = load("hopper.jpg")
    result = analyze(key, rgb)
    assert len(result.faces) == 1
    assert result.attributes(0).eyeglasses[0] is True


def test_no_face_in_coffee() -> None:
    key, rgb = load("coffee.jpg")
    assert analyze(key, rgb).faces == []


def test_exif_rotated_photo_gives_same_upright_box() -> None:
    a = analyze(*load("hopper.jpg")).faces[0].box
    b = analyze(*load("hopper_orientation_6.jpg")).faces[0].box
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 0.02 * 128


def test_same_and_different_people() -> None:
    # The pixels stay referenced: an analysis read from the disk cache computes a missing
    # descriptor from them (another test or process may have stored attributes only).
    photos = [load(name) for name in ("obama.jpg", "obama2.jpg", "biden.jpg")]
    obama1, obama2, biden = (analyze(key, rgb) for key, rgb in photos)
    d1, d2, d3 = obama1.descriptor(0), obama2.descriptor(0), biden.descriptor(0)
    assert d1.dtype == np.float32 and d1.shape == (128,)
    assert similarity(d1, d1) > 99.9
    assert similarity(d1, d2) > 90
    assert similarity(d1, d3) < 50 and similarity(d2, d3) < 50


def test_a_face_measured_at_a_given_box_is_the_face_found_there() -> None:
    """measure_at (a face another detector found): at detection's own box and five points it
    measures what detection measured; at a box half as large again, still the same person."""
    key, rgb = load("obama.jpg")
    found = analyze(key, rgb)
    face = found.faces[0]
    points = [face.landmarks[t] for t in ("eyeLeft", "eyeRight", "nose", "mouthLeft",
                                          "mouthRight")]
    same = measure_at(key, lambda: rgb, face.box, points, face.confidence)
    assert same.faces[0].box == face.box and same.faces[0].confidence == face.confidence
    assert abs(same.faces[0].yaw - face.yaw) < 3 and abs(same.faces[0].roll - face.roll) < 3
    assert similarity(same.descriptor(0), found.descriptor(0)) > 99
    left, top, w, h = face.box
    wider = (left - w / 4, top - h / 4, w * 1.5, h * 1.5)
    assert similarity(measure_at(key, lambda: rgb, wider, points, 99.0).descriptor(0),
                      analyze(*load("obama2.jpg")).descriptor(0)) > 90
    assert measure_at(key, lambda: rgb, face.box, points, face.confidence) is same  # kept


def test_similarity_is_monotonic_in_distance() -> None:
    base = np.zeros(128, dtype=np.float32)
    sims = []
    for d in (0.0, 0.35, 0.5, 0.6, 0.9, 2.0):
        other = base.copy()
        other[0] = d
        sims.append(similarity(base, other))
    assert sims == sorted(sims, reverse=True)
    assert sims[1] > 95 and sims[2] > 80 > sims[3] and sims[4] < 5


@pytest.mark.parametrize(
    "rgb",
    [
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((480, 640, 3), np.uint8),
        np.full((80, 80, 3), 255, np.uint8),
        np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8),
        np.zeros((2000, 9, 3), np.uint8),
    ],
    ids=["1x1", "black", "white", "noise", "sliver"],
)
def test_odd_images_do_not_raise(rgb: np.ndarray) -> None:
    key = hashlib.sha256(rgb.tobytes() + str(rgb.shape).encode()).hexdigest()
    assert analyze(key, rgb).faces == []


def test_cache_returns_same_object_and_concurrent_calls_agree() -> None:
    key, rgb = load("obama.jpg")
    vision_api.clear_cache()
    results: list = []

    def work() -> None:
        res = analyze(key, rgb)
        results.append((res, res.descriptor(0).tobytes(), res.attributes(0)))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert all(r[0] is results[0][0] for r in results)
    assert len({r[1] for r in results}) == 1


@pytest.mark.slow
def test_import_does_not_load_heavy_modules() -> None:
    code = "import sys, rekmock.vision;print(any(m in sys.modules for m in ('cv2', 'dlib')))"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_default_landmarks_are_the_mesh_and_ibug68_is_an_option(monkeypatch) -> None:
    """The licence-clean Face Mesh is the default; dlib's iBUG 68 model only when asked for.
    Both place the astronaut's eyes within a few pixels of each other."""
    from rekmock.vision import landmarks

    key, rgb = load("astronaut.png")
    monkeypatch.delenv(landmarks.LANDMARKS_ENV, raising=False)
    assert landmarks.source() == "mesh"
    vision_api.clear_cache()
    mesh_eyes = np.array([analyze(key, rgb).faces[0].landmarks[k] for k in ("eyeLeft", "eyeRight")])
    monkeypatch.setenv(landmarks.LANDMARKS_ENV, "ibug68")
    assert landmarks.source() == "ibug68"
    vision_api.clear_cache()
    dlib_eyes = np.array([analyze(key, rgb).faces[0].landmarks[k] for k in ("eyeLeft", "eyeRight")])
    vision_api.clear_cache()
    iod = float(np.linalg.norm(mesh_eyes[1] - mesh_eyes[0]))
    assert iod > 20
    assert float(np.abs(mesh_eyes - dlib_eyes).max()) < 0.15 * iod


def test_confidence_is_on_the_service_scale() -> None:
    """Clear frontal faces get 99.99 or more, as on the service; the map from the detector's
    probability is monotone and keeps the floor's value, so weaker faces can fall under 95."""
    from rekmock.vision import detect

    for name in ("astronaut.png", "obama.jpg", "biden.jpg"):
        key, rgb = load(name)
        faces = analyze(key, rgb).faces
        assert len(faces) == 1, name  # obama.jpg: no 30-px shadow face at the bottom right
        assert faces[0].confidence >= 99.99, name
    probs = [detect.MIN_PROBABILITY, 0.93, 0.95, 0.99, detect.CLEAR_PROBABILITY, 0.99999]
    confs = [detect.confidence(p) for p in probs]
    assert confs == sorted(confs) and len(set(confs)) == len(confs)
    assert abs(confs[0] - 100 * detect.MIN_PROBABILITY) < 1e-9
    assert abs(detect.confidence(detect.CLEAR_PROBABILITY) - detect.CLEAR_CONFIDENCE) < 1e-9
    assert confs[1] < 95


def test_eye_spacing_reads_turned_faces_monotonically() -> None:
    """Narrower MTCNN eye spacing (relative to the eye-to-mouth height) means a larger turn."""
    from rekmock.vision import pose

    yaws = [pose.eye_spacing_yaw(_five(s)) for s in (40.0, 30.0, 20.0, 10.0)]
    assert yaws == sorted(yaws) and yaws[0] < yaws[-1] <= 90


def _five(spacing: float) -> np.ndarray:
    return np.array([[50 - spacing / 2, 50], [50 + spacing / 2, 50], [60, 70], [45, 90],
                     [55, 90]], dtype=np.float64)


def _rotated_mesh(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """A symmetric toy mesh (x right, y down, z away from the camera) turned by the given angles
    in the service's conventions: yaw > 0 nose to larger x, pitch > 0 looking up, roll > 0
    clockwise."""
    from rekmock.vision import pose

    mesh = np.zeros((468, 3))
    for k, (a, b) in enumerate(pose._MIRROR):
        mesh[a] = (-10.0 - k, k, 0.0)
        mesh[b] = (10.0 + k, k, 0.0)
    for k, (a, b) in enumerate(pose._MIDLINE):
        mesh[a] = (0.0, -20.0 - k, 0.0)
        mesh[b] = (0.0, 20.0 + k, 0.0)
    y, p, r = (np.radians(v) for v in (yaw, pitch, roll))
    turn = np.array([[np.cos(y), 0, -np.sin(y)], [0, 1, 0], [np.sin(y), 0, np.cos(y)]])
    nod = np.array([[1, 0, 0], [0, np.cos(p), np.sin(p)], [0, -np.sin(p), np.cos(p)]])
    tilt = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return mesh @ (tilt @ turn @ nod).T


def test_mesh_pose_reads_the_services_conventions() -> None:
    """Angles put into a toy mesh come back with the service's signs and the pitch offset, the
    yaw as the mesh reads it (no gain: the service reads turns as the mesh does); faces turned
    past TURNED also heed MTCNN's eye spacing."""
    from rekmock.vision import pose

    frontal = _five(40.0)
    for yaw, pitch, roll in ((10.0, 0.0, 0.0), (-10.0, 12.0, 0.0), (0.0, -15.0, 8.0),
                             (0.0, 0.0, -8.0)):
        r, y, p = pose.mesh_pose(_rotated_mesh(yaw, pitch, roll), frontal)
        assert abs(y - yaw) < 0.5 and abs(r - roll) < 0.5
        assert abs(p - (pitch + pose.PITCH_OFFSET)) < 0.5
    _, y, _ = pose.mesh_pose(_rotated_mesh(-25.0, 0.0, 0.0), frontal)
    assert abs(y - -25.0) < 0.5
    _, y, _ = pose.mesh_pose(_rotated_mesh(40.0, 0.0, 0.0), _five(10.0))
    assert y == pose.eye_spacing_yaw(_five(10.0)) > 45.0




def test_doubtful_faces_need_the_meshs_confirmation(monkeypatch) -> None:
    """Under VERIFY_BELOW a face needs the mesh's presence logit; under MIN_PROBABILITY (down to
    RESCUE_FROM) it needs the mesh to be sure (RESCUE_PRESENCE)."""
    from rekmock.vision import detect, mtcnn

    cases = [  # (probability, mesh presence, kept?)
        (0.99, -20.0, True), (0.93, -3.0, True), (0.93, -5.0, False),
        (0.70, 12.0, True), (0.70, 5.0, False), (0.55, 30.0, False),
    ]
    cands = [mtcnn.Candidate((40.0 * i, 0.0, 40.0 * i + 30.0, 36.0), p, np.zeros((5, 2)))
             for i, (p, _, _) in enumerate(cases)]
    monkeypatch.setattr(detect.mtcnn, "detect", lambda _img, _min, floor, mirrored: [
        c for c in cands if c.prob >= floor])
    monkeypatch.setattr(detect.mmod, "confirms", lambda _img, _box: False)
    presence = {40.0 * i: pres for i, (_, pres, _) in enumerate(cases)}
    monkeypatch.setattr(detect.facemesh, "first_pass",
                        lambda _img, box, _pts: (np.zeros((468, 3)), presence[box[0]]))
    work = np.zeros((60, 400, 3), np.uint8)
    kept = {d.box[0] for d in detect.detect(work, 1.0, 400, 60)}
    assert kept == {40.0 * i for i, (_, _, keep) in enumerate(cases) if keep}


def test_gender_reads_the_networks_probability() -> None:
    """Gender's Confidence is the network's probability, not the package's whole percent: the
    package's public answer is exactly its floor, on the same face."""
    from rekmock.vision import agegender
    from rekmock.vision.weights import age_gender

    key, rgb = load("astronaut.png")
    result = analyze(key, rgb)
    ctx = result._context(0)
    reading = agegender.predict(ctx)
    value, conf = agegender.gender(reading)
    left, top, width, height = ctx.box
    h, w = ctx.rgb.shape[:2]
    box = (max(0, int(top)), min(w - 1, int(left + width)), min(h - 1, int(top + height)),
           max(0, int(left)))
    public = age_gender().model.predict(ctx.rgb, [box])[0]
    assert value == ("Male" if public["gender"]["value"] == "male" else "Female") == "Female"
    assert int(np.floor(np.float32(conf))) == public["gender"]["confidence"]
    assert 50.0 <= conf <= 100.0 and conf != round(conf)
    assert 2.0 < reading.age_spread < 20.0
    assert abs(reading.age_mean - public["age"]["value"]) <= 0.51
    assert abs(reading.age - reading.age_mean) < reading.age_spread  # the median: the centre


def _closed_eyes(rgb: np.ndarray, result: object) -> np.ndarray:
    """``rgb`` with both eyes of its first face painted over with the skin below them and a
    dark lash line: a closed-eye version of the face."""
    import cv2

    from rekmock.vision.dlib68 import EYE_LEFT, EYE_RIGHT

    ctx = result._context(0)  # type: ignore[attr-defined]
    x0, y0 = ctx.origin
    out = rgb.copy()
    for eye in (EYE_LEFT, EYE_RIGHT):
        pts = ctx.pts68[eye] + np.array([x0, y0])
        width = float(np.ptp(pts[:, 0]))
        below = pts.mean(axis=0) + np.array([0.0, 0.45 * width])
        skin = rgb[int(below[1]) - 2:int(below[1]) + 3, int(below[0]) - 2:int(below[0]) + 3]
        hull = cv2.convexHull(pts.astype(np.int32))
        grown = np.round((hull - pts.mean(axis=0)) * 1.35 + pts.mean(axis=0)).astype(np.int32)
        cv2.fillConvexPoly(out, grown, [int(v) for v in skin.reshape(-1, 3).mean(axis=0)])
        lid = pts[[0, 4, 5, 3]] if len(pts) == 6 else pts
        cv2.polylines(out, [np.round(lid).astype(np.int32)], False, (40, 30, 30), 2)
    return out


def test_eyes_closed_by_paint_read_closed() -> None:
    """EyesOpen follows the lids (MediaPipe's eyelid network): the same face with its eyes
    painted shut reads closed, and each answer's confidence reflects its own evidence."""
    key, rgb = load("obama.jpg")
    result = analyze(key, rgb)
    opened = result.attributes(0).eyes_open
    shut = analyze(key + ":shut", _closed_eyes(rgb, result))
    closed = shut.attributes(0).eyes_open
    assert opened[0] is True and closed[0] is False
    assert 50.0 < opened[1] < 100.0 and 50.0 < closed[1] < 100.0 and opened[1] != closed[1]


def test_expression_classifier_and_smile() -> None:
    """The learned classifier reads a broad smile as HAPPY and Smile follows it; a face at rest
    is no smile."""
    from rekmock.vision import emotion

    key, rgb = load("obama.jpg")
    result = analyze(key, rgb)
    shares = emotion.shares(result._context(0))
    assert set(shares) == set(emotion.CLASSES) and abs(sum(shares.values()) - 100.0) < 0.01
    assert max(shares, key=shares.get) == "HAPPY"
    assert result.attributes(0).smile[0] is True
    key, rgb = load("hopper.jpg")
    assert analyze(key, rgb).attributes(0).smile[0] is False


def test_confidence_grows_with_the_evidence_and_is_never_capped() -> None:
    """A boolean attribute's Confidence is a monotone map of its log-odds: 50 at none, rising
    with more, and not pinned at a cap (Beard used to stop at 85)."""
    from rekmock.vision import attributes

    for name in attributes.TEMPERATURE:
        values = [attributes.confidence(name, z) for z in (0.0, 0.5, -1.0, 2.0, -4.0, 6.0)]
        assert values[0] == 50.0 and values == sorted(values)
        assert values[-1] > 85.0 and values[-1] != values[-2]


def test_a_chip_reaching_past_the_photo_continues_its_edge_pixels() -> None:
    """dlib fills what lies outside the photo with black; rekmock continues the edge pixels
    instead, and leaves a face well inside the photo exactly as it was."""
    from rekmock.vision.embedding import _edged

    rgb = np.full((200, 200, 3), 90, dtype=np.uint8)
    inside = np.array([[80.0, 80.0], [120.0, 120.0]])
    same, pts = _edged(rgb, inside)
    assert same is rgb and pts is inside
    near = inside - 70  # the points' box reaches 10 px from the top-left corner
    wider, moved = _edged(rgb, near)
    assert wider.shape == (280, 280, 3) and (wider == 90).all()  # edge pixels, no black
    assert np.array_equal(moved, near + 40)
