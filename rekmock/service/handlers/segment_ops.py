"""StartSegmentDetection and GetSegmentDetection: shots and technical cues measured on every
frame of a stored video (``faces.segments``), with the VideoMetadata (a list, here) and the
AudioMetadata read from the file.

Segments come in the order of the request's SegmentTypes, each type by time; SelectedSegmentTypes
lists the requested types with their model version.
"""

from __future__ import annotations

from typing import Any

from ...faces import segments, video
from ..context import Context
from . import operation
from .video_ops import Clip, get_job, start_job


def _segments(ctx: Context, request: dict[str, Any], clip: Clip) -> list[dict[str, Any]]:
    filters = request.get("Filters", {})
    cue_filter = filters.get("TechnicalCueFilter", {})
    black = cue_filter.get("BlackFrame", {})
    types = list(dict.fromkeys(request["SegmentTypes"]))
    stats = segments.frame_stats(
        video.every_frame(clip.data),
        black.get("MaxPixelThreshold", segments.DEFAULT_MAX_PIXEL_THRESHOLD))
    fps = clip.info.frame_rate
    out: list[dict[str, Any]] = []
    for kind in types:
        if kind == "SHOT":
            out += segments.shots(stats, fps, filters.get("ShotFilter", {}).get(
                "MinSegmentConfidence", segments.DEFAULT_MIN_CONFIDENCE))
        else:
            out += segments.technical_cues(
                stats, fps, black.get("MinCoveragePercentage", segments.DEFAULT_MIN_COVERAGE),
                cue_filter.get("MinSegmentConfidence", segments.DEFAULT_MIN_CONFIDENCE))
    clip.extra["AudioMetadata"] = video.audio_metadata(clip.data)
    clip.extra["SelectedSegmentTypes"] = [
        {"Type": kind, "ModelVersion": segments.MODEL_VERSION} for kind in types]
    return out


@operation("StartSegmentDetection")
def start_segment_detection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return start_job(ctx, "StartSegmentDetection", "SEGMENT_DETECTION", params, _segments)


@operation("GetSegmentDetection")
def get_segment_detection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    out = get_job(ctx, params, "SEGMENT_DETECTION", "Segments", lambda r: 0)  # stored order
    if "VideoMetadata" in out:
        out["VideoMetadata"] = [out["VideoMetadata"]]
    return out
