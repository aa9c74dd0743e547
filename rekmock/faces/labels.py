"""DetectLabels' answer for one image or video frame, in the service's words.

What rekmock sees is people, through their faces: a frame with at least one face has the labels
Person (one Instance per face, its box from :mod:`faces.people`), Head and Face (the service's
taxonomy: Face's parents are Head and Person, Head's parent is Person, and every ancestor of a
returned label is returned too; all three are in the category "Person Description", Person has
the alias "Human"). Head and Face carry no Instances (a recorded answer shows Face without any).
Each label's Confidence is its most confident face's; an Instance's is its face's. Anything else
is what a test scripted (``RekognitionState.set_labels``); a scripted label replaces a seen one
of the same name.

Image properties (``Features`` IMAGE_PROPERTIES) are measured on the pixels
(:mod:`vision.image_properties`); the foreground is the people's boxes, so Foreground and
Background are given only when rekmock sees someone.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..botocore_model import f32, service_model
from ..vision import image_properties as props
from ..vision.memo import Memo
from .analysis import FaceView
from .people import box_pixels, person_box

LABEL_MODEL_VERSION = "3.0"
MAX_LABELS = 1000  # the service's default and largest MaxLabels
DEFAULT_MAX_COLORS = 10  # MaxDominantColors' default
MAX_SIDE = 10_000  # pixels: the guide's largest side for DetectLabels and DetectModerationLabels
MEASURED_KEPT = 256  # measured colours and image properties remembered (images x settings)
PERSON_CATEGORY = [{"Name": "Person Description"}]
_TAXONOMY: dict[str, dict[str, Any]] = {
    "Person": {"Parents": [], "Aliases": [{"Name": "Human"}], "Categories": PERSON_CATEGORY},
    "Head": {"Parents": [{"Name": "Person"}], "Aliases": [], "Categories": PERSON_CATEGORY},
    "Face": {"Parents": [{"Name": "Head"}, {"Name": "Person"}], "Aliases": [],
             "Categories": PERSON_CATEGORY},
}


def _ordered(label: dict[str, Any]) -> dict[str, Any]:
    order = service_model().shape_for("Label").members
    return {k: label[k] for k in order if k in label}


def seen_labels(faces: list[FaceView]) -> list[dict[str, Any]]:
    """The labels rekmock sees: Person, Head and Face when there is a face, else none."""
    if not faces:
        return []
    confidence = max(f.confidence() for f in faces)
    out = []
    for name, taxonomy in _TAXONOMY.items():
        instances = ([{"BoundingBox": person_box(f), "Confidence": f.confidence()} for f in faces]
                     if name == "Person" else [])
        out.append(_ordered({"Name": name, "Confidence": confidence, "Instances": instances,
                             **taxonomy}))
    return out


def merged(seen: list[dict[str, Any]], scripted: list[dict[str, Any]] | None
           ) -> list[dict[str, Any]]:
    """Seen labels with the scripted ones added (a scripted label replaces a seen one of the
    same name), most confident first."""
    by_name = {label["Name"]: label for label in seen}
    for label in scripted or []:
        by_name[label.get("Name", "")] = label
    return sorted(by_name.values(), key=lambda lb: (-lb.get("Confidence", 0.0), lb.get("Name", "")))


def selected(labels: Iterable[dict[str, Any]], min_confidence: float,
             settings: dict[str, Any] | None, max_labels: int = MAX_LABELS
             ) -> list[dict[str, Any]]:
    """Labels that pass MinConfidence and the GeneralLabels filters, at most ``max_labels``.

    Instances under MinConfidence are dropped too. Filters: with any inclusion filter, a label
    is kept when its name is in LabelInclusionFilters or one of its categories is in
    LabelCategoryInclusionFilters; then it is dropped when its name is in LabelExclusionFilters
    or a category in LabelCategoryExclusionFilters.
    """
    general = (settings or {}).get("GeneralLabels", {})
    names_in = set(general.get("LabelInclusionFilters", []))
    cats_in = set(general.get("LabelCategoryInclusionFilters", []))
    names_out = set(general.get("LabelExclusionFilters", []))
    cats_out = set(general.get("LabelCategoryExclusionFilters", []))
    out = []
    for label in labels:
        name = label.get("Name", "")
        categories = {c.get("Name", "") for c in label.get("Categories", [])}
        if label.get("Confidence", 0.0) < min_confidence:
            continue
        if (names_in or cats_in) and not (name in names_in or categories & cats_in):
            continue
        if name in names_out or categories & cats_out:
            continue
        kept = dict(label)
        if "Instances" in kept:
            kept["Instances"] = [i for i in kept["Instances"]
                                 if i.get("Confidence", 100.0) >= min_confidence]
        out.append(kept)
    return out[:max(0, min(max_labels, MAX_LABELS))]


# -- image properties --------------------------------------------------------------------------

def _color(color: props.Color) -> dict[str, Any]:
    return {
        "Red": color.red, "Blue": color.blue, "Green": color.green,
        "HexCode": f"{color.red:02X}{color.green:02X}{color.blue:02X}",
        "CSSColor": color.css, "SimplifiedColor": color.simplified,
        "PixelPercent": f32(color.percent),
    }


def _quality(rgb: np.ndarray, contrast: bool) -> dict[str, float]:
    q = props.quality(rgb)
    out = {"Brightness": f32(q.brightness), "Sharpness": f32(q.sharpness)}
    if contrast:
        out["Contrast"] = f32(q.contrast)
    return out


def colors_of(pixels: np.ndarray, limit: int) -> list[dict[str, Any]]:
    return [_color(c) for c in props.dominant_colors(pixels, limit)]


def image_properties(rgb: np.ndarray, people: list[dict[str, float]],
                     limit: int = DEFAULT_MAX_COLORS) -> dict[str, Any]:
    """ImageProperties: the whole image's Quality (with Contrast) and DominantColors; with
    people, the Foreground (their boxes) and Background (the rest), each with DominantColors of
    its own pixels and Quality (Brightness, Sharpness) measured on a rectangle: the smallest one
    holding the people for the foreground, the largest strip beside or above or below it for the
    background (when the people fill the image, there is no Background)."""
    out: dict[str, Any] = {"Quality": _quality(rgb, True), "DominantColors": colors_of(rgb, limit)}
    if not people:
        return out
    height, width = rgb.shape[:2]
    mask = np.zeros((height, width), dtype=bool)
    for box in people:
        x1, y1, x2, y2 = box_pixels(box, width, height)
        mask[y1:y2, x1:x2] = True
    ys, xs = np.nonzero(mask)
    x1, y1, x2, y2 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    out["Foreground"] = {"Quality": _quality(rgb[y1:y2, x1:x2], False),
                         "DominantColors": colors_of(rgb[mask], limit)}
    strips = [rgb[:, :x1], rgb[:, x2:], rgb[:y1, :], rgb[y2:, :]]
    strip = max(strips, key=lambda a: a.shape[0] * a.shape[1])
    if strip.size and (~mask).any():
        out["Background"] = {"Quality": _quality(strip, False),
                             "DominantColors": colors_of(rgb[~mask], limit)}
    return out


Measured = tuple[list[list[dict[str, Any]]], dict[str, Any]]
_measured: Memo[tuple[Any, ...], Measured] = Memo(MEASURED_KEPT)


def _boxes(boxes: Iterable[dict[str, float]]) -> tuple[tuple[tuple[str, float], ...], ...]:
    return tuple(tuple(sorted(box.items())) for box in boxes)


def measured_colors(key: str, rgb: Callable[[], np.ndarray], labels: list[dict[str, Any]],
                    people: list[dict[str, float]], limit: int) -> dict[str, Any]:
    """Each label Instance's DominantColors (added in place) and ``image_properties`` for the
    image of content ``key``, remembered by its content, the boxes and ``limit``: measuring
    colours is most of what DetectLabels costs with IMAGE_PROPERTIES, and a suite sends the same
    photos again and again. Each call gets its own copies; ``rgb`` is decoded only when nothing
    is remembered."""
    instances = [i for label in labels for i in label.get("Instances", [])
                 if "BoundingBox" in i and "DominantColors" not in i]
    memo = (key, _boxes(i["BoundingBox"] for i in instances), _boxes(people), limit)
    found = _measured.get(memo)
    if found is None:
        pixels = rgb()
        height, width = pixels.shape[:2]
        colours = []
        for instance in instances:
            x1, y1, x2, y2 = box_pixels(instance["BoundingBox"], width, height)
            colours.append(colors_of(pixels[y1:y2, x1:x2], limit))
        found = _measured.keep(memo, (colours, image_properties(pixels, people, limit)))
    colours, properties = copy.deepcopy(found)
    for instance, colour in zip(instances, colours, strict=True):
        instance["DominantColors"] = colour
    return properties
