"""Stored video: check the container and codec, read VideoMetadata, sample frames as images.

OpenCV's headless wheels bundle FFmpeg, which decodes H.264 (they cannot encode it). OpenCV
opens files only, so the bytes go through a temporary file. Frames are sampled every
``SAMPLE_MILLIS`` and become ``LoadedImage``s, so the faces in a frame come from the same
pipeline (and cache) as the faces in a photo.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backend.scripts import ImageRef, Scripts
from .analysis import FaceView
from .intake import LoadedImage, Pixels

SAMPLE_MILLIS = 200  # one analysed frame per 200 ms of video
SUPPORTED_CODECS = ("h264",)  # the service takes H.264 in MP4 or MOV
MOV_FORMAT = "QuickTime / MOV"  # FFmpeg's name for the MP4/MOV demuxer, as the service reports it
COLOR_RANGE = "LIMITED"  # H.264 video is studio range unless it says otherwise
# The service's StatusMessage for a file it cannot take, whatever is wrong with it (seen in
# aws-samples/amazon-rekognition-video-analyzer#46).
UNSUPPORTED = "Unsupported codec/format."
_QUICKTIME_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")


class VideoRefused(Exception):
    """The video cannot be analysed; the job fails with this status message."""


@dataclass(frozen=True)
class VideoInfo:
    key: str  # sha256 of the file: names the video in scripted answers
    codec: str
    frame_rate: float
    frames: int
    width: int
    height: int

    @property
    def duration_millis(self) -> int:
        return round(self.frames * 1000 / self.frame_rate) if self.frame_rate else 0

    def metadata(self) -> dict[str, Any]:
        return {
            "Codec": self.codec,
            "DurationMillis": self.duration_millis,
            "Format": MOV_FORMAT,
            "FrameRate": float(self.frame_rate),
            "FrameHeight": self.height,
            "FrameWidth": self.width,
            "ColorRange": COLOR_RANGE,
        }


def video_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def frame_ref(video: str, timestamp: int | None) -> ImageRef:
    """How scripts name face(s) of a video: at one sampled timestamp, or (None) in every frame."""
    return ("video", video, "*" if timestamp is None else str(int(timestamp)))


def _is_quicktime(data: bytes) -> bool:
    return len(data) >= 8 and data[4:8] in _QUICKTIME_BOXES


def _fourcc(cap: Any) -> str:
    import cv2  # on first video: loading OpenCV is not free

    code = int(cap.get(cv2.CAP_PROP_FOURCC))
    return code.to_bytes(4, "little").decode("latin-1").strip("\x00 ").lower()


class _Opened:
    """A temporary file holding the video and an OpenCV capture on it."""

    def __init__(self, data: bytes) -> None:
        import cv2  # on first video: loading OpenCV is not free

        fd, self.path = tempfile.mkstemp(suffix=".mp4", prefix="rekmock-video-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        self.cap = cv2.VideoCapture(self.path, cv2.CAP_FFMPEG)

    def __enter__(self) -> Any:
        return self.cap

    def __exit__(self, *exc: Any) -> None:
        self.cap.release()
        os.unlink(self.path)


def probe(data: bytes) -> VideoInfo:
    """The video's metadata; VideoRefused when the service would not analyse it."""
    import cv2  # on first video: loading OpenCV is not free

    if not _is_quicktime(data):
        raise VideoRefused(UNSUPPORTED)
    with _Opened(data) as cap:
        if not cap.isOpened():
            raise VideoRefused(UNSUPPORTED)
        codec = _fourcc(cap)
        if codec in ("avc1", "h264"):
            codec = "h264"
        if codec not in SUPPORTED_CODECS:
            raise VideoRefused(UNSUPPORTED)
        return VideoInfo(
            key=video_key(data),
            codec=codec,
            frame_rate=float(cap.get(cv2.CAP_PROP_FPS)),
            frames=int(cap.get(cv2.CAP_PROP_FRAME_COUNT)),
            width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )


def sampled_frames(data: bytes, info: VideoInfo) -> Iterator[tuple[int, LoadedImage]]:
    """(Timestamp in ms, frame) for the first frame at or after each ``SAMPLE_MILLIS`` mark."""
    fps = info.frame_rate or 1.0
    next_mark = 0
    with _Opened(data) as cap:
        index = 0
        while True:
            ok = cap.grab()
            if not ok:
                return
            timestamp = round(index * 1000 / fps)
            index += 1
            if timestamp < next_mark:
                continue
            ok, bgr = cap.retrieve()
            if not ok:
                return
            next_mark = (timestamp // SAMPLE_MILLIS + 1) * SAMPLE_MILLIS
            rgb = np.ascontiguousarray(bgr[:, :, ::-1])
            key = hashlib.sha256(rgb.tobytes()).hexdigest()
            yield timestamp, LoadedImage(key, rgb.shape[1], rgb.shape[0], Pixels(rgb))


def frame_faces(frame: LoadedImage, info: VideoInfo, timestamp: int,
                scripts: Scripts) -> list[FaceView]:
    """The faces of one frame, largest first, with fields scripted for the video applied."""
    from .. import vision

    analysis = vision.analyze(frame.key, frame.rgb)
    refs: list[ImageRef] = [
        ("sha256", frame.key), frame_ref(info.key, None), frame_ref(info.key, timestamp)
    ]
    return [
        FaceView(frame, analysis, i, refs, scripts.fields_for(refs, i))
        for i in range(len(analysis.faces))
    ]
