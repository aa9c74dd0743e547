"""Public entry point: ``analyze(key, rgb)`` with a bounded, thread-safe LRU cache.

Detection, landmarks, pose and quality are computed on first sight of an image; attributes and
descriptors only when asked for (they cost as much again), then memoised on the cached result.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from . import attributes as _attributes
from . import detect as _detect
from . import embedding as _embedding
from . import image_quality as _quality
from . import landmarks as _landmarks
from . import pose as _pose
from .results import Face, FaceContext, ImageAnalysis

CACHE_SIZE = 128
CROP_MARGIN = 0.6  # context kept around each face for the lazy estimates, x box size per side

_cache: OrderedDict[str, ImageAnalysis] = OrderedDict()
_cache_lock = threading.Lock()


def _as_rgb(rgb: np.ndarray) -> np.ndarray:
    """Accept HxWx3 uint8 (and, leniently, HxW grey or HxWx4); reject anything else."""
    arr = np.asarray(rgb)
    if arr.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got {arr.dtype}")
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"expected an HxWx3 image, got shape {arr.shape}")
    return np.ascontiguousarray(arr[:, :, :3])


def _context(
    work: np.ndarray,
    gray: np.ndarray,
    det: _detect.Detection,
    pts68: np.ndarray,
    pose: tuple[float, float, float],
) -> FaceContext:
    """Crop of the working copy around the face (landmarks and box moved into it)."""
    h, w = gray.shape
    left, top, bw, bh = det.box
    x0 = max(0, int(np.floor(min(left, pts68[:, 0].min()) - CROP_MARGIN * bw)))
    y0 = max(0, int(np.floor(min(top, pts68[:, 1].min()) - CROP_MARGIN * bh)))
    x1 = min(w, int(np.ceil(max(left + bw, pts68[:, 0].max()) + CROP_MARGIN * bw)))
    y1 = min(h, int(np.ceil(max(top + bh, pts68[:, 1].max()) + CROP_MARGIN * bh)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    roll, yaw, pitch = pose
    return FaceContext(
        rgb=work[y0:y1, x0:x1].copy(),
        gray=gray[y0:y1, x0:x1].copy(),
        pts68=pts68 - np.array([x0, y0], dtype=np.float64),
        box=(left - x0, top - y0, bw, bh),
        yaw=yaw,
        pitch=pitch,
        roll=roll,
    )


def _compute(rgb: np.ndarray) -> ImageAnalysis:
    import cv2

    height, width = rgb.shape[:2]
    work, scale = _detect.working_copy(rgb)
    gray = cv2.cvtColor(work, cv2.COLOR_RGB2GRAY)
    faces: list[Face] = []
    contexts: list[FaceContext] = []
    for det in _detect.detect(work, scale, width, height):
        pts68, named, mesh = _landmarks.fit(work, gray, det.box, det.points)
        roll, yaw, pitch = _pose.estimate(pts68, work.shape[1], work.shape[0])
        if mesh is not None:
            yaw = _pose.fused_yaw(yaw, mesh, det.points)
        brightness, sharpness = _quality.measure(gray, pts68)
        left, top, bw, bh = det.box
        faces.append(
            Face(
                box=(left / scale, top / scale, bw / scale, bh / scale),
                confidence=_detect.confidence(det.prob),
                landmarks={k: (x / scale, y / scale) for k, (x, y) in named.items()},
                roll=roll,
                yaw=yaw,
                pitch=pitch,
                brightness=brightness,
                sharpness=sharpness,
            )
        )
        contexts.append(_context(work, gray, det, pts68, (roll, yaw, pitch)))
    return ImageAnalysis(
        width=width,
        height=height,
        faces=faces,
        _contexts=contexts,
        _attributes_fn=_attributes.estimate,
        _descriptor_fn=lambda ctx: _embedding.descriptor(ctx.rgb, ctx.pts68),
    )


def analyze(key: str, rgb: np.ndarray) -> ImageAnalysis:
    """Faces in an upright RGB image (HxWx3 uint8), cached under ``key`` (the caller's content
    hash). The same key always returns the same object while it stays in the LRU cache."""
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    result = _compute(_as_rgb(rgb))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:  # another thread finished first: keep one object per key
            _cache.move_to_end(key)
            return hit
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def clear_cache() -> None:
    """Forget all cached analyses (tests; memory pressure)."""
    with _cache_lock:
        _cache.clear()
