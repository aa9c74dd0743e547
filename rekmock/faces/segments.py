"""GetSegmentDetection's segments, measured on every frame of a stored video.

- SHOT: a hard cut lies between two consecutive frames whose colour signatures
  (:func:`vision.frames.difference`) differ by ``SHOT_CUT`` or more; shots run from cut to cut
  and tile the video. On the test clips, cuts between different photos measure 0.68-1.00 and
  people sliding in or leaving a still view 0.02-0.44. A shot's Confidence is that of its weaker
  end: the start and end of the video count 100, a cut ``50 + 50 * (d - SHOT_CUT) /
  (1 - SHOT_CUT)``. Soft transitions (fades, dissolves) are not cuts, as the service omits them.
- TECHNICAL_CUE: only what luminance shows. A frame is black when at least
  MinCoveragePercentage (default 99) of its pixels have a BT.709 luma of at most
  MaxPixelThreshold (default 0.2) of full range (frames are decoded to full-range RGB: 51 of
  255). Runs of black frames are BlackFrames, runs of other frames Content (rekmock recognises no
  credits, colour bars, slates or studio logos). A BlackFrames segment's Confidence is the mean,
  over its frames, of ``50 + 50 * (coverage - minimum) / (100 - minimum)``; a Content segment's
  is ``CONTENT_CONFIDENCE`` (nothing it measures is in doubt).

Times follow the developer guide's example answer: StartTimestampMillis and EndTimestampMillis
are the first and last frame's time, rounded down; DurationMillis, DurationSMPTE and
DurationFrames are end minus start; timecodes are SMPTE ``HH:MM:SS:FF``, drop-frame
``HH:MM:SS;FF`` at 29.97 and 59.94 fps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..botocore_model import f32
from ..vision import frames as vframes

SHOT_CUT = 0.5
DEFAULT_MAX_PIXEL_THRESHOLD = 0.2
DEFAULT_MIN_COVERAGE = 99.0
DEFAULT_MIN_CONFIDENCE = 50.0  # MinSegmentConfidence's default
MODEL_VERSION = "1.0"  # SelectedSegmentTypes' ModelVersion, as in the guide's example
FULL_RANGE = 255.0
CONTENT_CONFIDENCE = 100.0


@dataclass
class FrameStats:
    cut: float | None  # difference from the previous frame (None for the first)
    coverage: float  # percentage of black pixels


def frame_stats(frames: Iterable[np.ndarray], max_pixel_threshold: float) -> list[FrameStats]:
    out: list[FrameStats] = []
    previous: np.ndarray | None = None
    for rgb in frames:
        sig = vframes.signature(rgb)
        cut = None if previous is None else vframes.difference(previous, sig)
        coverage = 100.0 * vframes.black_fraction(rgb, max_pixel_threshold * FULL_RANGE)
        out.append(FrameStats(cut, coverage))
        previous = sig
    return out


def _drop_frame(fps: float) -> int:
    """Frame numbers dropped each minute by drop-frame timecode at this rate (0: none)."""
    nominal = round(fps)
    if nominal in (30, 60) and abs(fps * 1.001 - nominal) < 0.01:
        return 2 * nominal // 30
    return 0


def smpte(frame: int, fps: float) -> str:
    nominal = max(1, round(fps))
    drop = _drop_frame(fps)
    if drop:
        per_ten = nominal * 600 - drop * 9
        per_minute = nominal * 60 - drop
        tens, rest = divmod(frame, per_ten)
        frame += drop * 9 * tens + (drop * ((rest - drop) // per_minute) if rest > drop else 0)
    ff = frame % nominal
    ss = frame // nominal % 60
    mm = frame // (nominal * 60) % 60
    hh = frame // (nominal * 3600)
    return f"{hh:02d}:{mm:02d}:{ss:02d}{';' if drop else ':'}{ff:02d}"


def _millis(frame: int, fps: float) -> int:
    return math.floor(frame * 1000 / fps) if fps else 0


def segment(kind: str, start: int, end: int, fps: float, detail: dict[str, Any]
            ) -> dict[str, Any]:
    """A SegmentDetection of frames ``start..end`` (inclusive)."""
    begin, finish = _millis(start, fps), _millis(end, fps)
    member = "ShotSegment" if kind == "SHOT" else "TechnicalCueSegment"
    return {
        "Type": kind,
        "StartTimestampMillis": begin, "EndTimestampMillis": finish,
        "DurationMillis": finish - begin,
        "StartTimecodeSMPTE": smpte(start, fps), "EndTimecodeSMPTE": smpte(end, fps),
        "DurationSMPTE": smpte(end - start, fps),
        member: detail,
        "StartFrameNumber": start, "EndFrameNumber": end, "DurationFrames": end - start,
    }


def _cut_confidence(d: float) -> float:
    return 50.0 + 50.0 * (d - SHOT_CUT) / (1.0 - SHOT_CUT)


def shots(stats: list[FrameStats], fps: float, min_confidence: float) -> list[dict[str, Any]]:
    cuts = [i for i, s in enumerate(stats) if s.cut is not None and s.cut >= SHOT_CUT]
    starts = [0, *cuts]
    ends = [*(c - 1 for c in cuts), len(stats) - 1]
    out = []
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        if end < start:
            continue
        edges = [100.0 if i in (0, len(stats)) else _cut_confidence(stats[i].cut or 0.0)
                 for i in (start, end + 1)]
        confidence = f32(min(edges))
        if confidence >= min_confidence:
            out.append(segment("SHOT", start, end, fps,
                               {"Index": index, "Confidence": confidence}))
    return out


def technical_cues(stats: list[FrameStats], fps: float, min_coverage: float,
                   min_confidence: float) -> list[dict[str, Any]]:
    span = max(100.0 - min_coverage, 1e-9)
    runs: list[tuple[bool, int, int]] = []
    for i, s in enumerate(stats):
        black = s.coverage >= min_coverage
        if runs and runs[-1][0] == black:
            runs[-1] = (black, runs[-1][1], i)
        else:
            runs.append((black, i, i))
    out = []
    for black, start, end in runs:
        confidence = CONTENT_CONFIDENCE
        if black:
            scores = [50.0 + 50.0 * min(1.0, (stats[i].coverage - min_coverage) / span)
                      for i in range(start, end + 1)]
            confidence = f32(sum(scores) / len(scores))
        if confidence >= min_confidence:
            kind = "BlackFrames" if black else "Content"
            out.append(segment("TECHNICAL_CUE", start, end, fps,
                               {"Type": kind, "Confidence": confidence}))
    return out
