"""DetectLabels, StartLabelDetection and GetLabelDetection: people seen through their faces,
image properties measured on the pixels, and whatever a test scripted (``faces.labels``).

moto answers DetectLabels with the same canned labels whatever the image; rekmock answers what it
sees (or what the test scripted), so a photo without a face has no Person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...backend.analysis import LABELS, scripted_for
from ...backend.scripts import refs_of
from ...faces import labels as lab
from ...faces import video
from ...faces.analysis import faces_of
from ...faces.people import person_box
from ..context import Context
from . import operation
from .video_ops import Clip, get_job, start_job

IMAGE_MIN_CONFIDENCE = 55.0  # DetectLabels' default MinConfidence
VIDEO_MIN_CONFIDENCE = 50.0  # StartLabelDetection's
# A label unseen for longer than this between two samples starts a new segment (AggregateBy
# SEGMENTS): more than one sampling interval.
SEGMENT_GAP_MILLIS = video.SAMPLE_MILLIS * 3 // 2


@operation("DetectLabels")
def detect_labels(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    image = ctx.image(params["Image"], max_side=lab.MAX_SIDE)
    features = params.get("Features") or ["GENERAL_LABELS"]
    settings = params.get("Settings", {})
    limit = settings.get("ImageProperties", {}).get("MaxDominantColors", lab.DEFAULT_MAX_COLORS)
    faces = faces_of(image, ctx.scripts)
    labels: list[dict[str, Any]] = []
    if "GENERAL_LABELS" in features:
        scripted = scripted_for(ctx.account_id).scripted_answer(
            LABELS, refs_of(image.key, image.s3_location))
        labels = lab.selected(lab.merged(lab.seen_labels(faces), scripted),
                              params.get("MinConfidence", IMAGE_MIN_CONFIDENCE), settings,
                              params.get("MaxLabels", lab.MAX_LABELS))
    out: dict[str, Any] = {"Labels": labels, "LabelModelVersion": lab.LABEL_MODEL_VERSION}
    if "IMAGE_PROPERTIES" in features:
        out["ImageProperties"] = lab.measured_colors(
            image.key, image.pixels, labels, [person_box(f) for f in faces], limit)
    return out


def frame_refs(clip: Clip, timestamp: int) -> list[tuple[str, ...]]:
    """The names a sampled frame's scripted answers are kept under, most specific first."""
    return [video.frame_ref(clip.info.key, timestamp), video.frame_ref(clip.info.key, None)]


def _labels(ctx: Context, request: dict[str, Any], clip: Clip) -> list[dict[str, Any]]:
    scripts = scripted_for(ctx.account_id)
    minimum = request.get("MinConfidence", VIDEO_MIN_CONFIDENCE)
    out = []
    for timestamp, faces in clip.faces(ctx):
        scripted = scripts.scripted_answer(LABELS, frame_refs(clip, timestamp))
        for label in lab.selected(lab.merged(lab.seen_labels(faces), scripted), minimum,
                                  request.get("Settings")):
            out.append({"Timestamp": timestamp, "Label": label})
    clip.extra["LabelModelVersion"] = lab.LABEL_MODEL_VERSION
    return out


@operation("StartLabelDetection")
def start_label_detection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return start_job(ctx, "StartLabelDetection", "LABEL_DETECTION", params, _labels)


def segments_of(rows: list[dict[str, Any]], member: str) -> list[dict[str, Any]]:
    """AggregateBy SEGMENTS: each run of samples showing one label (by name) becomes one row
    with StartTimestampMillis, EndTimestampMillis, DurationMillis, Timestamp = the start, the
    run's highest Confidence and no Instances."""
    runs: dict[str, list[dict[str, Any]]] = {}
    out: list[dict[str, Any]] = []
    for row in sorted(rows, key=lambda r: r["Timestamp"]):
        name = row[member].get("Name", "")
        current = runs.get(name)
        if current and row["Timestamp"] - current[-1]["EndTimestampMillis"] <= SEGMENT_GAP_MILLIS:
            seg = current[-1]
            seg["EndTimestampMillis"] = row["Timestamp"]
            seg["DurationMillis"] = row["Timestamp"] - seg["StartTimestampMillis"]
            best = max(seg[member].get("Confidence", 0.0), row[member].get("Confidence", 0.0))
            seg[member]["Confidence"] = best
            continue
        label = {k: v for k, v in row[member].items() if k != "Instances"}
        seg = {"Timestamp": row["Timestamp"], member: label,
               "StartTimestampMillis": row["Timestamp"], "EndTimestampMillis": row["Timestamp"],
               "DurationMillis": 0}
        runs.setdefault(name, []).append(seg)
        out.append(seg)
    return out


def timeline_get(ctx: Context, params: dict[str, Any], api: str, member: str, item: str
                 ) -> dict[str, Any]:
    """A Get of labels or moderation labels: SortBy TIMESTAMP (default) or NAME, AggregateBy
    TIMESTAMPS (default) or SEGMENTS, and GetRequestMetadata saying which."""
    sort_by = params.get("SortBy", "TIMESTAMP")
    aggregate = params.get("AggregateBy", "TIMESTAMPS")
    order: Callable[[dict[str, Any]], Any]
    if sort_by == "NAME":
        def order(r: dict[str, Any]) -> Any:
            return (r[item].get("Name", ""), r["Timestamp"])
    else:
        def order(r: dict[str, Any]) -> Any:
            return (r["Timestamp"], -r[item].get("Confidence", 0.0), r[item].get("Name", ""))
    rows = (lambda rs: segments_of(rs, item)) if aggregate == "SEGMENTS" else None
    out = get_job(ctx, params, api, member, order, rows)
    if out["JobStatus"] == "SUCCEEDED":
        out["GetRequestMetadata"] = {"SortBy": sort_by, "AggregateBy": aggregate}
    return out


@operation("GetLabelDetection")
def get_label_detection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return timeline_get(ctx, params, "LABEL_DETECTION", "Labels", "Label")
