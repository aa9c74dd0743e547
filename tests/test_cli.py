"""The ``rekmock`` command (detect, compare, serve arguments) and the drawing module."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from rekmock.cli import draw
from rekmock.cli.main import main
from tests.helpers import DATA, ROOT


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """main() in-process: exit code, stdout parsed as JSON when it is, stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    try:
        parsed: Any = json.loads(out)
    except ValueError:
        parsed = out
    return code, parsed, err


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path))
    assert bgr is not None, f"{path} is not an image"
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


# --- detect ---------------------------------------------------------------------------------


def test_detect_prints_the_detectfaces_response(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "detect", str(DATA / "obama.jpg"))
    assert code == 0, err
    assert set(out) == {"FaceDetails"}  # no ResponseMetadata, as aws-cli prints it
    largest = out["FaceDetails"][0]
    assert [m["Type"] for m in largest["Landmarks"]] == [
        "eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose"
    ]
    assert "AgeRange" not in largest and largest["Confidence"] > 90


def test_detect_all_attributes_and_no_face(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "detect", str(DATA / "astronaut.png"), "--attributes", "ALL")
    assert code == 0
    (face,) = out["FaceDetails"]
    assert len(face["Landmarks"]) == 30
    assert {"AgeRange", "Gender", "Smile", "Emotions", "EyeDirection"} <= set(face)
    code, out, _ = run(capsys, "detect", str(DATA / "coffee.jpg"))
    assert code == 0 and out == {"FaceDetails": []}


def test_detect_draw(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_png = tmp_path / "drawn.png"
    code, out, err = run(capsys, "detect", str(DATA / "astronaut.png"), "--attributes", "ALL",
                         "--draw", str(out_png))
    assert code == 0 and str(out_png) in err
    drawn = read_rgb(out_png)
    assert drawn.shape == (900, 900, 3)  # 512 px photo enlarged so labels are legible
    plain = cv2.resize(read_rgb(DATA / "astronaut.png"), (900, 900),
                       interpolation=cv2.INTER_CUBIC)
    changed = np.any(np.abs(drawn.astype(int) - plain.astype(int)) > 40, axis=2)
    box = out["FaceDetails"][0]["BoundingBox"]
    x0, y0 = round(box["Left"] * 900), round(box["Top"] * 900)
    x1, y1 = x0 + round(box["Width"] * 900), y0 + round(box["Height"] * 900)
    assert changed[y0 + 5 : y1 - 5, x0 - 1 : x0 + 2].mean() > 0.8  # the box's left edge
    inner = changed[y0 + 5 : y1 - 5, x0 + 5 : x1 - 5].mean()
    assert 0.005 < inner < 0.5  # landmarks and pose axes, not a filled face
    assert changed[700:850, 100:400].mean() < 0.01  # the suit is left alone


def test_detect_draw_is_upright(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A photo stored sideways with EXIF orientation 6 is drawn as it is viewed."""
    assert run(capsys, "detect", str(DATA / "hopper.jpg"), "--draw",
               str(tmp_path / "a.png"))[0] == 0
    assert run(capsys, "detect", str(DATA / "hopper_orientation_6.jpg"), "--draw",
               str(tmp_path / "b.png"))[0] == 0
    upright, rotated = read_rgb(tmp_path / "a.png"), read_rgb(tmp_path / "b.png")
    same = np.abs(upright.astype(int) - rotated.astype(int)).mean()
    turned = np.abs(np.rot90(upright).astype(int) - rotated.astype(int)).mean()
    assert same < turned / 2


# --- compare --------------------------------------------------------------------------------


def test_compare_same_person_and_draw(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_png = tmp_path / "pair.png"
    code, out, err = run(capsys, "compare", str(DATA / "obama.jpg"), str(DATA / "obama2.jpg"),
                         "--draw", str(out_png))
    assert code == 0, err
    assert set(out) == {"SourceImageFace", "FaceMatches", "UnmatchedFaces"}
    assert len(out["FaceMatches"]) == 1 and out["FaceMatches"][0]["Similarity"] >= 80
    drawn = read_rgb(out_png)
    h = drawn.shape[0]
    widths = 512 * h / 640 + 334 * h / 640  # both photos at the same height, and a gap
    assert widths < drawn.shape[1] < widths + h / 10
    # The link crosses the white gap between the photos, in the match colour.
    gap = drawn[:, round(512 * h / 640) + 3]
    assert np.any(np.all(np.abs(gap.astype(int) - draw.MATCH) < 40, axis=1))


def test_compare_threshold_and_different_people(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "compare", str(DATA / "obama.jpg"), str(DATA / "biden.jpg"))
    assert code == 0 and out["FaceMatches"] == [] and len(out["UnmatchedFaces"]) == 1
    code, out, _ = run(capsys, "compare", str(DATA / "obama.jpg"), str(DATA / "obama2.jpg"),
                       "--threshold", "100")
    assert code == 0 and out["FaceMatches"] == []


# --- errors: one line on stderr, exit code 2, no traceback ----------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["detect", "nope.jpg"], "rekmock: error: nope.jpg: no such file"),
        (["detect", str(DATA / "SOURCES.md")], "not a JPEG or PNG image"),
        (["detect", str(DATA)], "is a directory"),
        (["compare", str(DATA / "obama.jpg"), "missing.png"], "missing.png: no such file"),
        (["compare", str(DATA / "coffee.jpg"), str(DATA / "obama.jpg")],
         "InvalidParameterException: Request has invalid parameters"),
        (["detect", str(DATA / "obama.jpg"), "--attributes", "FOO"],
         "ValidationException: 1 validation error detected: Value '[FOO]' at 'attributes'"),
        (["compare", str(DATA / "obama.jpg"), str(DATA / "obama2.jpg"), "--threshold", "101"],
         "ValidationException: 1 validation error detected"),
    ],
)
def test_errors(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and expected in err
    if "Exception" in expected:  # the service's words: "Code: message", nothing before
        assert err.startswith(expected.split(":")[0] + ": ")


def test_tiny_image_is_the_services_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tiny = tmp_path / "tiny.png"
    cv2.imwrite(str(tiny), np.zeros((40, 40, 3), np.uint8))
    code, _, err = run(capsys, "detect", str(tiny))
    assert code == 2 and err.startswith("InvalidParameterException: ")


@pytest.mark.parametrize("name", ["no/such/dir/out.png", "out.unknown-extension"])
def test_draw_to_an_impossible_place(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    code, out, err = run(capsys, "detect", str(DATA / "hopper.jpg"), "--draw", str(tmp_path / name))
    assert code == 2
    assert out["FaceDetails"]  # the response is printed before the drawing fails
    assert err.startswith("rekmock: error: ") and "cannot write" in err
    assert len(err.strip().splitlines()) == 1


def test_serve_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--port", "http"])
    assert exc.value.code == 2 and "not a port number" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run(capsys, "serve", "--port", str(port))
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err


@pytest.mark.slow
def test_console_script_has_no_traceback() -> None:
    """The installed ``rekmock`` command, as a user runs it."""
    exe = shutil.which("rekmock") or str(Path(sys.executable).with_name("rekmock"))
    if not Path(exe).exists():
        pytest.skip("the rekmock console script is not installed")
    done = subprocess.run([exe, "detect", "nope.jpg"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "rekmock: error: nope.jpg: no such file\n"
    done = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert all(cmd in done.stdout for cmd in ("detect", "compare", "serve"))


# --- the drawing module on its own (no vision involved) -------------------------------------


def synthetic_face(left: float, top: float, size: float, **extra: Any) -> dict[str, Any]:
    return {
        "BoundingBox": {"Left": left, "Top": top, "Width": size, "Height": size},
        "Confidence": 99.5,
        "Landmarks": [{"Type": "nose", "X": left + size / 2, "Y": top + size / 2}],
        "Pose": {"Yaw": 30.0, "Pitch": 0.0, "Roll": 0.0},
        **extra,
    }


def test_draw_faces_on_a_synthetic_image() -> None:
    grey = np.full((300, 400, 3), 128, np.uint8)
    face = synthetic_face(0.25, 0.25, 0.5, Emotions=[{"Type": "CALM", "Confidence": 80.0},
                                                     {"Type": "HAPPY", "Confidence": 90.0}])
    out = draw.draw_faces(grey, [face])
    assert out.shape == (675, 900, 3) and grey.mean() == 128  # enlarged; input untouched
    assert tuple(out[500, 225]) == draw.PALETTE[0]  # left edge of the box
    # Yaw 30 turns the nose axis (z) to the viewer's right of the nose.
    nose_x, nose_y = 450, 338
    blue = np.all(np.abs(out.astype(int) - draw.AXIS_COLOURS["z"]) < 30, axis=2)
    ys, xs = np.nonzero(blue[nose_y - 10 : nose_y + 10, :])
    assert xs.size and xs.max() > nose_x + 40
    assert draw._face_lines(0, face)[-1] == "HAPPY 90%"
    assert draw._face_lines(0, face)[0] == "#1 99.5% yaw 30 pitch 0 roll 0"


def test_draw_comparison_without_matches() -> None:
    a, b = np.zeros((200, 100, 3), np.uint8), np.zeros((100, 100, 3), np.uint8)
    response = {"SourceImageFace": {"BoundingBox": {"Left": 0.1, "Top": 0.1, "Width": 0.5,
                                                    "Height": 0.5}, "Confidence": 99.0},
                "FaceMatches": [],
                "UnmatchedFaces": [synthetic_face(0.2, 0.2, 0.4)]}
    out = draw.draw_comparison(a, b, response)
    assert out.shape[0] == 640 and out.shape[1] > 320 + 640
    unmatched = np.all(out == draw.NO_MATCH, axis=2)
    assert unmatched[:, 320 + 21 :].any() and not unmatched[200:, :300].any()
