"""Custom Labels model versions: CreateProjectVersion, DescribeProjectVersions,
StartProjectVersion, StopProjectVersion, DeleteProjectVersion, CopyProjectVersion, and
DetectCustomLabels (rules in :mod:`rekmock.backend.custom_labels`).

No model is trained: DetectCustomLabels answers what a test scripted for the running version and
the image (``RekognitionState.set_custom_labels``), or for the version it was copied from, after
checking the image as the service does; nothing scripted is an empty list.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ...backend.backends import rekognition_backends
from ...backend.custom_labels import PAGE, CustomLabels
from ...backend.scripts import ImageRef, refs_of
from ...errors import (
    ImageTooLargeException,
    InvalidParameterException,
    InvalidS3ObjectException,
)
from ...faces import intake
from ..context import Context
from . import operation, paged

BYTES_MAX = 4 * 1024 * 1024  # Custom Labels' limit on image bytes (guide: "Detection" quotas)
MIN_SIDE, MAX_SIDE = 64, 4096  # pixels, either side
MAX_ASPECT = 20  # longer side over shorter


def state_of(ctx: Context, arn: str) -> CustomLabels:
    """The Custom Labels state of the account an ARN names, in the caller's region (models are
    copied within a region; another region is InvalidParameterException)."""
    parts = arn.split(":")
    if parts[3] != ctx.region:
        raise InvalidParameterException()
    if parts[4] == ctx.account_id:
        return ctx.backend.custom_labels
    return rekognition_backends[parts[4]][ctx.region].custom_labels


def _read(ctx: Context, s3object: dict[str, Any]) -> bytes | None:
    try:
        return intake.read_s3(s3object, ctx.account_id, ctx.partition)
    except InvalidS3ObjectException:
        return None


@operation("CreateProjectVersion")
def create_project_version(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    arn = ctx.backend.custom_labels.create_version(
        params["ProjectArn"], params["VersionName"], params, lambda o: _read(ctx, o),
        params.get("Tags", {}), ctx.partition)
    return {"ProjectVersionArn": arn}


@operation("DescribeProjectVersions")
def describe_project_versions(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    versions, token = ctx.backend.custom_labels.describe_versions(
        params["ProjectArn"], params.get("VersionNames"), params.get("NextToken"),
        params.get("MaxResults", PAGE))
    return paged("ProjectVersionDescriptions", versions, token)


@operation("StartProjectVersion")
def start_project_version(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"Status": ctx.backend.custom_labels.start_version(
        params["ProjectVersionArn"], params["MinInferenceUnits"], params.get("MaxInferenceUnits"))}


@operation("StopProjectVersion")
def stop_project_version(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"Status": ctx.backend.custom_labels.stop_version(params["ProjectVersionArn"])}


@operation("DeleteProjectVersion")
def delete_project_version(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"Status": ctx.backend.custom_labels.delete_version(params["ProjectVersionArn"])}


@operation("CopyProjectVersion")
def copy_project_version(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The source project may be in another account of the same region; its project policies
    decide whether the caller's account may copy."""
    source = state_of(ctx, params["SourceProjectArn"]).export_version(
        params["SourceProjectArn"], params["SourceProjectVersionArn"], ctx.account_id)
    arn = ctx.backend.custom_labels.import_copy(
        params["DestinationProjectArn"], params["VersionName"], params, source,
        params.get("Tags", {}), ctx.partition)
    return {"ProjectVersionArn": arn}


def _image_refs(ctx: Context, image: dict[str, Any]) -> list[ImageRef]:
    """The names a request image answers to, once it passed the service's checks: JPEG or PNG,
    at most 4 MB as bytes (15 MB in S3), 64 to 4096 pixels a side, at most 20:1."""
    has_bytes, has_s3 = image.get("Bytes") is not None, image.get("S3Object") is not None
    if has_bytes == has_s3:
        raise InvalidParameterException()
    location = None
    if has_bytes:
        data: bytes = image["Bytes"]
        if len(data) > BYTES_MAX:
            raise ImageTooLargeException()
    else:
        s3object = image["S3Object"]
        data = intake.read_s3(s3object, ctx.account_id, ctx.partition)
        if len(data) > intake.S3_MAX_BYTES:
            raise ImageTooLargeException()
        location = (s3object.get("Bucket", ""), s3object.get("Name", ""))
    _, width, height = intake.decode(data)
    short, long = sorted((width, height))
    if short < MIN_SIDE or long > MAX_SIDE or long > MAX_ASPECT * short:
        raise InvalidParameterException()
    return refs_of(hashlib.sha256(data).hexdigest(), location)


def _scripted(ctx: Context, arn: str, source: str | None,
              refs: list[ImageRef]) -> list[dict[str, Any]]:
    """The labels scripted for the version, else for the version it was copied from (and so
    on): a copy is the same model."""
    labels = ctx.backend.custom_labels.scripted_labels(arn, refs)
    seen = {arn}
    while labels is None and source is not None and source not in seen:
        seen.add(source)
        state = state_of(ctx, source)
        labels, source = state.scripted_labels(source, refs), state.source_of(source)
    return labels or []


@operation("DetectCustomLabels")
def detect_custom_labels(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["ProjectVersionArn"]
    source = ctx.backend.custom_labels.running(arn)
    labels = _scripted(ctx, arn, source, _image_refs(ctx, params["Image"]))
    floor = params.get("MinConfidence")
    if floor is not None:
        labels = [label for label in labels if label["Confidence"] >= floor]
    labels.sort(key=lambda label: -label["Confidence"])
    limit = params.get("MaxResults")
    return {"CustomLabels": labels if limit is None else labels[:limit]}
