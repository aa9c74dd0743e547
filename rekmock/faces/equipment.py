"""DetectProtectiveEquipment's answer, in the service's words.

Persons are the people rekmock sees through their faces (the ``MAX_PERSONS`` largest): each has
an Id (0 = largest face), the person box of :mod:`faces.people`, its face's Confidence, and one
body part, FACE, at its face's Confidence with no equipment. Heads and hands are not located, so
they are not reported. A test scripts equipment (``RekognitionState.set_protective_equipment``):
a scripted person with the Id of a seen one overrides that person's members (BodyParts replaced
whole), any other scripted person is added.

The Summary follows the developer guide's rules for each person and required type (FACE_COVER on
FACE, HEAD_COVER on HEAD, HAND_COVER on each of LEFT_HAND and RIGHT_HAND found):

- indeterminate: the person, the body part, the equipment or its CoversBodyPart is under
  MinConfidence, or no body part for the type was found;
- without: the body part is found with confidence but carries no such equipment, or the
  equipment is confidently not covering it;
- with: every required type is on its body part, covering it, all at MinConfidence or more.

A person "without" any required type is without; otherwise one indeterminate type makes the
person indeterminate.
"""

from __future__ import annotations

from typing import Any

from .analysis import FaceView
from .people import person_box

MODEL_VERSION = "1.0"
MAX_PERSONS = 15  # the service reports PPE on up to 15 persons
MIN_CONFIDENCE = 50.0  # persons under this are not reported
BODY_PARTS = {"FACE_COVER": ("FACE",), "HEAD_COVER": ("HEAD",),
              "HAND_COVER": ("LEFT_HAND", "RIGHT_HAND")}
WITH, WITHOUT, INDETERMINATE = "with", "without", "indeterminate"


def seen_persons(faces: list[FaceView]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, face in enumerate(faces[:MAX_PERSONS]):
        confidence = face.confidence()
        out.append({
            "BodyParts": [{"Name": "FACE", "Confidence": confidence, "EquipmentDetections": []}],
            "BoundingBox": person_box(face),
            "Confidence": confidence,
            "Id": i,
        })
    return [p for p in out if float(p["Confidence"]) >= MIN_CONFIDENCE]


def merged(seen: list[dict[str, Any]], scripted: list[dict[str, Any]] | None
           ) -> list[dict[str, Any]]:
    by_id = {p["Id"]: p for p in seen}
    extra = []
    for person in scripted or []:
        if person.get("Id") in by_id:
            by_id[person["Id"]] = {**by_id[person["Id"]], **person}
        else:
            extra.append(person)
    return list(by_id.values()) + extra


def _verdict(person: dict[str, Any], kind: str, minimum: float) -> str:
    parts = [b for b in person.get("BodyParts", []) if b.get("Name") in BODY_PARTS[kind]]
    if not parts:
        return INDETERMINATE
    verdicts = []
    for part in parts:
        if part.get("Confidence", 0.0) < minimum:
            verdicts.append(INDETERMINATE)
            continue
        items = [e for e in part.get("EquipmentDetections", []) if e.get("Type") == kind]
        if not items:
            verdicts.append(WITHOUT)
            continue
        best = max(items, key=lambda e: e.get("Confidence", 0.0))
        covers = best.get("CoversBodyPart", {})
        if best.get("Confidence", 0.0) < minimum or covers.get("Confidence", 0.0) < minimum:
            verdicts.append(INDETERMINATE)
        else:
            verdicts.append(WITH if covers.get("Value") else WITHOUT)
    return _worst(verdicts)


def _worst(verdicts: list[str]) -> str:
    if WITHOUT in verdicts:
        return WITHOUT
    return INDETERMINATE if INDETERMINATE in verdicts else WITH


def summary(persons: list[dict[str, Any]], attributes: dict[str, Any]) -> dict[str, list[int]]:
    """The Summary for SummarizationAttributes (MinConfidence, RequiredEquipmentTypes)."""
    minimum = attributes["MinConfidence"]
    kinds = list(dict.fromkeys(attributes["RequiredEquipmentTypes"]))
    out: dict[str, list[int]] = {"PersonsWithRequiredEquipment": [],
                                 "PersonsWithoutRequiredEquipment": [],
                                 "PersonsIndeterminate": []}
    for person in persons:
        if "Id" not in person:
            continue
        if person.get("Confidence", 0.0) < minimum:
            verdict = INDETERMINATE
        else:
            verdict = _worst([_verdict(person, k, minimum) for k in kinds]) if kinds else WITH
        key = {WITH: "PersonsWithRequiredEquipment", WITHOUT: "PersonsWithoutRequiredEquipment",
               INDETERMINATE: "PersonsIndeterminate"}[verdict]
        out[key].append(int(person["Id"]))
    return out
