"""Pictures of what the mock answered: faces, landmarks, pose axes, labels, comparisons.

Takes pixels (upright RGB arrays) and response dicts in the service's shapes, nothing else: no
vision, no HTTP, no boto3. Small photos are enlarged before drawing so the labels stay legible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
# Distinct, readable on photos (RGB).
PALETTE = [(0, 200, 255), (255, 170, 0), (140, 255, 60), (255, 80, 200), (255, 255, 60),
           (170, 120, 255)]
MATCH, NO_MATCH = (60, 230, 60), (235, 60, 60)
AXIS_COLOURS = {"x": (230, 40, 40), "y": (40, 210, 40), "z": (50, 110, 255)}
MIN_SIDE, MAX_SIDE = 900, 1600  # drawings' long side, whatever the photo's


def _resized(
    rgb: np.ndarray, long_side: int | None = None, height: int | None = None
) -> np.ndarray:
    h, w = rgb.shape[:2]
    if height is not None:
        scale = height / h
    else:
        target = long_side or min(max(max(h, w), MIN_SIDE), MAX_SIDE)
        scale = target / max(h, w)
    if abs(scale - 1.0) < 1e-3:
        return np.ascontiguousarray(rgb[:, :, :3]).copy()
    interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(np.ascontiguousarray(rgb[:, :, :3]), size, interpolation=interp)


class _Pen:
    """Line widths and font size in proportion to the canvas."""

    def __init__(self, canvas: np.ndarray) -> None:
        long_side = max(canvas.shape[:2])
        self.thick = max(1, round(long_side / 500))
        self.font = max(0.45, long_side / 1500)
        self.font_thick = max(1, round(long_side / 900))
        self.dot = max(2, round(long_side / 350))

    def text_size(self, text: str) -> tuple[int, int, int]:
        (w, h), base = cv2.getTextSize(text, FONT, self.font, self.font_thick)
        return w, h, base

    def label(self, canvas: np.ndarray, lines: Sequence[str], x: int, y: int,
              colour: tuple[int, int, int], above: bool = True) -> None:
        """Lines of text on a filled box whose bottom-left (above) or top-left is (x, y)."""
        if not lines:
            return
        sizes = [self.text_size(t) for t in lines]
        pad = max(2, self.font_thick * 2)
        line_h = max(h + b for _, h, b in sizes) + pad
        box_w = max(w for w, _, _ in sizes) + 2 * pad
        box_h = line_h * len(lines) + pad
        ch, cw = canvas.shape[:2]
        top = y - box_h if above else y
        if above and top < 0:
            top = y  # no room above: go below the anchor
        top = int(min(max(top, 0), max(ch - box_h, 0)))
        left = int(min(max(x, 0), max(cw - box_w, 0)))
        cv2.rectangle(canvas, (left, top), (left + box_w, top + box_h), colour, cv2.FILLED)
        ink = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
        for i, (text, (_, h, _)) in enumerate(zip(lines, sizes, strict=True)):
            baseline = top + pad + (i * line_h) + h
            cv2.putText(canvas, text, (left + pad, baseline), FONT, self.font, ink,
                        self.font_thick, cv2.LINE_AA)


def _box_px(box: dict[str, float], w: int, h: int) -> tuple[int, int, int, int]:
    left, top = box.get("Left", 0.0) * w, box.get("Top", 0.0) * h
    return (round(left), round(top), round(left + box.get("Width", 0.0) * w),
            round(top + box.get("Height", 0.0) * h))


def _pose_axes(yaw: float, pitch: float, roll: float) -> dict[str, tuple[float, float]]:
    """Image-plane projections of the head's axes (x = viewer's right, y = down, z = nose).

    Conventions as the mock reports them: yaw > 0 turns the nose to larger x, pitch > 0 looks
    up, roll > 0 rotates the face clockwise in the image.
    """
    y, p, r = (math.radians(a) for a in (yaw, pitch, roll))
    rot_yaw = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rot_pitch = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)],
                          [0, math.sin(p), math.cos(p)]])
    rot_roll = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0],
                         [0, 0, 1]])
    rot = rot_roll @ rot_pitch @ rot_yaw  # camera axes: x right, y down, z towards the viewer
    return {name: (float(rot[0, i]), float(rot[1, i])) for i, name in enumerate("xyz")}


def _deg(value: float) -> int:
    return int(round(value)) + 0  # + 0: no "-0"


def _face_lines(index: int, face: dict[str, Any]) -> list[str]:
    """The short label: number and confidence, pose, and the main attributes when present."""
    head = f"#{index + 1} {face.get('Confidence', 0.0):.1f}%"
    pose = face.get("Pose")
    if pose:
        head += (f" yaw {_deg(pose.get('Yaw', 0))} pitch {_deg(pose.get('Pitch', 0))}"
                 f" roll {_deg(pose.get('Roll', 0))}")
    lines = [head]
    extra = []
    if "AgeRange" in face:
        extra.append(f"age {face['AgeRange'].get('Low')}-{face['AgeRange'].get('High')}")
    if "Gender" in face:
        extra.append(f"{face['Gender'].get('Value')} {face['Gender'].get('Confidence', 0):.0f}%")
    if extra:
        lines.append(" ".join(extra))
    extra = []
    if "Smile" in face:
        smile = face["Smile"]
        extra.append(("smile" if smile.get("Value") else "no smile")
                     + f" {smile.get('Confidence', 0):.0f}%")
    emotions = face.get("Emotions") or []
    if emotions:
        top = max(emotions, key=lambda e: e.get("Confidence", 0.0))
        extra.append(f"{top.get('Type')} {top.get('Confidence', 0):.0f}%")
    if extra:
        lines.append(" ".join(extra))
    return lines


def _draw_face(canvas: np.ndarray, pen: _Pen, face: dict[str, Any],
               colour: tuple[int, int, int], lines: Sequence[str],
               origin: tuple[int, int] = (0, 0), size: tuple[int, int] | None = None,
               axes: bool = True) -> None:
    """Box, landmarks, pose axes and label of one FaceDetail, in the region at ``origin``."""
    ox, oy = origin
    w, h = size or (canvas.shape[1], canvas.shape[0])
    x0, y0, x1, y1 = _box_px(face.get("BoundingBox", {}), w, h)
    x0, y0, x1, y1 = x0 + ox, y0 + oy, x1 + ox, y1 + oy
    cv2.rectangle(canvas, (x0, y0), (x1, y1), colour, pen.thick, cv2.LINE_AA)
    nose = None
    dot = int(min(pen.dot, max(1, (x1 - x0) // 40)))
    for mark in face.get("Landmarks", []):
        px, py = round(mark["X"] * w) + ox, round(mark["Y"] * h) + oy
        if mark.get("Type") == "nose":
            nose = (px, py)
        cv2.circle(canvas, (px, py), dot + 1, (0, 0, 0), cv2.FILLED, cv2.LINE_AA)
        cv2.circle(canvas, (px, py), dot, colour, cv2.FILLED, cv2.LINE_AA)
    pose = face.get("Pose")
    if pose and axes:
        centre = nose or ((x0 + x1) // 2, (y0 + y1) // 2)
        length = 0.45 * max(x1 - x0, 1)
        vectors = _pose_axes(pose.get("Yaw", 0.0), pose.get("Pitch", 0.0), pose.get("Roll", 0.0))
        for name in "xyz":
            dx, dy = vectors[name]
            end = (round(centre[0] + length * dx), round(centre[1] + length * dy))
            cv2.arrowedLine(canvas, centre, end, AXIS_COLOURS[name], pen.thick + 1, cv2.LINE_AA,
                            tipLength=0.2)
    if lines:
        pen.label(canvas, lines, x0, y0 - pen.thick, colour)


def _legend(canvas: np.ndarray, pen: _Pen) -> None:
    """Which colour is which pose axis, in a dark strip at the bottom left."""
    entries = [("x", "right"), ("y", "down"), ("z", "nose direction")]
    pad = max(3, pen.font_thick * 3)
    _, h, b = pen.text_size("Ag")
    swatch = 2 * h
    parts = [("pose axes:", None)] + [
        (f"{name} {text}", AXIS_COLOURS[name]) for name, text in entries
    ]
    width = sum(pen.text_size(t)[0] + (swatch + pad if c else 0) + 4 * pad for t, c in parts)
    top = canvas.shape[0] - (h + b + 2 * pad)
    cv2.rectangle(canvas, (0, top), (min(width, canvas.shape[1] - 1), canvas.shape[0] - 1),
                  (25, 25, 25), cv2.FILLED)
    x, base = pad, canvas.shape[0] - b - pad
    for text, colour in parts:
        if colour is not None:
            y = base - h // 2
            cv2.line(canvas, (x, y), (x + swatch, y), colour, pen.thick + 2, cv2.LINE_AA)
            x += swatch + pad
        cv2.putText(canvas, text, (x, base), FONT, pen.font, (255, 255, 255), pen.font_thick,
                    cv2.LINE_AA)
        x += pen.text_size(text)[0] + 4 * pad


def draw_faces(rgb: np.ndarray, face_details: Sequence[dict[str, Any]]) -> np.ndarray:
    """The photo with every FaceDetail of a DetectFaces response drawn on it (RGB out)."""
    canvas = _resized(rgb)
    pen = _Pen(canvas)
    for i, face in enumerate(face_details):
        _draw_face(canvas, pen, face, PALETTE[i % len(PALETTE)], _face_lines(i, face))
    if not face_details:
        pen.label(canvas, ["no faces"], 0, 0, NO_MATCH, above=False)
    elif any(f.get("Pose") for f in face_details):
        _legend(canvas, pen)
    return canvas


def _centre(box: tuple[int, int, int, int]) -> tuple[int, int]:
    return (box[0] + box[2]) // 2, (box[1] + box[3]) // 2


def draw_comparison(source_rgb: np.ndarray, target_rgb: np.ndarray,
                    response: dict[str, Any]) -> np.ndarray:
    """Source and target side by side; each match linked to the source face, Similarity on it."""
    height = min(max(source_rgb.shape[0], target_rgb.shape[0], 640), 1000)
    left, right = _resized(source_rgb, height=height), _resized(target_rgb, height=height)
    gap = max(16, height // 30)
    canvas = np.full((height, left.shape[1] + gap + right.shape[1], 3), 255, np.uint8)
    canvas[:, : left.shape[1]] = left
    offset = left.shape[1] + gap
    canvas[:, offset:] = right
    pen = _Pen(canvas)
    lw, rw = left.shape[1], right.shape[1]

    source = response.get("SourceImageFace") or {}
    src_box = _box_px(source.get("BoundingBox", {}), lw, height)
    _draw_face(canvas, pen, {"BoundingBox": source.get("BoundingBox", {})}, MATCH,
               [f"source {source.get('Confidence', 0.0):.1f}%"], (0, 0), (lw, height))
    for face in response.get("UnmatchedFaces", []):
        _draw_face(canvas, pen, face, NO_MATCH, ["no match"], (offset, 0), (rw, height),
                   axes=False)
    links = []
    for match in response.get("FaceMatches", []):
        face = match.get("Face", {})
        _draw_face(canvas, pen, face, MATCH, [], (offset, 0), (rw, height), axes=False)
        box = _box_px(face.get("BoundingBox", {}), rw, height)
        box = (box[0] + offset, box[1], box[2] + offset, box[3])
        start = (src_box[2], _centre(src_box)[1])
        end = (box[0], _centre(box)[1])
        cv2.line(canvas, start, end, MATCH, pen.thick + 1, cv2.LINE_AA)
        links.append((start, end, match.get("Similarity", 0.0)))
    for start, end, similarity in links:  # labels last, over every line
        mid = ((start[0] + end[0]) // 2, (start[1] + end[1]) // 2)
        text = f"Similarity {similarity:.1f}"
        w, h, b = pen.text_size(text)
        pen.label(canvas, [text], mid[0] - w // 2, mid[1] - (h + b) // 2, MATCH, above=False)
    if not response.get("FaceMatches"):
        pen.label(canvas, ["no match"], offset, 0, NO_MATCH, above=False)
    return canvas


def write(path: str, rgb: np.ndarray) -> None:
    """Save an RGB drawing; the format follows the extension (.png, .jpg, ...)."""
    try:
        ok = cv2.imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    except cv2.error as exc:
        raise ValueError(str(exc).strip().splitlines()[-1]) from None
    if not ok:
        raise OSError("OpenCV could not write it (unknown extension or unwritable place)")
