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


class _Marks:
    """Which frames are analysed: the first at or after each ``SAMPLE_MILLIS`` mark."""

    def __init__(self, frame_rate: float) -> None:
        self.fps = frame_rate or 1.0
        self.next_mark = 0

    def timestamp(self, index: int) -> int | None:
        """Frame ``index``'s Timestamp in ms when it is sampled (frames come in order)."""
        timestamp = round(index * 1000 / self.fps)
        if timestamp < self.next_mark:
            return None
        self.next_mark = (timestamp // SAMPLE_MILLIS + 1) * SAMPLE_MILLIS
        return timestamp


def sampled_timestamps(info: VideoInfo) -> list[int]:
    """The Timestamps of the frames ``sampled_frames`` yields, from the metadata alone (for
    answers that need no pixels, e.g. scripted moderation labels)."""
    marks = _Marks(info.frame_rate)
    return [t for t in (marks.timestamp(i) for i in range(info.frames)) if t is not None]


def sampled_frames(data: bytes, info: VideoInfo) -> Iterator[tuple[int, LoadedImage]]:
    """(Timestamp in ms, frame) for the first frame at or after each ``SAMPLE_MILLIS`` mark."""
    marks = _Marks(info.frame_rate)
    with _Opened(data) as cap:
        index = 0
        while True:
            ok = cap.grab()
            if not ok:
                return
            timestamp = marks.timestamp(index)
            index += 1
            if timestamp is None:
                continue
            ok, bgr = cap.retrieve()
            if not ok:
                return
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


def every_frame(data: bytes) -> Iterator[np.ndarray]:
    """Every decoded frame, in order, as upright RGB (segment detection is frame accurate)."""
    with _Opened(data) as cap:
        while True:
            ok, bgr = cap.read()
            if not ok:
                return
            yield np.ascontiguousarray(bgr[:, :, ::-1])


# -- audio streams, read from the MP4/MOV boxes (OpenCV does not open audio) -------------------

_CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")
# Sample-entry codes -> FFmpeg's codec names, as the service reports them ("aac" in its examples).
AUDIO_CODECS = {b"mp4a": "aac", b"ac-3": "ac3", b"ec-3": "eac3", b"Opus": "opus",
                b"fLaC": "flac", b"alac": "alac", b".mp3": "mp3", b"sowt": "pcm_s16le",
                b"twos": "pcm_s16be", b"samr": "amr_nb"}


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes between ``start`` and ``end``."""
    at = start
    while at + 8 <= end:
        size = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        head = 8
        if size == 1 and at + 16 <= end:
            size, head = int.from_bytes(data[at + 8:at + 16], "big"), 16
        elif size == 0:
            size = end - at
        if size < head or at + size > end:
            return
        yield kind, at + head, at + size
        at += size


def _find(data: bytes, start: int, end: int, path: tuple[bytes, ...]) -> list[tuple[int, int]]:
    """Payload spans of every box at ``path`` below ``start..end``."""
    found = []
    for kind, begin, stop in _boxes(data, start, end):
        if kind != path[0]:
            continue
        if len(path) == 1:
            found.append((begin, stop))
        elif kind in _CONTAINERS:
            found += _find(data, begin, stop, path[1:])
    return found


def audio_metadata(data: bytes) -> list[dict[str, Any]]:
    """AudioMetadata of each sound track: Codec, DurationMillis (track duration from its
    ``mdhd``), SampleRate and NumberOfChannels (from its sample entry)."""
    out = []
    for begin, stop in _find(data, 0, len(data), (b"moov", b"trak")):
        handlers = _find(data, begin, stop, (b"mdia", b"hdlr"))
        if not handlers or data[handlers[0][0] + 8:handlers[0][0] + 12] != b"soun":
            continue
        headers = _find(data, begin, stop, (b"mdia", b"mdhd"))
        entries = _find(data, begin, stop, (b"mdia", b"minf", b"stbl", b"stsd"))
        if not headers or not entries:
            continue
        h = headers[0][0]
        if data[h] == 1:  # version 1: 64-bit times
            scale = int.from_bytes(data[h + 20:h + 24], "big")
            duration = int.from_bytes(data[h + 24:h + 32], "big")
        else:
            scale = int.from_bytes(data[h + 12:h + 16], "big")
            duration = int.from_bytes(data[h + 16:h + 20], "big")
        e = entries[0][0] + 8  # version/flags, entry count
        code = data[e + 4:e + 8]
        channels = int.from_bytes(data[e + 24:e + 26], "big")
        rate = int.from_bytes(data[e + 32:e + 34], "big")  # 16.16 fixed point, integer part
        out.append({
            "Codec": AUDIO_CODECS.get(code, code.decode("latin-1").strip().lower()),
            "DurationMillis": round(duration * 1000 / scale) if scale else 0,
            "SampleRate": rate or scale,
            "NumberOfChannels": channels,
        })
    return out
