"""Face detection: MTCNN on a bounded-size copy of the image, boxes mapped back to full size.

Why MTCNN and not dlib's HOG detector alone: on the labelled photos (../shared/data/detection)
HOG finds about 70% of the AFW faces (it misses turned heads) while MTCNN finds about 96% at
the same precision, and neither fires on the non-face photos (a cat's face included).

Size rules (Rekognition finds faces down to 40x40 px in a 1920x1080 image, proportionally larger
in larger images): the smallest face searched for and kept is ``MIN_FACE_SLACK`` times
``40 * longest_side / 1920`` pixels wide, and never less than ``MIN_FACE_PX`` (the cost of MTCNN's
pyramid grows quickly below that). The slack is there because the service's boxes are as wide as
MTCNN's (median ratio 1.01 on the recorded answers) but MTCNN's box of a face shrunk to 40 px
runs 4% narrower than the same face's box at full size (one-face verification photos, median;
10th percentile 9%): without it, 17% of faces shrunk to 40 px in a 1920x1080 frame were kept.

Floor: faces with O-Net probability ``p < MIN_PROBABILITY`` (0.90) are dropped, and those below
``VERIFY_BELOW`` (0.97) are kept only if the Face Mesh network, run on the same crop, also says
"face" (presence logit >= ``MESH_MIN_PRESENCE``). Measured on ../shared/data (detections with
p >= 0.5): the mesh logit of the 252 labelled faces found has 1st percentile -3.1, while cloth,
jewellery, a bowed head and a 30-px shadow in tests/data/obama.jpg score -4.5 to -10. Against the
old rule (p >= 0.95 alone) this finds 2 more labelled faces with one fewer unmatched detection;
no photo of ``nonfaces/`` fires at any floor down to p = 0.5. Below the floor, down to
``RESCUE_FROM`` (0.60), a face is kept only when the mesh is sure of it (logit >=
``RESCUE_PRESENCE``, 10): of the 39 such candidates on the labelled photos, the 2 labelled faces
score 12.9 and 19.1 and everything else at most 5.3; no candidate of the fidelity, verification,
orientation or test photos reaches 10.

Profiles: the mesh rejects faces turned further than about 60 degrees as it rejects junk. A
candidate from ``PROFILE_FROM`` up that the mesh rejects, or one MTCNN finds only on the mirror
image (``mtcnn.detect(mirrored=True)``), is kept when dlib's CNN detector finds it in a crop
(``mmod.py``) and no other face is there. Its probability is the better of MTCNN's two readings
(the crop as it is, and mirrored): the service gave the near-profile it reports 99.99.

Confidence: the service reports clear faces at 99.9-100 (70 recorded answers in
``../shared/fidelity``: minimum 99.56, median above 99.99) while O-Net's probability of a clear
frontal face is often 0.999 (logit 7). ``confidence()`` is a monotone map in logit space,
``logit(C / 100) = CONF_SLOPE * logit(p) + CONF_OFFSET``, pinned at two points: the floor keeps its
value (p = 0.90 -> 90.0) and p = 0.999 becomes 99.99. So faces between the floor and about
p = 0.94 come out below 95 and can be refused as ``LOW_CONFIDENCE`` by a strict QualityFilter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from . import facemesh, mmod, mtcnn

WORK_SIDE = 1280  # longest side of the working copy used for detection and landmarks
MIN_FACE_PX = 24.0  # smallest face searched for, in working-copy pixels ...
TURNED_MIN_FACE_PX = 48.0  # ... and in a photo searched turned (a third of the cost)
MIN_PROBABILITY = 0.90
VERIFY_BELOW = 0.97  # faces under this O-Net probability need the mesh's confirmation
MESH_MIN_PRESENCE = -4.0  # Face Mesh presence logit (see module doc)
RESCUE_FROM = 0.60  # faces under MIN_PROBABILITY, down to this, ...
RESCUE_PRESENCE = 10.0  # ... need the mesh to be this sure
PROFILE_FROM = 0.60  # faces the mesh rejects are kept from this p up when dlib's CNN finds them
SAME_FACE = 0.5  # a mirrored candidate sharing this much of its area with another is that face
REKOGNITION_MIN_FACE = 40.0 / 1920.0  # 40 px in a 1920-px-wide image
MIN_FACE_SLACK = 0.9  # MTCNN's box of a face that small runs 4% narrower (10th percentile 9%)
CLEAR_PROBABILITY = 0.999  # O-Net probability of a clear frontal face ...
CLEAR_CONFIDENCE = 99.99  # ... and the Confidence the service gives such a face
LEVEL_TAIL = 0.005  # share of pixels ignored at each end when measuring the brightness range
LEVEL_BELOW_RANGE = 128  # photos spanning fewer grey levels are stretched (see levelled())
LEVEL_MIN_RANGE = 4  # ... unless nearly uniform: nothing there to stretch


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1.0 - 1e-12)
    return math.log(p / (1.0 - p))


CONF_SLOPE = (_logit(CLEAR_CONFIDENCE / 100.0) - _logit(MIN_PROBABILITY)) / (
    _logit(CLEAR_PROBABILITY) - _logit(MIN_PROBABILITY)
)
CONF_OFFSET = _logit(MIN_PROBABILITY) * (1.0 - CONF_SLOPE)


def confidence(prob: float) -> float:
    """Rekognition-scale Confidence (0..100) for an O-Net face probability (see module doc)."""
    z = CONF_SLOPE * _logit(prob) + CONF_OFFSET
    return 100.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Detection:
    """A face in working-copy pixels."""

    box: tuple[float, float, float, float]  # left, top, width, height
    prob: float
    points: np.ndarray  # (5, 2) MTCNN points: eyes (viewer's left first), nose, mouth corners
    # The Face Mesh's first pass on this face (mesh, presence logit), when detection ran it.
    first_pass: tuple[np.ndarray, float] | None = None
    profile: bool = False  # kept on dlib's CNN's word: a face turned too far for the mesh
    mirrored: bool = False  # MTCNN found it on the mirror image


def working_copy(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Downscale (area interpolation) so the longest side is at most WORK_SIDE.

    Returns the copy and the factor ``s`` with ``working = original * s``. Large photos are
    processed at this size so a 4000x3000 photo costs about what a 1280x960 one does.
    """
    h, w = rgb.shape[:2]
    s = min(1.0, WORK_SIDE / max(h, w))
    if s >= 1.0:
        return np.ascontiguousarray(rgb), 1.0
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), s


def levelled(work: np.ndarray) -> np.ndarray:
    """The pixels the detector and the landmark network see. A photo whose brightness spans
    fewer than ``LEVEL_BELOW_RANGE`` grey levels (0.5th to 99.5th percentile: dim or flat) is
    stretched linearly to the full range, as the service finds faces whatever the exposure;
    every other photo is left as it is (the narrowest of 248 real photos spans 145 levels).

    Measured on ../shared/data/detection darkened to 25% (15%) of its brightness, recall goes
    from 84% (54%) to 96.5%, and from 78% to 96.9% with contrast cut to 30%. Not done: local
    contrast (CLAHE) for a face in shadow within a bright photo; it also changes normal photos,
    and cost agreement with the service's recorded answers."""
    gray = cv2.cvtColor(work, cv2.COLOR_RGB2GRAY)
    counts = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().astype(np.float64)
    cdf = np.cumsum(counts) / max(float(counts.sum()), 1.0)
    lo = int(np.searchsorted(cdf, LEVEL_TAIL))
    hi = int(np.searchsorted(cdf, 1.0 - LEVEL_TAIL))
    if not LEVEL_MIN_RANGE <= hi - lo < LEVEL_BELOW_RANGE:
        return work
    lut = np.clip((np.arange(256) - lo) * 255.0 / (hi - lo) + 0.5, 0, 255)
    return cv2.LUT(work, lut.astype(np.uint8))


def min_face_width(orig_w: int, orig_h: int) -> float:
    """Smallest face width (original pixels) Rekognition would report in such an image."""
    return REKOGNITION_MIN_FACE * max(orig_w, orig_h)


def _corners(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    left, top, w, h = box
    return left, top, left + w, top + h


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two x1, y1, x2, y2 boxes share ``SAME_FACE`` of the smaller one's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w > 0 and h > 0 and w * h >= SAME_FACE * smaller


def detect(work: np.ndarray, scale: float, orig_w: int, orig_h: int, strict: bool = False,
           least: float | None = None) -> list[Detection]:
    """Faces in the working copy, largest first; boxes are MTCNN's (brow to chin). ``strict``,
    for a photo searched turned: faces from ``TURNED_MIN_FACE_PX`` up, each needing the mesh to
    be sure of it (there MTCNN also takes an upside-down face for one: p 0.99 on
    tests/data/obama.jpg, while the mesh gives it 2.9 against 20 or more for upright faces).
    ``least``: look only for faces of that many working pixels or more (fewer pyramid levels)."""
    if min(work.shape[:2]) < 12:
        return []
    if least is None:
        least = TURNED_MIN_FACE_PX if strict else MIN_FACE_PX
    min_face = max(least, min_face_width(orig_w, orig_h) * scale)
    keep_from = MIN_FACE_SLACK * min_face_width(orig_w, orig_h) * scale
    found: list[Detection] = []
    profiles: list[Detection] = []  # faces only dlib's CNN confirms
    cands = mtcnn.detect(work, min_face, RESCUE_FROM, mirrored=not strict)
    for cand in cands:
        x1, y1, x2, y2 = cand.box
        w, h = x2 - x1, y2 - y1
        if w < keep_from or h <= 0:
            continue
        box = (x1, y1, w, h)
        first = None
        if not cand.mirrored and (strict or cand.prob < VERIFY_BELOW):
            sure = strict or cand.prob < MIN_PROBABILITY
            first = facemesh.first_pass(work, box, cand.points)
            if first[1] < (RESCUE_PRESENCE if sure else MESH_MIN_PRESENCE):
                if not strict and cand.prob >= PROFILE_FROM:
                    profiles.append(Detection(box, cand.prob, cand.points, first, profile=True))
                continue
        if cand.mirrored:  # a face only its mirror image shows: a profile, or junk
            if cand.prob >= PROFILE_FROM and not any(
                    _overlap(cand.box, c.box) for c in cands if not c.mirrored):
                profiles.append(Detection(box, cand.prob, cand.points, profile=True,
                                           mirrored=True))
            continue
        found.append(Detection(box, cand.prob, cand.points, first))
    # The costly check last, surest first, and only where no other face is.
    for det in sorted(profiles, key=lambda d: -d.prob):
        corners = _corners(det.box)
        if any(_overlap(corners, _corners(f.box)) for f in found) or \
                not mmod.confirms(work, det.box):
            continue
        # MTCNN reads a profile well on one side only: its Confidence is the better side's.
        other = mtcnn.face_prob(work, corners, mirrored=not det.mirrored)
        found.append(replace(det, prob=max(det.prob, other)))
    # Largest area first; ties by position so the order never depends on the detector's.
    found.sort(key=lambda d: (-d.box[2] * d.box[3], d.box[0], d.box[1]))
    return found
