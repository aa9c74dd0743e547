"""Eyeglasses and Beard against hand labels of ``../shared/data``: the fit of the glasses cue's
weights, judged by 5-fold cross-validation, and the shipped decisions' agreement.

``attribute_labels.json`` (beside this script) labels 470 faces of ``detection/``,
``verification/`` and ``verification-east-asian/`` by eye: glasses (sunglasses count, as the
service counts them) and beard (``null`` where only stubble shows; a mustache alone is labelled
no beard, though the service's Beard counts it). Labels name a face by its photo and box centre,
so they hold whatever order faces are found in. The service's own answers
(``benchmarks/fidelity.py``) are never used here: the weights fitted on these labels are then
judged on those answers, out of sample.

    python benchmarks/attribute_labels.py ../shared/data
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from rekmock.vision import api, attributes

LABELS = Path(__file__).with_name("attribute_labels.json")
MATCH = 0.25  # a labelled centre matches a found face within this share of its width
FOLDS = 5
RIDGE = 1.0  # L2 penalty on the standardised weights (not on the bias)
GLASSES_CUES = ("glasses_edges", "frame_lines")


def measured(root: Path) -> list[tuple[dict, dict[str, float]]]:
    """(label, rekmock's measures) for every labelled face rekmock finds."""
    labels = json.loads(LABELS.read_text())["faces"]
    out = []
    for photo in sorted({lab["photo"] for lab in labels}):
        path = root / photo
        rgb = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
        analysis = api.analyze(hashlib.sha256(path.read_bytes()).hexdigest(), rgb)
        for lab in (lab for lab in labels if lab["photo"] == photo):
            cx, cy = lab["centre"]
            for face, ctx in zip(analysis.faces, analysis._contexts, strict=True):
                x, y, w, h = face.box
                if math.hypot(x + w / 2 - cx, y + h / 2 - cy) <= MATCH * lab["width"]:
                    out.append((lab, attributes.measures(ctx)))
                    break
    return out


def logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ridge logistic regression by Newton's method: weights, then the bias."""
    x1 = np.c_[x, np.ones(len(x))]
    w = np.zeros(x1.shape[1])
    ridge = RIDGE * np.diag(np.r_[np.ones(x.shape[1]), 0.0])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x1 @ w))
        grad = x1.T @ (p - y) + ridge @ w
        hess = (x1 * (p * (1 - p))[:, None]).T @ x1 + ridge
        w -= np.linalg.solve(hess, grad)
    return w


def fit_glasses(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights per unit of each cue, then the bias (the form ``attributes.logits`` ships)."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    w = logistic((x - mu) / sd, y)
    per_unit = w[:-1] / sd
    return np.r_[per_unit, w[-1] - float(per_unit @ mu)]


def cross_validated(x: np.ndarray, y: np.ndarray) -> float:
    """Share agreeing when each fold is decided by weights fitted on the other folds."""
    order = np.random.default_rng(0).permutation(len(y))
    right = 0
    for fold in np.array_split(order, FOLDS):
        train = np.setdiff1d(order, fold)
        w = fit_glasses(x[train], y[train])
        right += int(((x[fold] @ w[:-1] + w[-1] > 0) == (y[fold] > 0.5)).sum())
    return right / len(y)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", default="../shared/data", type=Path)
    args = ap.parse_args()
    faces = measured(args.root)
    print(f"{len(faces)} labelled faces found by rekmock")
    x = np.array([[m[c] for c in GLASSES_CUES] for _, m in faces])
    y = np.array([float(lab["glasses"]) for lab, _ in faces])
    w = fit_glasses(x, y)
    shipped = np.array([attributes.logits(m)["eyeglasses"] >= 0 for _, m in faces])
    edges_only = x[:, :1]
    print(f"glasses: {int(y.sum())} of {len(y)}")
    print(f"  edges alone, 5-fold CV          {100 * cross_validated(edges_only, y):.1f}%")
    print(f"  edges + frame lines, 5-fold CV  {100 * cross_validated(x, y):.1f}%")
    weights = ", ".join(f"{c} {v:+.3f}" for c, v in zip(GLASSES_CUES, w[:-1], strict=True))
    print(f"  fitted on all: {weights}, bias {w[-1]:+.3f}")
    print(f"  shipped decision (in sample)    {100 * float((shipped == (y > 0.5)).mean()):.1f}%")
    sure = [(lab, m) for lab, m in faces if lab["beard"] is not None]
    yb = np.array([lab["beard"] for lab, _ in sure])
    zb = np.array([attributes.logits(m)["beard"] for _, m in sure])
    print(f"beard: {int(yb.sum())} of {len(yb)} (stubble-only faces left out; a mustache alone "
          "is labelled no beard, where the service says Beard)")
    agree = float(((zb >= 0) == yb).mean())
    print(f"  shipped decision (not fitted on these labels) {100 * agree:.1f}%")


if __name__ == "__main__":
    main()
