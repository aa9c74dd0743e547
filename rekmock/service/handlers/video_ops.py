"""Faces in stored video: StartFaceDetection, StartFaceSearch, StartCelebrityRecognition and
their Gets; the job machinery every stored-video operation shares (:func:`start_job`,
:func:`get_job`).

A Start reads the video from moto's S3 and analyses it there and then (frames every
``faces.video.SAMPLE_MILLIS``, through the same pipeline as photos); a Get pages through the
stored results. A video the service would refuse (not MP4/MOV, not H.264) makes a FAILED job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...backend.jobs import FAILED, SUCCEEDED, Job, publish
from ...backend.pagination import decode_token, encode_token
from ...backend.recorded import box_iou
from ...errors import (
    InvalidParameterException,
    InvalidS3ObjectException,
    RekognitionError,
)
from ...faces import video
from ...faces.analysis import FaceView, similarity
from ...faces.intake import read_s3
from ..context import Context
from . import operation
from .celebrity_ops import _celebrity_fields, _recognise, _reference_faces
from .collection_ops import collection_of

MAX_RESULTS = 1000  # the service's default and largest page
DEFAULT_MATCH_THRESHOLD = 80.0
MAX_FACE_MATCHES = 100
VIDEO_MAX_BYTES = 10 * 1024**3  # stored video: 10 GB
TRACK_GAP_MILLIS = 1000  # a person unseen this long has left the view
TRACK_IOU = 0.3  # boxes this much overlapping in consecutive samples: the same person
TRACK_SIMILARITY = 80.0  # or faces this alike
# FaceDetail members GetFaceDetection leaves out even with FaceAttributes ALL.
VIDEO_OMITTED = ("FaceOccluded", "EyeDirection")
Frames = Iterator[tuple[int, list[FaceView]]]


class VideoTooLargeException(RekognitionError):
    code = "VideoTooLargeException"
    message = "Video file size is too large."


@dataclass
class Analysis:
    status: str
    message: str | None = None
    metadata: dict[str, Any] | None = None
    results: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Clip:
    """The stored video a job analyses. ``extra``: members an analysis adds to a successful
    Get's answer (model versions, AudioMetadata, ...)."""

    data: bytes
    info: video.VideoInfo
    extra: dict[str, Any] = field(default_factory=dict)

    def faces(self, ctx: Context) -> Frames:
        """(Timestamp, faces) of each sampled frame, analysed as it is reached."""
        for timestamp, frame in video.sampled_frames(self.data, self.info):
            yield timestamp, video.frame_faces(frame, self.info, timestamp, ctx.scripts)


Analyse = Callable[[Context, dict[str, Any], Clip], list[dict[str, Any]]]


def start_job(ctx: Context, operation_name: str, api: str, params: dict[str, Any],
              analyse: Analyse) -> dict[str, Any]:
    """Start a stored-video job: idempotency, S3, the container check, the analysis (results
    stored on the job) and the SNS message with the service's ``api`` name."""
    state = ctx.backend.video
    token = params.get("ClientRequestToken")
    request = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    repeated = state.job_for_token(operation_name, token, request)
    if repeated is not None:
        return {"JobId": repeated}
    s3object = params["Video"].get("S3Object")
    if s3object is None:
        raise InvalidParameterException()
    outcome = Analysis(SUCCEEDED)
    try:
        # The service reads the object when the job runs: a missing one fails the job.
        data = read_s3(s3object, ctx.account_id, ctx.partition)
    except InvalidS3ObjectException as missing:
        outcome = Analysis(FAILED, missing.message)
    else:
        if len(data) > VIDEO_MAX_BYTES:
            raise VideoTooLargeException()
        try:
            info = video.probe(data)
        except video.VideoRefused as refused:
            outcome = Analysis(FAILED, str(refused))
        else:
            clip = Clip(data, info)
            outcome.metadata = info.metadata()
            outcome.results = analyse(ctx, request, clip)
            outcome.extra = clip.extra
    job_id = hashlib.sha256(ctx.backend.ids.new("video-job").encode()).hexdigest()
    job = Job(job_id, api, request, outcome.status, outcome.message, outcome.results or [],
              outcome.metadata, polls_left=state.hold_polls, extra=outcome.extra)
    stored = state.add_job(job, operation_name, token)
    if stored is job and job.polls_left == 0:
        publish(job, ctx.account_id, job.status)
    return {"JobId": stored.job_id}


def get_job(ctx: Context, params: dict[str, Any], api: str, member: str,
            order: Callable[[dict[str, Any]], Any],
            rows: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
            ) -> dict[str, Any]:
    """A Get of a job started with ``api``: IN_PROGRESS while held, FAILED with its message, or
    one page of its results (``rows`` may reshape them first, e.g. into segments) under
    ``member``, sorted by ``order``, with VideoMetadata and the job's extra members."""
    job, in_progress = ctx.backend.video.poll(params["JobId"], api)
    head: dict[str, Any] = {"JobId": job.job_id, "Video": job.video}
    if job.job_tag is not None:
        head["JobTag"] = job.job_tag
    if in_progress:
        return {"JobStatus": "IN_PROGRESS", **head}
    publish(job, ctx.account_id, job.status)
    if job.status == FAILED:
        return {"JobStatus": FAILED, "StatusMessage": job.status_message, **head}
    size = min(params.get("MaxResults", MAX_RESULTS), MAX_RESULTS)
    kind = f"{api}/{job.job_id}"
    after = decode_token(kind, params.get("NextToken"))
    start = int(after) if after is not None and after.isdigit() else 0
    found = sorted(rows(job.results) if rows else job.results, key=order)
    out: dict[str, Any] = {"JobStatus": SUCCEEDED, "VideoMetadata": job.metadata}
    out[member] = found[start:start + size]
    if start + size < len(found):
        out["NextToken"] = encode_token(kind, str(start + size))
    return {**out, **job.extra, **head}


# -- face detection ---------------------------------------------------------------------------

def _detections(ctx: Context, request: dict[str, Any], clip: Clip) -> list[dict[str, Any]]:
    every = request.get("FaceAttributes") == "ALL"
    out = []
    for timestamp, faces in clip.faces(ctx):
        for face in faces:
            detail = face.detail(["ALL"] if every else None)
            for name in VIDEO_OMITTED:
                detail.pop(name, None)
            out.append({"Timestamp": timestamp, "Face": detail})
    return out


@operation("StartFaceDetection")
def start_face_detection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return start_job(ctx, "StartFaceDetection", "FACE_DETECTION", params, _detections)


@operation("GetFaceDetection")
def get_face_detection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    # Faces sorted by the time they were seen; within a frame, largest first (stable sort).
    return get_job(ctx, params, "FACE_DETECTION", "Faces", lambda r: r["Timestamp"])


# -- face search ------------------------------------------------------------------------------

@dataclass
class _Track:
    index: int
    face: FaceView
    seen: int


def tracked(ctx: Context, frames: Frames) -> Iterator[tuple[int, FaceView, int]]:
    """(Timestamp, face, person index): a person keeps an index while they stay in view.

    A face continues the track whose last box it overlaps, or whose last face it resembles;
    a track unseen for ``TRACK_GAP_MILLIS`` ends, and a face matching no live track starts one.
    """
    tracks: list[_Track] = []
    next_index = 0
    for timestamp, faces in frames:
        live = [t for t in tracks if timestamp - t.seen <= TRACK_GAP_MILLIS]
        tracks = live
        taken: set[int] = set()
        for face in faces:
            box = face.bounding_box()
            best: tuple[float, _Track] | None = None
            for track in live:
                if track.index in taken:
                    continue
                overlap = box_iou(box, track.face.bounding_box())
                score = overlap * 100 if overlap >= TRACK_IOU else 0.0
                alike = similarity(face, track.face, ctx.scripts, reported=False)  # tracking
                score = max(score, alike if alike >= TRACK_SIMILARITY else 0.0)
                if score > 0 and (best is None or score > best[0]):
                    best = (score, track)
            if best is None:
                track = _Track(next_index, face, timestamp)
                next_index += 1
                tracks.append(track)
            else:
                track = best[1]
                track.face, track.seen = face, timestamp
            taken.add(track.index)
            yield timestamp, face, track.index


def _searches(ctx: Context, request: dict[str, Any], clip: Clip) -> list[dict[str, Any]]:
    coll = collection_of(ctx, request["CollectionId"])
    threshold = request.get("FaceMatchThreshold", DEFAULT_MATCH_THRESHOLD)
    out = []
    for timestamp, face, index in tracked(ctx, clip.faces(ctx)):
        hits = coll.search(face.descriptor(), face.refs, face.index, threshold,
                           MAX_FACE_MATCHES, ctx.scripts)
        out.append({  # every person seen; one who matches nobody has FaceMatches: []
            "Timestamp": timestamp,
            "Person": {"Index": index, "Face": face.detail()},
            "FaceMatches": [{"Similarity": s, "Face": f} for s, f in hits],
        })
    return out


@operation("StartFaceSearch")
def start_face_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    collection_of(ctx, params["CollectionId"])  # a missing collection fails the Start itself
    return start_job(ctx, "StartFaceSearch", "FACE_SEARCH", params, _searches)


def persons_order(params: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    """How Persons are sorted: SortBy INDEX (person, then time) or TIMESTAMP (the default)."""
    if params.get("SortBy") == "INDEX":
        return lambda r: (r["Person"]["Index"], r["Timestamp"])
    return lambda r: (r["Timestamp"], r["Person"]["Index"])


@operation("GetFaceSearch")
def get_face_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return get_job(ctx, params, "FACE_SEARCH", "Persons", persons_order(params))


# -- celebrities ------------------------------------------------------------------------------

def _celebrities(ctx: Context, request: dict[str, Any], clip: Clip) -> list[dict[str, Any]]:
    celebrities = ctx.scripts.gallery()
    gallery = None
    out = []
    for timestamp, faces in clip.faces(ctx):
        if faces and gallery is None:
            gallery = [(c, _reference_faces(ctx, c)) for c in celebrities]
        for face in faces:
            found = _recognise(ctx, face, gallery or [])
            if found is None:
                continue
            celeb, confidence = found
            fields = _celebrity_fields(celeb)
            detail = {
                "Urls": fields["Urls"], "Name": celeb.name, "Id": celeb.id,
                "Confidence": float(confidence), "BoundingBox": face.bounding_box(),
                "Face": face.detail(),
            }
            if "KnownGender" in fields:
                detail["KnownGender"] = fields["KnownGender"]
            out.append({"Timestamp": timestamp, "Celebrity": detail})
    return out


@operation("StartCelebrityRecognition")
def start_celebrity_recognition(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return start_job(ctx, "StartCelebrityRecognition", "CELEBRITY_RECOGNITION", params,
                     _celebrities)


@operation("GetCelebrityRecognition")
def get_celebrity_recognition(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("SortBy") == "ID":
        def order(r: dict[str, Any]) -> Any:
            return (r["Celebrity"]["Id"], r["Timestamp"])
    else:
        def order(r: dict[str, Any]) -> Any:
            return r["Timestamp"]
    return get_job(ctx, params, "CELEBRITY_RECOGNITION", "Celebrities", order)
