"""QualityFilter: which faces are good enough to index or search, and why not.

The service documents the levels but not their numbers. These are set on the service's own
scales (Brightness and Sharpness as calibrated in ``vision.image_quality``, Confidence 0..100,
pose in degrees, face width in pixels of the original image) so that every face the recorded
real answers indexed is indexed here too: a clear 40-px face at AUTO (real Sharpness 3-5 on
small faces of group photos), a dim face at HIGH, near-profile faces. AUTO is MEDIUM. A face
failing a bar gets every reason that applies, in the service's Reason vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import FaceView


@dataclass(frozen=True)
class QualityBar:
    min_confidence: float
    min_brightness: float
    min_sharpness: float
    max_yaw: float
    max_pitch: float
    min_width_px: float


BARS: dict[str, QualityBar] = {
    "LOW": QualityBar(50.0, 5.0, 1.0, 85.0, 70.0, 20.0),
    "MEDIUM": QualityBar(80.0, 10.0, 2.0, 75.0, 55.0, 30.0),
    "HIGH": QualityBar(95.0, 20.0, 4.0, 50.0, 40.0, 50.0),
}
BARS["AUTO"] = BARS["MEDIUM"]


def reasons(face: FaceView, level: str) -> list[str]:
    """The service's Reasons for filtering ``face`` at ``level`` (empty: the face passes)."""
    bar = BARS.get(level)
    if bar is None:  # NONE
        return []
    out: list[str] = []
    pose = face.pose()
    quality = face.quality()
    if abs(pose["Yaw"]) > bar.max_yaw or abs(pose["Pitch"]) > bar.max_pitch:
        out.append("EXTREME_POSE")
    if quality["Brightness"] < bar.min_brightness:
        out.append("LOW_BRIGHTNESS")
    if quality["Sharpness"] < bar.min_sharpness:
        out.append("LOW_SHARPNESS")
    if face.confidence() < bar.min_confidence:
        out.append("LOW_CONFIDENCE")
    if face.bounding_box()["Width"] * face.image.width < bar.min_width_px:
        out.append("SMALL_BOUNDING_BOX")
    if len(out) > 1:
        out.append("LOW_FACE_QUALITY")
    return out


def passing(faces: list[FaceView], level: str) -> list[FaceView]:
    """The faces that pass ``level``, order kept."""
    return [f for f in faces if not reasons(f, level)]
