"""DetectModerationLabels, StartContentModeration and GetContentModeration.

rekmock recognises no unsafe content: an image or video has no moderation labels (and no content
types) unless a test scripted them (``RekognitionState.set_moderation_labels`` and
``set_video_moderation_labels``). The image is still read and checked like any other.
"""

from __future__ import annotations

from typing import Any

from ...backend.analysis import MODERATION, scripted_for
from ...backend.scripts import refs_of
from ...faces import video
from ...faces.labels import MAX_SIDE
from ..context import Context
from . import operation
from .label_ops import frame_refs, timeline_get
from .video_ops import Clip, start_job

MODERATION_MODEL_VERSION = "7.0"  # as the guide's bulk-analysis output shows
MIN_CONFIDENCE = 50.0  # the service's default MinConfidence


def moderation(scripted: dict[str, Any] | None, min_confidence: float
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(ModerationLabels at MinConfidence or more, ContentTypes) of a scripted answer."""
    found = scripted or {}
    labels = [m for m in found.get("ModerationLabels", [])
              if m.get("Confidence", 100.0) >= min_confidence]
    return labels, list(found.get("ContentTypes", []))


def detect(ctx: Context, image: dict[str, Any], min_confidence: float) -> dict[str, Any]:
    """DetectModerationLabels' answer for one image (also each image of a media analysis job)."""
    loaded = ctx.image(image, max_side=MAX_SIDE)
    scripted = scripted_for(ctx.account_id).scripted_answer(
        MODERATION, refs_of(loaded.key, loaded.s3_location))
    labels, content_types = moderation(scripted, min_confidence)
    return {"ModerationLabels": labels, "ModerationModelVersion": MODERATION_MODEL_VERSION,
            "ContentTypes": content_types}


@operation("DetectModerationLabels")
def detect_moderation_labels(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    out = detect(ctx, params["Image"], params.get("MinConfidence", MIN_CONFIDENCE))
    if "ProjectVersion" in params:
        out["ProjectVersion"] = params["ProjectVersion"]
    return out


def _moderation(ctx: Context, request: dict[str, Any], clip: Clip) -> list[dict[str, Any]]:
    scripts = scripted_for(ctx.account_id)
    minimum = request.get("MinConfidence", MIN_CONFIDENCE)
    out = []
    for timestamp in video.sampled_timestamps(clip.info):
        labels, content_types = moderation(
            scripts.scripted_answer(MODERATION, frame_refs(clip, timestamp)), minimum)
        for label in labels:
            row: dict[str, Any] = {"Timestamp": timestamp, "ModerationLabel": label}
            if content_types:
                row["ContentTypes"] = content_types
            out.append(row)
    clip.extra["ModerationModelVersion"] = MODERATION_MODEL_VERSION
    return out


@operation("StartContentModeration")
def start_content_moderation(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return start_job(ctx, "StartContentModeration", "CONTENT_MODERATION", params, _moderation)


@operation("GetContentModeration")
def get_content_moderation(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return timeline_get(ctx, params, "CONTENT_MODERATION", "ModerationLabels",
                        "ModerationLabel")
