"""Public entry point: ``analyze(key, rgb)`` with a bounded, thread-safe LRU cache in memory,
backed by the persistent disk cache (``disk_cache``) shared by processes.

Detection, landmarks, pose and quality are computed on first sight of an image; attributes and
descriptors only when asked for (they cost as much again), then memoised on the cached result and
added to its disk entry. An analysis read from disk recomputes what its entry lacks from the
request's pixels, and only that.
"""

from __future__ import annotations

import functools
import hashlib
import math
import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from . import attributes as _attributes
from . import detect as _detect
from . import disk_cache as _disk
from . import embedding as _embedding
from . import facemesh as _facemesh
from . import image_quality as _quality
from . import landmarks as _landmarks
from . import pose as _pose
from .crop import crop
from .memo import Memo
from .results import Face, FaceContext, ImageAnalysis, bordered

CACHE_SIZE = 128
FINGERPRINT_STEP = 7  # every 7th pixel row and column enters the disk key's fingerprint
CROP_MARGIN = 0.6  # context kept around each face for the lazy estimates, x box size per side
SIDEWAYS = (1, 3, 2)  # quarter turns (counter-clockwise) searched when no face is sure upright
QUARTER_ROLL = 90.0  # degrees of Roll a quarter turn adds
UPRIGHT_ROLL = 45.0  # |Roll| up to which a face counts as upright in its frame
BORDER = 0.25  # grey added round a photo with no face found, x its longer side per side
CUT_FACE = 0.5  # ... where faces from this share of its shorter side up are looked for

_cache: Memo[str, ImageAnalysis] = Memo(CACHE_SIZE)
_measured: Memo[tuple[Any, ...], ImageAnalysis] = Memo(CACHE_SIZE)  # see measure_at


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
        rgb=crop(work, x0, y0, x1, y1).copy(),
        gray=crop(gray, x0, y0, x1, y1).copy(),
        pts68=pts68 - np.array([x0, y0], dtype=np.float64),
        box=(left - x0, top - y0, bw, bh),
        yaw=yaw,
        pitch=pitch,
        roll=roll,
        origin=(x0, y0),
    )


def _frame(work: np.ndarray, scale: float, size: tuple[int, int], quarter: int,
           least: float | None = None) -> tuple[list[Face], list[FaceContext], bool, float]:
    """Faces of a working copy turned ``quarter`` times 90 degrees counter-clockwise, in that
    turned frame (pixels of the equally turned original image, of ``size`` width x height),
    whether one of them is sure (the Face Mesh is sure of it and it stands upright; always, with
    the iBUG option), and the highest face-presence logit the mesh gave a face it checked. In a
    turned frame only faces upright in it are kept."""
    import cv2

    turned = np.ascontiguousarray(np.rot90(work, quarter))
    gray = cv2.cvtColor(turned, cv2.COLOR_RGB2GRAY)
    width, height = size
    faces: list[Face] = []
    contexts: list[FaceContext] = []
    sure = False
    surest = -math.inf
    seen = _detect.levelled(turned)
    for det in _detect.detect(seen, scale, width, height, strict=quarter != 0, least=least):
        face, ctx, presence = _measure(turned, seen, gray, det, scale,
                                       _detect.confidence(det.prob))
        upright = abs(face.roll) <= UPRIGHT_ROLL
        if quarter and not upright:
            continue
        # Not a profile dlib's CNN confirmed: it also takes some faces of a photo turned a
        # quarter for upright ones, and such a photo must be searched turned.
        sure = sure or presence is None or (presence >= _detect.RESCUE_PRESENCE and upright)
        # With the iBUG option only detection's check of the face gives a logit.
        checked = det.first_pass[1] if presence is None and det.first_pass else presence
        if checked is not None:
            surest = max(surest, checked)
        faces.append(face)
        ctx.quarter = quarter
        contexts.append(ctx)
    return faces, contexts, sure, surest


def _measure(work: np.ndarray, seen: np.ndarray, gray: np.ndarray, det: _detect.Detection,
             scale: float, confidence: float) -> tuple[Face, FaceContext, float | None]:
    """Landmarks, pose and quality of one face of a working copy (``seen``: as the networks
    see it), in original pixels; its context; the mesh's face-presence logit."""
    pts68, named, mesh, presence = _landmarks.fit(seen, gray, det.box, det.points,
                                                  det.first_pass)
    if mesh is not None:
        roll, yaw, pitch = _pose.mesh_pose(mesh, det.points)
        if det.profile:
            yaw = _pose.profile_yaw(yaw, det.points)
    else:
        roll, yaw, pitch = _pose.estimate(pts68, work.shape[1], work.shape[0])
    brightness, sharpness = _quality.measure(gray, pts68)
    left, top, bw, bh = det.box
    face = Face(
        box=(left / scale, top / scale, bw / scale, bh / scale),
        confidence=confidence,
        landmarks={k: (x / scale, y / scale) for k, (x, y) in named.items()},
        roll=roll,
        yaw=yaw,
        pitch=pitch,
        brightness=brightness,
        sharpness=sharpness,
    )
    return face, _context(work, gray, det, pts68, (roll, yaw, pitch)), presence


def measure_at(key: str, pixels: Callable[[], np.ndarray], box: tuple[float, float, float, float],
               points5: Sequence[tuple[float, float]], confidence: float) -> ImageAnalysis:
    """One face measured where the caller says it is, not where detection finds one: ``box``
    (left, top, width, height) and ``points5`` (eyes, viewer's left first, nose tip, mouth
    corners) in pixels of the upright image. Landmarks, pose and quality come from the pixels
    as for a detected face, and attributes and the descriptor on demand. For a face another
    detector found that rekmock's missed. Kept in memory by ``key``, box and points."""
    import cv2

    name = (key, tuple(box), tuple(map(tuple, points5)), confidence)
    hit = _measured.get(name)
    if hit is not None:
        return hit
    rgb = _as_rgb(pixels())
    height, width = rgb.shape[:2]
    work, scale = _detect.working_copy(rgb)
    gray = cv2.cvtColor(work, cv2.COLOR_RGB2GRAY)
    det = _detect.Detection(tuple(v * scale for v in box),  # type: ignore[arg-type]
                            confidence / 100.0, np.asarray(points5, dtype=np.float64) * scale)
    face, ctx, _ = _measure(work, _detect.levelled(work), gray, det, scale, confidence)
    result = ImageAnalysis(width=width, height=height, faces=[face], _contexts=[ctx],
                           _attributes_fn=_attributes.estimate, _descriptor_fn=_descriptor)
    return _measured.keep(name, result)


def _unturn(face: Face, quarter: int, width: int, height: int) -> Face:
    """A face found in the frame turned ``quarter`` (1, 2 or 3) times, in the image's own
    pixels: its box and points turned back, and the turn added to its Roll (clockwise
    positive: the photo was turned clockwise by as much as the search turned it back)."""
    def point(x: float, y: float) -> tuple[float, float]:
        if quarter == 1:
            return width - y, x
        if quarter == 2:
            return width - x, height - y
        return y, height - x

    left, top, w, h = face.box
    xs, ys = zip(*(point(x, y) for x in (left, left + w) for y in (top, top + h)), strict=True)
    roll = face.roll + QUARTER_ROLL * (quarter if quarter < 3 else -1)
    return replace(
        face,
        box=(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)),
        landmarks={k: point(x, y) for k, (x, y) in face.landmarks.items()},
        roll=_pose.wrap_degrees(roll),
    )


def _compute(rgb: np.ndarray) -> ImageAnalysis:
    """Faces of an upright image. When the Face Mesh is sure of no upright face (none found, or
    only doubtful or strongly tilted ones: 3 of 234 real photos with faces), the image is also
    searched turned a quarter each way and upside down: the service finds the faces of a
    sideways photo that has no EXIF orientation, and reports them where they lie, with their
    Roll near +-90. The turn whose faces the mesh is surest of replaces the doubtful upright
    faces (MTCNN takes some sideways faces for upright ones). The search goes on past a turn
    with faces unless the mesh is very sure of one: a head tilted 135 degrees is 45 degrees off
    upright in one turn and 45 degrees off upside down in the other, where MTCNN and the mesh
    can still take it for a face (logit up to 12, against 26-42 the right way up)."""
    height, width = rgb.shape[:2]
    work, scale = _detect.working_copy(rgb)
    faces, contexts, sure, _ = _frame(work, scale, (width, height), 0)
    if not faces:
        faces, contexts, sure = _cut_by_the_frame(work, scale, (width, height))
    best = -math.inf
    for quarter in () if sure else SIDEWAYS:
        size = (width, height) if quarter == 2 else (height, width)
        turned, turned_contexts, _, surest = _frame(work, scale, size, quarter)
        if turned and surest > best:
            best = surest
            faces = [_unturn(f, quarter, width, height) for f in turned]
            contexts = turned_contexts
        if best >= _facemesh.SURE_UPRIGHT:  # no face the wrong way up scores that
            break
    return ImageAnalysis(
        width=width,
        height=height,
        faces=faces,
        _contexts=contexts,
        _attributes_fn=_attributes.estimate,
        _descriptor_fn=_descriptor,
    )


def _cut_by_the_frame(work: np.ndarray, scale: float, size: tuple[int, int]
                      ) -> tuple[list[Face], list[FaceContext], bool]:
    """Faces of a photo where none was found, searched again with a grey border added round
    it: MTCNN misses a face that fills the frame and is cut by it (chin or brow outside a tight
    crop; 8 of the 150 East Asian test photos), which the service finds. Their boxes may reach
    past the photo, as the service's boxes of cut faces do (a negative Left)."""
    border = round(BORDER * max(work.shape[:2]))
    least = CUT_FACE * min(work.shape[:2])  # a face the frame cuts is a big one: a cheap search
    faces, contexts, sure, _ = _frame(bordered(work, border), scale, size, 0, least)
    shift = border / scale
    for ctx in contexts:
        ctx.border = border
    moved = [
        replace(
            f,
            box=(f.box[0] - shift, f.box[1] - shift, f.box[2], f.box[3]),
            landmarks={k: (x - shift, y - shift) for k, (x, y) in f.landmarks.items()},
        )
        for f in faces
    ]
    return moved, contexts, sure


def _descriptor(ctx: FaceContext) -> np.ndarray:
    return _embedding.descriptor(ctx.rgb, ctx.pts68)


class _Restorer:
    """Rebuilds the face contexts of an analysis read from disk, from the request's pixels.

    Holds the pixels weakly (the request holds them while it runs; ``analyze`` refreshes the
    reference on every call), so a cached analysis never pins a whole image in memory.
    """

    def __init__(self) -> None:
        self._pixels: Callable[[], np.ndarray | None] = lambda: None

    def see(self, rgb: np.ndarray) -> None:
        try:
            self._pixels = weakref.ref(rgb)
        except TypeError:  # not an ndarray (a nested list): hold it
            self._pixels = lambda: rgb

    def see_loader(self, load: Callable[[], np.ndarray]) -> None:
        """Pixels decoded on demand by ``load`` (held weakly, like an array)."""
        ref = weakref.ref(load)

        def pixels() -> np.ndarray | None:
            found = ref()
            return None if found is None else found()

        self._pixels = pixels

    def __call__(self, analysis: ImageAnalysis) -> None:
        import cv2

        rgb = self._pixels()
        if rgb is None:
            raise RuntimeError("the image's pixels are gone: call analyze(key, rgb) again")
        arr = _as_rgb(rgb)
        try:  # cut the crops again where the entry says they were: no detection
            work, _ = _detect.working_copy(arr)
            gray = cv2.cvtColor(work, cv2.COLOR_RGB2GRAY)
            geometry = analysis._geometry or []
            contexts = [FaceContext.from_geometry(work, gray, g) for g in geometry]
            if len(contexts) != len(analysis.faces):
                raise ValueError("no geometry for every face")
            analysis._attributes_fn = _attributes.estimate
            analysis._descriptor_fn = _descriptor
        except (ValueError, TypeError, KeyError):
            fresh = _compute(arr)  # same code and pixels: the same faces, with their crops
            contexts = fresh._contexts
            analysis._attributes_fn = fresh._attributes_fn
            analysis._descriptor_fn = fresh._descriptor_fn
        analysis._contexts = contexts


def disk_key(key: str, arr: np.ndarray) -> str:
    """The disk cache's key: the caller's content hash, the pixel shape and a fingerprint of a
    pixel sample, so a caller reusing a key for other pixels never gets another image's faces."""
    sample = np.ascontiguousarray(arr[::FINGERPRINT_STEP, ::FINGERPRINT_STEP])
    fingerprint = hashlib.blake2b(sample.tobytes(), digest_size=16).hexdigest()
    return f"{key}:{'x'.join(map(str, arr.shape))}:{fingerprint}"


def _from_disk(dkey: str, restorer: _Restorer) -> ImageAnalysis | None:
    """The analysis stored on disk for this image, its missing parts computable from the pixels
    ``restorer`` reaches."""
    parts = _disk.read(dkey)
    if parts is None:
        return None
    width, height, faces, attrs, descs, geometry = parts
    return ImageAnalysis(
        width=width, height=height, faces=faces, _attrs=attrs, _descs=descs,
        _restore=restorer, _geometry=geometry,
    )


def _persisting(dkey: str, analysis: ImageAnalysis) -> ImageAnalysis:
    """Have ``analysis`` store each part it computes later in its disk entry."""
    analysis._persist = lambda a: _disk.write(dkey, a)
    return analysis


def _analyze(key: str, aim: Callable[[_Restorer], None], disk_key_of: Callable[[], str],
             pixels: Callable[[], np.ndarray]) -> ImageAnalysis:
    """The one lookup behind both entry points: the in-memory LRU, then the disk entry named by
    ``disk_key_of()``, then the vision pipeline on ``pixels()``. ``aim`` points a restorer at
    the caller's pixels, so a part an entry lacks can be computed later."""
    hit = _cache.get(key)
    if hit is not None:
        if isinstance(hit._restore, _Restorer):
            aim(hit._restore)
        return hit
    dkey = disk_key_of() if _disk.enabled() else ""
    result = None
    if dkey:
        restorer = _Restorer()
        aim(restorer)
        result = _from_disk(dkey, restorer)
    if result is None:
        result = _compute(_as_rgb(pixels()))
        if dkey:
            _disk.write(dkey, result)
    if dkey:
        _persisting(dkey, result)
    return _cache.keep(key, result)  # another thread may have finished first


def analyze(key: str, rgb: np.ndarray) -> ImageAnalysis:
    """Faces in an upright RGB image (HxWx3 uint8), cached under ``key`` (the caller's content
    hash). The same key always returns the same object while it stays in the LRU cache.

    Keep ``rgb`` alive while asking the result for attributes or descriptors: a result read from
    the disk cache computes a part its entry lacks from those pixels (it holds them weakly)."""
    checked = functools.cache(lambda: _as_rgb(rgb))
    return _analyze(key, lambda r: r.see(rgb), lambda: disk_key(key, checked()), checked)


def analyze_encoded(key: str, pixels: Callable[[], np.ndarray]) -> ImageAnalysis:
    """Faces of an image named by the hash of its *encoded* bytes (``key``), whose upright RGB
    pixels ``pixels()`` decodes on demand.

    Decoding is deterministic, so the disk entry is keyed by ``key`` alone and a warm entry
    answers without decoding the image at all; ``pixels`` (held weakly, like ``analyze``'s
    array) is called only when the entry lacks a part, or on a miss."""
    return _analyze(key, lambda r: r.see_loader(pixels), lambda: f"encoded:{key}", pixels)


def clear_cache() -> None:
    """Forget all cached analyses (tests; memory pressure)."""
    _cache.clear()
    _measured.clear()
