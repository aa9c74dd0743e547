"""SageMaker Ground Truth manifests as Custom Labels reads them: JSON Lines, their labels, the
checks the Custom Labels guide documents, and the documents training writes.

A manifest is one JSON object per line with a ``source-ref`` (the image's ``s3://`` location)
and label attributes, each with a ``<attribute>-metadata`` object whose ``type`` says what it is:
an image-level label (``class-name``), several image-level labels (a ``class-map`` and a list of
ids), or object locations (a ``class-map`` and ``annotations`` with a ``class_id`` each). Only
what the lines say is used: no image is opened.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

Line = dict[str, Any]
CLASSIFICATION = "groundtruth/image-classification"
MULTILABEL = "groundtruth/image-classification-multilabel"
DETECTION = "groundtruth/object-detection"
METADATA = "-metadata"
SPLIT_FRACTION = 0.2  # DistributeDatasetEntries and auto-split move 20% of the entries
MAX_INVALID_FRACTION = 0.2  # training stops when more than 20% of the lines have errors
MIN_LABELS = {"IMAGE_LEVEL_LABELS": 2, "OBJECT_LOCALIZATION": 1}  # unique labels per dataset
_SOURCE_REF = re.compile(r"s3://[^/]+/.+", re.IGNORECASE)

# JSON Line errors (guide: "Non-Terminal JSON Line Validation Errors") ...
LINE_ERRORS = {
    "ERROR_INVALID_JSON_LINE": "The JSON Line has an invalid format.",
    "ERROR_MISSING_SOURCE_REF": "The source-ref key is missing.",
    "ERROR_INVALID_SOURCE_REF_FORMAT": "The format of the source-ref value is invalid.",
}
# ... and the terminal ones that stop a dataset or a training ("Terminal errors", "Terminal
# manifest file errors", "Terminal manifest content errors"), code -> message.
INVALID_MANIFEST = ("ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT",
                    "The manifest file extension or contents are invalid.")
EMPTY_MANIFEST = ("ERROR_EMPTY_MANIFEST", "The manifest file is empty.")
CANNOT_WRITE_OUTPUT = ("ERROR_CANNOT_WRITE_OUTPUT_S3_BUCKET",
                       "Unable to write to output S3 bucket.")
TOO_MANY_INVALID_ROWS = ("ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST",
                         "The manifest file contains too many invalid rows.")
TOO_FEW_LABELS = ("ERROR_MANIFEST_TOO_FEW_LABELS", "The manifest file has too few labels.")
CANNOT_AUTOSPLIT = ("ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_AUTOSPLIT",
                    "The manifest file contains insufficient labeled images per label to perform "
                    "auto-split.")
CANNOT_DISTRIBUTE = ("ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_DISTRIBUTE",
                     "The manifest file doesn't have enough labeled images to distribute the "
                     "dataset.")


def _error(code: str) -> dict[str, str]:
    return {"code": code, "message": LINE_ERRORS[code]}


def _checked(line: Line) -> Line:
    """The line with the service's ``errors`` list when its ``source-ref`` is missing or not an
    S3 URI (an ``errors`` member the caller wrote is replaced: the service computes it)."""
    line = {k: v for k, v in line.items() if k != "errors"}
    ref = line.get("source-ref")
    if ref is None:
        line["errors"] = [_error("ERROR_MISSING_SOURCE_REF")]
    elif not isinstance(ref, str) or not _SOURCE_REF.fullmatch(ref):
        line["errors"] = [_error("ERROR_INVALID_SOURCE_REF_FORMAT")]
    return line


def parse(data: bytes) -> list[Line]:
    """One entry per non-blank line; a line that is not a JSON object is replaced by a line
    holding only its error, as the guide describes for ERROR_INVALID_JSON_LINE."""
    out: list[Line] = []
    for raw in data.decode("utf-8", errors="replace").splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except (ValueError, RecursionError):
            line = None
        out.append(_checked(line) if isinstance(line, dict)
                   else {"errors": [_error("ERROR_INVALID_JSON_LINE")]})
    return out


def text(line: Line) -> str:
    """A line as ListDatasetEntries and the written manifests show it."""
    return json.dumps(line, separators=(",", ":"))


def manifest_bytes(lines: list[Line]) -> bytes:
    return "".join(text(line) + "\n" for line in lines).encode()


def labels(line: Line) -> dict[str, int]:
    """The line's labels and, for each, its number of bounding boxes (0: image-level)."""
    found: dict[str, int] = {}
    if "errors" in line:
        return found
    for key, meta in line.items():
        attribute = key[: -len(METADATA)]
        if not key.endswith(METADATA) or not isinstance(meta, dict) or attribute not in line:
            continue
        value, kind = line[attribute], meta.get("type")
        class_map = meta.get("class-map")
        names: dict[str, Any] = class_map if isinstance(class_map, dict) else {}
        if kind == CLASSIFICATION and isinstance(meta.get("class-name"), str):
            found.setdefault(meta["class-name"], 0)
        elif kind == MULTILABEL and isinstance(value, list):
            for class_id in value:
                name = names.get(str(class_id))
                if isinstance(name, str):
                    found.setdefault(name, 0)
        elif kind == DETECTION and isinstance(value, dict):
            boxes = value.get("annotations")
            for box in boxes if isinstance(boxes, list) else []:
                name = names.get(str(box.get("class_id"))) if isinstance(box, dict) else None
                if isinstance(name, str):
                    found[name] = found.get(name, 0) + 1
    return found


def use_case(lines: list[Line]) -> str:
    """OBJECT_LOCALIZATION when any line locates objects, IMAGE_LEVEL_LABELS when lines carry
    image-level labels, NOT_DETERMINED otherwise (the manifest summary's values)."""
    kinds = {meta.get("type") for line in lines for key, meta in line.items()
             if key.endswith(METADATA) and isinstance(meta, dict) and "errors" not in line}
    if DETECTION in kinds:
        return "OBJECT_LOCALIZATION"
    if kinds & {CLASSIFICATION, MULTILABEL}:
        return "IMAGE_LEVEL_LABELS"
    return "NOT_DETERMINED"


def label_stats(lines: list[Line]) -> dict[str, tuple[int, int]]:
    """Label name -> (entries with it, its bounding boxes), by name."""
    stats: dict[str, tuple[int, int]] = {}
    for line in lines:
        for name, boxes in labels(line).items():
            entries, total = stats.get(name, (0, 0))
            stats[name] = (entries + 1, total + boxes)
    return dict(sorted(stats.items()))


def dataset_stats(lines: list[Line]) -> dict[str, int]:
    """DescribeDataset's DatasetStats."""
    return {
        "LabeledEntries": sum(1 for line in lines if labels(line)),
        "TotalEntries": len(lines),
        "TotalLabels": len(label_stats(lines)),
        "ErrorEntries": sum(1 for line in lines if "errors" in line),
    }


def split(lines: list[Line]) -> tuple[list[Line], list[Line]] | None:
    """(kept, moved): 20% of the entries (at least one) moved, chosen by a hash of each line so
    the same dataset always splits the same way; None when fewer than two entries."""
    if len(lines) < 2:
        return None
    count = max(1, round(len(lines) * SPLIT_FRACTION))
    order = sorted(range(len(lines)),
                   key=lambda i: hashlib.sha256(text(lines[i]).encode()).hexdigest())
    moved = set(order[:count])
    return ([line for i, line in enumerate(lines) if i not in moved],
            [line for i, line in enumerate(lines) if i in moved])


@dataclass(frozen=True)
class Training:
    """What a training run sees and concludes: the lines it was given, and the terminal error
    that stops it (None: it completes). ``validated``: the lines were read, so the validation
    results (manifests and summary) exist even if training failed."""

    train: list[Line]
    test: list[Line]
    failure: tuple[str | None, str] | None
    validated: bool

    @property
    def labels(self) -> list[str]:
        return list(label_stats(self.train))


def train(train_lines: list[Line] | None, test_lines: list[Line] | None, *,
          auto_split: bool, adapter: bool = False) -> Training:
    """The outcome of training on these lines (``None``: that manifest could not be read); with
    ``auto_split`` the test lines are split off the training lines, the service's auto-create."""
    if train_lines is None or (test_lines is None and not auto_split):
        return Training([], [], INVALID_MANIFEST, False)
    if not train_lines or (not auto_split and not test_lines):
        return Training([], [], EMPTY_MANIFEST, False)
    if auto_split:
        parts = split(train_lines)
        if parts is None:
            return Training(train_lines, [], CANNOT_AUTOSPLIT, True)
        train_lines, test_lines = parts
    assert test_lines is not None
    for lines in (train_lines, test_lines):
        if sum(1 for line in lines if "errors" in line) > MAX_INVALID_FRACTION * len(lines):
            return Training(train_lines, test_lines, TOO_MANY_INVALID_ROWS, True)
    kind = use_case(train_lines)
    if not adapter and len(label_stats(train_lines)) < MIN_LABELS.get(kind, math.inf):
        return Training(train_lines, test_lines, TOO_FEW_LABELS, True)
    return Training(train_lines, test_lines, None, True)


def used(lines: list[Line]) -> list[Line]:
    """The lines training uses: labelled, without errors."""
    return [line for line in lines if labels(line)]


def _statistics(lines: list[Line]) -> dict[str, Any]:
    errors = [i for i, line in enumerate(lines) if "errors" in line]
    valid = len(used(lines))
    return {
        "use_case": use_case(lines),
        "total_json_lines": len(lines),
        "valid_json_lines": valid,
        "invalid_json_lines": len(errors),
        "ignored_json_lines": len(lines) - valid - len(errors),
        "error_json_line_indices": errors,
        "errors": [],
    }


def manifest_summary(outcome: Training) -> dict[str, Any]:
    """The manifest summary file (guide: "Understanding the manifest summary"), with the content
    error that stopped training under the dataset it concerns."""
    training, testing = _statistics(outcome.train), _statistics(outcome.test)
    if outcome.failure is not None and outcome.failure[0] is not None:
        training["errors"].append({"code": outcome.failure[0], "message": outcome.failure[1]})
    return {"statistics": {"training": training, "testing": testing}, "errors": []}


def evaluation_summary(version_arn: str, outcome: Training, end: str,
                       f1_score: float | None) -> dict[str, Any]:
    """The training results summary file (guide: "Reference: Training results summary file"):
    what rekmock knows (the version, labels, image counts); metrics only when a test scripted
    an F1 score, since no model was trained."""
    doc: dict[str, Any] = {
        "Version": 1,
        "EvaluationDetails": {
            "ProjectVersionArn": version_arn,
            "EvaluationEndTimestamp": end,
            "Labels": outcome.labels,
            "NumberOfTrainingImages": len(used(outcome.train)),
            "NumberOfTestingImages": len(used(outcome.test)),
        },
    }
    if f1_score is not None:
        doc["AggregatedEvaluationResults"] = {"Metrics": {"F1Score": f1_score}}
    return doc
