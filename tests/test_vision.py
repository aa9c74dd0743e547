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
from rekmock.vision import LANDMARK_TYPES, analyze, similarity
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
    obama1 = analyze(*load("obama.jpg"))
    obama2 = analyze(*load("obama2.jpg"))
    biden = analyze(*load("biden.jpg"))
    d1, d2, d3 = obama1.descriptor(0), obama2.descriptor(0), biden.descriptor(0)
    assert d1.dtype == np.float32 and d1.shape == (128,)
    assert similarity(d1, d1) > 99.9
    assert similarity(d1, d2) > 90
    assert similarity(d1, d3) < 50 and similarity(d2, d3) < 50


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
    """Angles put into a toy mesh come back with the service's signs, the yaw gain beyond
    YAW_GAIN_FROM and the pitch offset; turned faces also heed MTCNN's eye spacing."""
    from rekmock.vision import pose

    frontal = _five(40.0)
    for yaw, pitch, roll in ((10.0, 0.0, 0.0), (-10.0, 12.0, 0.0), (0.0, -15.0, 8.0),
                             (0.0, 0.0, -8.0)):
        r, y, p = pose.mesh_pose(_rotated_mesh(yaw, pitch, roll), frontal)
        assert abs(y - yaw) < 0.5 and abs(r - roll) < 0.5
        assert abs(p - (pitch + pose.PITCH_OFFSET)) < 0.5
    _, y, _ = pose.mesh_pose(_rotated_mesh(-25.0, 0.0, 0.0), frontal)
    assert abs(y - -(25.0 + pose.YAW_GAIN * (25.0 - pose.YAW_GAIN_FROM))) < 0.5
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
