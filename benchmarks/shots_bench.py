"""How well segment detection's cut rule (``faces.segments.SHOT_CUT``) separates hard cuts from
camera motion, on photos it was not chosen on.

Usage (from the project root)::

    python benchmarks/shots_bench.py ../shared/data

The threshold was set from the test clips alone. Here every photo of ``detection/images`` is
fitted to 640x480; a *cut* is two consecutive photos (sorted by name) shown one after the other,
*motion* is one photo seen through a window (80% of its size) that pans 2% of the width per
frame for 10 frames, zooms in 1% per frame for 10 frames, or brightens and darkens by 8% every
other frame. Prints the share of cuts found (difference >= SHOT_CUT), the share of motion steps
wrongly taken for cuts, and the distribution of both differences.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rekmock.faces.segments import SHOT_CUT  # noqa: E402
from rekmock.vision.frames import difference, signature  # noqa: E402

SIZE = (640, 480)
WINDOW = 0.8
STEPS = 10
PAN, ZOOM, FLICKER = 0.02, 0.01, 0.08


def fitted(path: Path) -> Image.Image:
    im = Image.open(path).convert("RGB")
    scale = max(SIZE[0] / im.width, SIZE[1] / im.height)
    im = im.resize((max(SIZE[0], round(im.width * scale)), max(SIZE[1], round(im.height * scale))))
    left, top = (im.width - SIZE[0]) // 2, (im.height - SIZE[1]) // 2
    return im.crop((left, top, left + SIZE[0], top + SIZE[1]))


def view(im: Image.Image, x: float, y: float, size: float) -> np.ndarray:
    w, h = im.width * size, im.height * size
    box = (x * im.width, y * im.height, x * im.width + w, y * im.height + h)
    return np.asarray(im.resize(SIZE, box=box))


def motion(im: Image.Image) -> dict[str, list[float]]:
    """Frame-to-frame differences of the pan, the zoom and the flicker of one photo."""
    pans = [view(im, i * PAN, 0.1, WINDOW) for i in range(STEPS)]
    zooms = [view(im, 0.1 + i * ZOOM / 2, 0.1 + i * ZOOM / 2, WINDOW - i * ZOOM)
             for i in range(STEPS)]
    base = np.asarray(im, dtype=np.float32)
    flicker = [np.clip(base * (1 + FLICKER * (-1) ** i), 0, 255).astype(np.uint8)
               for i in range(STEPS)]
    out = {}
    for kind, frames in (("pan", pans), ("zoom", zooms), ("flicker", flicker)):
        sigs = [signature(f) for f in frames]
        out[kind] = [difference(a, b) for a, b in zip(sigs, sigs[1:], strict=False)]
    return out


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    photos = sorted((data / "detection" / "images").glob("*"))
    images = [fitted(p) for p in photos]
    sigs = [signature(np.asarray(im)) for im in images]
    cuts = [difference(a, b) for a, b in zip(sigs, sigs[1:], strict=False)]
    kinds: dict[str, list[float]] = {}
    for im in images:
        for kind, found_here in motion(im).items():
            kinds.setdefault(kind, []).extend(found_here)
    moves = [d for found_here in kinds.values() for d in found_here]
    found = sum(d >= SHOT_CUT for d in cuts)
    false = sum(d >= SHOT_CUT for d in moves)
    q = statistics.quantiles
    print(f"{len(photos)} photos, SHOT_CUT = {SHOT_CUT}")
    print(f"cuts found:        {found}/{len(cuts)} ({100 * found / len(cuts):.1f}%); "
          f"difference 5th/50th percentile {q(cuts, n=20)[0]:.2f}/{statistics.median(cuts):.2f}")
    print(f"motion as cuts:    {false}/{len(moves)} ({100 * false / len(moves):.2f}%); "
          f"difference 50th/99th percentile {statistics.median(moves):.3f}/"
          f"{q(moves, n=100)[-1]:.3f}, max {max(moves):.3f}")
    print("largest motion difference by kind: " + ", ".join(
        f"{kind} {max(values):.3f}" for kind, values in kinds.items()))


if __name__ == "__main__":
    main()
