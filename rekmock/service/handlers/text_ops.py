"""DetectText, StartTextDetection and GetTextDetection.

rekmock reads no text: an image or video has no text detections unless a test scripted them
(``RekognitionState.set_text`` and ``set_video_text``). moto answered DetectText with the same
canned words whatever the image; rekmock answers what the test scripted, or nothing.

Filters apply to scripted detections: WordFilter (MinConfidence, MinBoundingBoxHeight,
MinBoundingBoxWidth) to WORDs, RegionsOfInterest to every detection (kept when the centre of
its box lies in a region's BoundingBox, or in the box around a region's Polygon).
"""

from __future__ import annotations

from typing import Any

from ...backend.analysis import TEXT, scripted_for
from ...backend.scripts import refs_of
from ...faces import video
from ..context import Context
from . import operation
from .label_ops import frame_refs
from .video_ops import Clip, get_job, start_job

TEXT_MODEL_VERSION = "3.0"


def _region(region: dict[str, Any]) -> tuple[float, float, float, float] | None:
    if "BoundingBox" in region:
        b = region["BoundingBox"]
        left, top = b.get("Left", 0.0), b.get("Top", 0.0)
        return left, top, left + b.get("Width", 0.0), top + b.get("Height", 0.0)
    points = region.get("Polygon", [])
    if not points:
        return None
    xs, ys = [p.get("X", 0.0) for p in points], [p.get("Y", 0.0) for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def filtered(detections: list[dict[str, Any]] | None, filters: dict[str, Any] | None
             ) -> list[dict[str, Any]]:
    words = (filters or {}).get("WordFilter", {})
    regions = [r for r in (_region(x) for x in (filters or {}).get("RegionsOfInterest", []))
               if r is not None]
    out = []
    for found in detections or []:
        box = found.get("Geometry", {}).get("BoundingBox", {})
        if found.get("Type") == "WORD" and (
            found.get("Confidence", 100.0) < words.get("MinConfidence", 0.0)
            or box.get("Height", 1.0) < words.get("MinBoundingBoxHeight", 0.0)
            or box.get("Width", 1.0) < words.get("MinBoundingBoxWidth", 0.0)
        ):
            continue
        if regions and box:
            cx = box.get("Left", 0.0) + box.get("Width", 0.0) / 2
            cy = box.get("Top", 0.0) + box.get("Height", 0.0) / 2
            if not any(x1 <= cx <= x2 and y1 <= cy <= y2 for x1, y1, x2, y2 in regions):
                continue
        out.append(found)
    return out


@operation("DetectText")
def detect_text(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    image = ctx.image(params["Image"])
    scripted = scripted_for(ctx.account_id).scripted_answer(
        TEXT, refs_of(image.key, image.s3_location))
    return {"TextDetections": filtered(scripted, params.get("Filters")),
            "TextModelVersion": TEXT_MODEL_VERSION}


def _text(ctx: Context, request: dict[str, Any], clip: Clip) -> list[dict[str, Any]]:
    scripts = scripted_for(ctx.account_id)
    out = []
    for timestamp in video.sampled_timestamps(clip.info):
        scripted = scripts.scripted_answer(TEXT, frame_refs(clip, timestamp))
        for found in filtered(scripted, request.get("Filters")):
            out.append({"Timestamp": timestamp, "TextDetection": found})
    clip.extra["TextModelVersion"] = TEXT_MODEL_VERSION
    return out


@operation("StartTextDetection")
def start_text_detection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return start_job(ctx, "StartTextDetection", "TEXT_DETECTION", params, _text)


@operation("GetTextDetection")
def get_text_detection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return get_job(ctx, params, "TEXT_DETECTION", "TextDetections",
                   lambda r: (r["Timestamp"], r["TextDetection"].get("Id", 0)))
