"""Image properties of a region: quality (brightness, sharpness, contrast) and dominant colours.

- Brightness and Sharpness: ``image_quality.region_quality`` of the region's grey pixels, the
  measure face Quality uses.
- Contrast: RMS contrast, the standard deviation of the grey pixels as a percentage of the
  largest possible one (127.5), capped at 100.
- Dominant colours: Pillow's median-cut quantisation of the region (shrunk to at most
  ``COLOR_SAMPLE_PIXELS``) into ``PALETTE_SIZE`` colours; palette entries that get the same CSS
  name are merged (pixel-weighted mean colour, summed share), largest share first. Each colour
  gets the nearest CSS3 colour name (Pillow's table, squared RGB distance, ties by name) and one
  of twelve simplified names from its hue, saturation and value (``simplified``).

Nothing here knows about AWS: regions are RGB uint8 arrays, colours plain dataclasses.
"""

from __future__ import annotations

import colorsys
import functools
from dataclasses import dataclass

import numpy as np

from .image_quality import region_quality

PALETTE_SIZE = 32
COLOR_SAMPLE_PIXELS = 10_000  # median cut costs about 1 ms per 1000 pixels
MAX_CONTRAST_STD = 127.5  # the standard deviation of a half-black, half-white region
# Simplified colour names: below DARK value a colour is black; under GREYISH saturation it is
# white above LIGHT value, else grey; otherwise its hue picks a name (orange turns brown when
# dark, red turns pink when pale).
DARK, LIGHT, GREYISH, PALE, BROWN_VALUE = 0.18, 0.85, 0.15, 0.45, 0.6
HUE_NAMES = (  # upper hue bound (degrees) -> name
    (15, "red"), (45, "orange"), (70, "yellow"), (165, "green"), (195, "cyan"),
    (255, "blue"), (290, "purple"), (335, "pink"), (360, "red"),
)


@dataclass(frozen=True)
class Color:
    red: int
    green: int
    blue: int
    css: str
    simplified: str
    percent: float  # share of the region's pixels, 0..100


@dataclass(frozen=True)
class Quality:
    brightness: float
    sharpness: float
    contrast: float


@functools.lru_cache(maxsize=1)
def _css_table() -> tuple[tuple[str, ...], np.ndarray]:
    from PIL import ImageColor

    names = tuple(sorted(ImageColor.colormap))
    rgb = np.array([ImageColor.getrgb(n)[:3] for n in names], dtype=np.int32)
    return names, rgb


def css_name(rgb: tuple[int, int, int]) -> str:
    """The nearest CSS3 colour name (first by name among equally near ones)."""
    names, table = _css_table()
    dist = ((table - np.asarray(rgb, dtype=np.int32)) ** 2).sum(axis=1)
    return names[int(np.argmin(dist))]


def simplified(rgb: tuple[int, int, int]) -> str:
    """One of black, white, grey, red, orange, yellow, green, cyan, blue, purple, pink, brown."""
    hue, sat, val = colorsys.rgb_to_hsv(*(c / 255.0 for c in rgb))
    if val < DARK:
        return "black"
    if sat < GREYISH:
        return "white" if val > LIGHT else "grey"
    degrees = hue * 360.0
    name = next(n for bound, n in HUE_NAMES if degrees < bound or bound == 360)
    if name == "orange" and val < BROWN_VALUE:
        return "brown"
    if name == "red" and sat < PALE and val > LIGHT:
        return "pink"
    return name


def quality(rgb: np.ndarray) -> Quality:
    """Brightness, sharpness and contrast (0..100) of a region."""
    from .frames import luma

    grey = np.clip(luma(rgb), 0, 255).astype(np.uint8)
    if grey.shape[0] < 2 or grey.shape[1] < 2:
        grey = np.pad(grey, ((0, max(0, 2 - grey.shape[0])), (0, max(0, 2 - grey.shape[1]))),
                      mode="edge")
    brightness, sharpness = region_quality(grey)
    contrast = min(100.0, float(grey.std()) * 100.0 / MAX_CONTRAST_STD)
    return Quality(brightness, sharpness, contrast)


def dominant_colors(pixels: np.ndarray, limit: int) -> list[Color]:
    """Up to ``limit`` dominant colours of an (N, 3) or (H, W, 3) uint8 array of RGB pixels."""
    from PIL import Image

    flat = np.asarray(pixels, dtype=np.uint8).reshape(-1, 3)
    if limit <= 0 or flat.shape[0] == 0:
        return []
    step = max(1, flat.shape[0] // COLOR_SAMPLE_PIXELS)
    sample = np.ascontiguousarray(flat[::step])
    strip = Image.fromarray(sample.reshape(1, -1, 3), "RGB")
    quantized = strip.quantize(colors=PALETTE_SIZE, method=Image.Quantize.MEDIANCUT)
    palette = np.array((quantized.getpalette() or [])[: 3 * PALETTE_SIZE],
                       dtype=np.int64).reshape(-1, 3)
    counts = np.bincount(np.asarray(quantized).ravel(), minlength=len(palette))
    merged: dict[str, list[float]] = {}  # css name -> [pixels, sum r, sum g, sum b]
    for index in np.flatnonzero(counts):
        r, g, b = (int(c) for c in palette[index])
        color = (r, g, b)
        entry = merged.setdefault(css_name(color), [0.0, 0.0, 0.0, 0.0])
        n = float(counts[index])
        entry[0] += n
        for k in range(3):
            entry[k + 1] += n * color[k]
    total = float(counts.sum())
    out = []
    for entry in merged.values():
        n = entry[0]
        mean = (round(entry[1] / n), round(entry[2] / n), round(entry[3] / n))
        out.append(Color(*mean, css=css_name(mean), simplified=simplified(mean),
                         percent=100.0 * n / total))
    out.sort(key=lambda c: (-c.percent, c.css))
    return out[:limit]
