"""DetectProtectiveEquipment: persons found through their faces, equipment only where a test
scripted it (``faces.equipment``)."""

from __future__ import annotations

from typing import Any

from ...backend.analysis import PPE, scripted_for
from ...backend.scripts import refs_of
from ...errors import ImageTooLargeException
from ...faces import equipment
from ...faces.analysis import faces_of
from ..context import Context
from . import operation

MAX_BYTES = 4 * 1024 * 1024  # the guide's limit on image bytes for this operation
MIN_SIDE, MAX_SIDE = 64, 4096  # ... and on either side, in pixels (80 for the other operations)


@operation("DetectProtectiveEquipment")
def detect_protective_equipment(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    if len(params["Image"].get("Bytes") or b"") > MAX_BYTES:
        raise ImageTooLargeException()
    image = ctx.image(params["Image"], min_side=MIN_SIDE, max_side=MAX_SIDE)
    scripted = scripted_for(ctx.account_id).scripted_answer(
        PPE, refs_of(image.key, image.s3_location))
    persons = equipment.merged(equipment.seen_persons(faces_of(image, ctx.scripts)), scripted)
    out: dict[str, Any] = {"ProtectiveEquipmentModelVersion": equipment.MODEL_VERSION,
                           "Persons": persons}
    if "SummarizationAttributes" in params:
        out["Summary"] = equipment.summary(persons, params["SummarizationAttributes"])
    return out
