"""Streaming video: CreateStreamProcessor, DescribeStreamProcessor, ListStreamProcessors,
StartStreamProcessor, StopStreamProcessor, UpdateStreamProcessor, DeleteStreamProcessor, and the
analysis of the frames a test feeds to a running processor (:func:`analyse_frame`).

The state machine and the deliveries (Kinesis records, S3 frames, SNS notices) live in
:mod:`rekmock.backend.stream_processors`; here a frame goes through the photo pipeline and, for a
face search, a search of the processor's collection at its FaceMatchThreshold.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from ...backend.pagination import DEFAULT_PAGE
from ...backend.stream_processors import (
    CONNECTED_HOME,
    DEFAULT_MIN_CONFIDENCE,
    FACE_SEARCH,
    Label,
    StreamProcessor,
    in_regions,
    resource_problem,
    wanted_labels,
)
from ...faces.analysis import FaceView, faces_of
from ...faces.intake import LoadedImage
from ..context import Context
from . import operation
from .search_ops import DEFAULT_MAX_FACES

PERSON = "PERSON"
# The landmarks of a DetectedFace, in the example record's order (DetectFaces' differs).
RECORD_LANDMARKS = ("eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight")
CROP_QUALITY = 90  # JPEG quality of the label crops written to S3


@operation("CreateStreamProcessor")
def create_stream_processor(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"StreamProcessorArn": ctx.backend.streams.create(params)}


@operation("DescribeStreamProcessor")
def describe_stream_processor(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return ctx.backend.streams.describe(params["Name"])


@operation("ListStreamProcessors")
def list_stream_processors(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    items, token = ctx.backend.streams.list_page(params.get("NextToken"),
                                                 params.get("MaxResults") or DEFAULT_PAGE)
    out: dict[str, Any] = {}
    if token:
        out["NextToken"] = token
    out["StreamProcessors"] = items
    return out


@operation("StartStreamProcessor")
def start_stream_processor(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    backend = ctx.backend
    request = backend.streams.request_of(params["Name"])
    problem = resource_problem(request, ctx.region, ctx.account_id,
                               lambda c: backend.live_collection(c) is not None)
    session = backend.streams.start(params["Name"], params, backend.ids.new("stream-session"),
                                    problem)
    return {"SessionId": session}


@operation("StopStreamProcessor")
def stop_stream_processor(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.backend.streams.stop(params["Name"])
    return {}


@operation("UpdateStreamProcessor")
def update_stream_processor(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.backend.streams.update(params["Name"], params)
    return {}


@operation("DeleteStreamProcessor")
def delete_stream_processor(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.backend.streams.delete(params["Name"])
    return {}


# -- frames ------------------------------------------------------------------------------------

def analyse_frame(ctx: Context, name: str, image: dict[str, Any], frame_bytes: bytes,
                  producer_timestamp: float | None,
                  scripted_labels: list[dict[str, Any]]) -> dict[str, Any]:
    """One frame of processor ``name``'s video stream, analysed and delivered; what was written.

    ``image`` is the frame as a request ``Image`` (bytes or an S3 location, so scripted answers
    for that photo apply), ``frame_bytes`` its bytes. KeyError: no such processor; ValueError:
    it does not analyse frames now, or lost a resource and FAILED."""
    streams = ctx.backend.streams
    processor = streams.frame_target(name)
    session = processor.session
    assert session is not None
    loaded = ctx.image(image)
    faces = faces_of(loaded, ctx.scripts)
    if processor.kind == FACE_SEARCH:
        collection_id = processor.request["Settings"][FACE_SEARCH]["CollectionId"]
        collection = ctx.backend.live_collection(collection_id)
        if collection is None:
            streams.fail(name, session.session_id, "Collection not found")
        assert collection is not None
        responses = []
        for face in faces:
            hits = collection.search(face.descriptor(), face.refs, face.index,
                                     processor.face_match_threshold, DEFAULT_MAX_FACES,
                                     ctx.scripts)
            responses.append({"DetectedFace": detected_face(face),
                              "MatchedFaces": [matched_face(s, f) for s, f in hits]})
        return streams.deliver_faces(name, session.session_id, producer_timestamp, responses)
    labels = _labels(processor, loaded, frame_bytes, faces, scripted_labels)
    return streams.deliver_labels(name, session.session_id, producer_timestamp, labels)


def short(value: float) -> float:
    """A float32 result as the service's records print it (shortest float32 text: 0.40833333,
    99.975174), not as the double it widens to (0.4083333313465118)."""
    return float(str(np.float32(value)))


def _box(box: dict[str, float]) -> dict[str, float]:
    """A BoundingBox in the order of the developer guide's example record."""
    return {k: short(box[k]) for k in ("Height", "Width", "Left", "Top")}


def detected_face(face: FaceView) -> dict[str, Any]:
    """A frame record's DetectedFace: the DEFAULT face details, in the example record's order."""
    detail = face.detail()
    pose, quality = detail["Pose"], detail["Quality"]
    marks = {m["Type"]: m for m in detail["Landmarks"]}
    return {
        "BoundingBox": _box(detail["BoundingBox"]),
        "Confidence": short(detail["Confidence"]),
        "Landmarks": [{"X": short(marks[t]["X"]), "Y": short(marks[t]["Y"]), "Type": t}
                      for t in RECORD_LANDMARKS],
        "Pose": {k: short(pose[k]) for k in ("Pitch", "Roll", "Yaw")},
        "Quality": {k: short(quality[k]) for k in ("Brightness", "Sharpness")},
    }


def matched_face(similarity: float, face: dict[str, Any]) -> dict[str, Any]:
    """A frame record's MatchedFace: the stored face's members the example record shows."""
    out = {"BoundingBox": _box(face["BoundingBox"]), "FaceId": face["FaceId"],
           "Confidence": short(face["Confidence"]), "ImageId": face["ImageId"]}
    if "ExternalImageId" in face:
        out["ExternalImageId"] = face["ExternalImageId"]
    return {"Similarity": short(similarity), "Face": out}


def _labels(processor: StreamProcessor, image: LoadedImage, frame_bytes: bytes,
            faces: list[FaceView], scripted: list[dict[str, Any]]) -> list[Label]:
    """The labels a label detection processor reports for a frame: a PERSON for each face
    rekmock finds (its box is the face's), and the labels a test scripted for the frame; each
    one the processor asks for, at or above its MinConfidence, inside its regions of interest."""
    settings = processor.request["Settings"][CONNECTED_HOME]
    wanted = wanted_labels(settings["Labels"])
    floor = settings.get("MinConfidence", DEFAULT_MIN_CONFIDENCE)
    regions = processor.request.get("RegionsOfInterest", [])
    found = [(PERSON, short(face.confidence()),
              {k: short(v) for k, v in face.bounding_box().items()}) for face in faces]
    found += [(s["Name"], float(s["Confidence"]), dict(s["BoundingBox"])) for s in scripted]
    ext = "png" if frame_bytes.startswith(b"\x89PNG") else "jpg"
    return [Label(name, confidence, box, frame_bytes, ext, _crop_jpeg(image, box))
            for name, confidence, box in sorted(found, key=lambda f: -f[1])
            if name in wanted and confidence >= floor and in_regions(box, regions)]


def _crop_jpeg(image: LoadedImage, box: dict[str, float]) -> bytes:
    """The box's part of the frame, as JPEG (the notice's cropped image)."""
    rgb = image.rgb
    h, w = rgb.shape[:2]
    x1 = min(w - 1, max(0, int(box["Left"] * w)))
    y1 = min(h - 1, max(0, int(box["Top"] * h)))
    x2 = min(w, max(x1 + 1, round((box["Left"] + box["Width"]) * w)))
    y2 = min(h, max(y1 + 1, round((box["Top"] + box["Height"]) * h)))
    out = io.BytesIO()
    Image.fromarray(rgb[y1:y2, x1:x2]).save(out, "JPEG", quality=CROP_QUALITY)
    return out.getvalue()
