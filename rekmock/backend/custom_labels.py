"""Custom Labels as a state machine: projects, their datasets, model versions and project
policies, in one account and region.

What the service does asynchronously (creating or updating a dataset, training or copying a
model, starting, stopping, deleting) is a :class:`Change`: the resource shows its in-progress
status (CREATE_IN_PROGRESS, TRAINING_IN_PROGRESS, STARTING, ...) to the first ``polls``
Describe calls of it (DescribeDataset, DescribeProjectVersions, DescribeProjects), and the change
is done at the next call that touches the region's Custom Labels state. No polls held (the
default) means done before the request that started it returns. Tests hold training and copying
(``hold_training``) and every other change (``hold_changes``) through ``RekognitionState``.

Training reads only the manifests' JSON Lines (:mod:`ground_truth`): it fails with the guide's
documented terminal errors when the lines call for one (an unreadable or empty manifest, too many
invalid lines, too few labels), or with a message a test scripted; otherwise it completes and
writes its validation manifests, manifest summary and evaluation summary to the OutputConfig
bucket in moto's S3. No model exists: DetectCustomLabels answers what a test scripted for the
running version (:meth:`CustomLabels.scripted_labels`). Every method takes the lock.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import (
    AccessDeniedException,
    InvalidParameterException,
    InvalidPolicyRevisionIdException,
    LimitExceededException,
    MalformedPolicyDocumentException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
    ResourceNotReadyException,
)
from . import ground_truth as gt
from .ids import IdFactory
from .pagination import decode_token, encode_token
from .scripts import ImageRef

CUSTOM_LABELS, CONTENT_MODERATION = "CUSTOM_LABELS", "CONTENT_MODERATION"
TRAIN, TEST = "TRAIN", "TEST"
PAGE = 100  # DescribeProjects, DescribeProjectVersions, ListDataset*: default and largest page
MAX_POLICIES = 5  # project policies on one project (guide: "Attaching a project policy")
COPY_ACTION = "rekognition:CopyProjectVersion"  # the only action a project policy may name
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")

# Project, dataset and model statuses (the model's enums).
CREATING, CREATED, DELETING = "CREATING", "CREATED", "DELETING"
CREATE_IN_PROGRESS, CREATE_COMPLETE, CREATE_FAILED = (
    "CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_FAILED")
UPDATE_IN_PROGRESS, UPDATE_COMPLETE, UPDATE_FAILED = (
    "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED")
DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
TRAINING_IN_PROGRESS, TRAINING_COMPLETED, TRAINING_FAILED = (
    "TRAINING_IN_PROGRESS", "TRAINING_COMPLETED", "TRAINING_FAILED")
COPYING_IN_PROGRESS, COPYING_COMPLETED, COPYING_FAILED = (
    "COPYING_IN_PROGRESS", "COPYING_COMPLETED", "COPYING_FAILED")
STARTING, RUNNING, STOPPING, STOPPED = "STARTING", "RUNNING", "STOPPING", "STOPPED"
DATASET_BUSY = {CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS, DELETE_IN_PROGRESS}
DATASET_READY = {CREATE_COMPLETE, UPDATE_COMPLETE, UPDATE_FAILED}  # entries readable
MODEL_BUSY = {TRAINING_IN_PROGRESS, COPYING_IN_PROGRESS, STARTING, RUNNING, STOPPING, DELETING}
MODEL_TRAINED = {TRAINING_COMPLETED, COPYING_COMPLETED, STOPPED}  # a model that can start


@dataclass
class Change:
    """An asynchronous change: ``done`` applies its outcome once Describe calls have seen the
    resource in progress ``polls`` more times."""

    done: Callable[[], None]
    polls: int


@dataclass
class Dataset:
    arn: str
    dataset_type: str
    created: float
    status: str
    tags: dict[str, str]
    lines: list[gt.Line] = field(default_factory=list)
    updated: float = 0.0
    message: str | None = None
    code: str | None = None  # StatusMessageCode
    change: Change | None = None

    def metadata(self) -> dict[str, Any]:
        """DatasetMetadata, as DescribeProjects lists it."""
        out: dict[str, Any] = {"CreationTimestamp": self.created,
                               "DatasetType": self.dataset_type, "DatasetArn": self.arn,
                               "Status": self.status}
        if self.message is not None:
            out["StatusMessage"] = self.message
        if self.code is not None:
            out["StatusMessageCode"] = self.code
        return out

    def description(self) -> dict[str, Any]:
        out = {k: v for k, v in self.metadata().items() if k not in ("DatasetType", "DatasetArn")}
        out["LastUpdatedTimestamp"] = self.updated or self.created
        out["DatasetStats"] = gt.dataset_stats(self.lines)
        return out

    def finish(self, status: str, lines: list[gt.Line] | None,
               failure: tuple[str | None, str] | None = None) -> None:
        """End a creation or update: SUCCESS with the new lines, or CLIENT_ERROR and why."""
        self.status, self.updated = status, time.time()
        if failure is None:
            self.lines = lines if lines is not None else self.lines
            self.code, self.message = "SUCCESS", None
        else:
            self.code, self.message = "CLIENT_ERROR", failure[1]


@dataclass
class Version:
    """A model version (or a content moderation adapter)."""

    arn: str
    name: str
    created: float
    status: str
    request: dict[str, Any]  # OutputConfig, KmsKeyId, VersionDescription, FeatureConfig
    training: gt.Training
    inputs: tuple[dict[str, Any], dict[str, Any]]  # Training/TestingDataResult.Input
    tags: dict[str, str]
    f1_score: float | None = None
    source_arn: str | None = None
    message: str | None = None
    results: dict[str, Any] = field(default_factory=dict)  # after training or copying
    units: dict[str, int] = field(default_factory=dict)  # Min/MaxInferenceUnits once started
    change: Change | None = None


@dataclass
class Policy:
    name: str
    document: str
    revision: str
    created: float
    updated: float


@dataclass
class Project:
    arn: str
    name: str
    created: float
    feature: str
    auto_update: str | None
    tags: dict[str, str]
    status: str = CREATING
    datasets: dict[str, Dataset] = field(default_factory=dict)  # by DatasetType
    versions: dict[str, Version] = field(default_factory=dict)  # by name, oldest first
    policies: dict[str, Policy] = field(default_factory=dict)
    change: Change | None = None

    def description(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ProjectArn": self.arn, "CreationTimestamp": self.created,
                               "Status": self.status, "Feature": self.feature}
        if self.feature == CUSTOM_LABELS:
            out["Datasets"] = [d.metadata() for d in self.datasets.values()]
        if self.auto_update is not None:
            out["AutoUpdate"] = self.auto_update
        return out


@dataclass(frozen=True)
class Snapshot:
    """A trained model version as CopyProjectVersion takes it."""

    arn: str
    training: gt.Training
    inputs: tuple[dict[str, Any], dict[str, Any]]
    f1_score: float | None
    results: dict[str, Any]


Reader = Callable[[dict[str, Any]], bytes | None]  # an S3Object's bytes, None if missing


def _page(items: list[Any], kind: str, token: str | None, size: int) -> tuple[list[Any],
                                                                              str | None]:
    """One page of ``items`` and the next token (an index, in botocore's token encoding)."""
    after = decode_token(kind, token)
    start = int(after) if after is not None and after.isdigit() else 0
    chunk = items[start:start + size]
    more = start + size < len(items)
    return chunk, encode_token(kind, str(start + size)) if more else None


def _statements(document: str) -> list[dict[str, Any]]:
    """The statements of a project policy, or MalformedPolicyDocumentException when it is not
    one the guide allows: JSON, each statement with Effect, Principal, Action and Resource,
    no NotAction/NotPrincipal/NotResource, and rekognition:CopyProjectVersion the only action."""
    try:
        doc = json.loads(document)
    except (ValueError, RecursionError):
        raise MalformedPolicyDocumentException() from None
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise MalformedPolicyDocumentException()
    if isinstance(doc, dict) and doc.get("Version", POLICY_VERSIONS[0]) not in POLICY_VERSIONS:
        raise MalformedPolicyDocumentException()
    for st in statements:
        if (not isinstance(st, dict)
                or any(k in st for k in ("NotAction", "NotPrincipal", "NotResource"))
                or not all(k in st for k in ("Effect", "Principal", "Action", "Resource"))
                or str(st["Effect"]).lower() not in ("allow", "deny")):
            raise MalformedPolicyDocumentException()
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        if not actions or any(not isinstance(a, str) or a.lower() != COPY_ACTION.lower()
                              for a in actions):
            raise MalformedPolicyDocumentException()
    return statements


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def _principal_matches(principal: Any, account_id: str) -> bool:
    """Whether a statement's Principal names the calling account ("*", the account id, or any
    IAM ARN in it: rekmock knows the caller's account, not its user or role)."""
    if principal == "*":
        return True
    names = _strings(principal.get("AWS")) if isinstance(principal, dict) else []
    return any(n == "*" or n == account_id or re.fullmatch(rf"arn:[^:]+:iam::{account_id}:.*", n)
               for n in names)


def _resource_matches(resource: Any, arn: str) -> bool:
    def pattern(p: str) -> str:
        return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p)

    return any(re.fullmatch(pattern(p), arn) for p in _strings(resource))


class CustomLabels:
    """Custom Labels state of one account in one region."""

    def __init__(self, account_id: str, region: str, ids: IdFactory) -> None:
        self.account_id = account_id
        self.region = region
        self.ids = ids
        self.lock = threading.RLock()
        self.projects: dict[str, Project] = {}  # by name
        self.hold_training = 0  # Describe calls that see new training/copying in progress
        self.hold_changes = 0  # ... that see every other new change in progress
        self.failures: dict[str, str] = {}  # version name -> scripted StatusMessage
        self.f1_scores: dict[str, float] = {}  # version name -> scripted F1 score
        self.labels: dict[str, dict[ImageRef, list[dict[str, Any]]]] = {}  # version ARN -> ...
        self._last_ms = 0

    # -- the state machine ----------------------------------------------------------------------

    def _settle(self) -> None:
        """Apply every change whose held polls are used up."""
        for project in list(self.projects.values()):
            resources: list[Project | Dataset | Version] = [
                project, *project.datasets.values(), *project.versions.values()]
            for res in resources:
                change = res.change
                if change is not None and change.polls <= 0:
                    res.change = None
                    change.done()

    @staticmethod
    def _begin(res: Project | Dataset | Version, status: str, done: Callable[[], None],
               polls: int) -> None:
        res.status = status
        res.change = Change(done, polls)
        if polls <= 0:
            res.change = None
            done()

    @staticmethod
    def _seen(res: Project | Dataset | Version) -> None:
        """A Describe call showed ``res``: one held poll used up."""
        if res.change is not None:
            res.change.polls -= 1

    def _now_ms(self) -> int:
        """Creation time in milliseconds, the last part of an ARN (strictly increasing)."""
        self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
        return self._last_ms

    def _arn(self, partition: str, resource: str) -> str:
        return f"arn:{partition}:rekognition:{self.region}:{self.account_id}:{resource}"

    # -- lookups (the caller holds the lock) -----------------------------------------------------

    def _path(self, arn: str) -> list[str]:
        """The ARN's resource path (``project/<name>/...``) if it is in this account and region,
        else ResourceNotFoundException."""
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[3] != self.region or parts[4] != self.account_id:
            raise ResourceNotFoundException()
        return parts[5].split("/")

    def _project(self, arn: str, mutate: bool = False) -> Project:
        found = self.projects.get((self._path(arn) + [""])[1])
        if found is None or found.arn != arn:
            raise ResourceNotFoundException()
        if mutate and found.status == DELETING:
            raise ResourceInUseException()
        return found

    def _version(self, arn: str) -> tuple[Project, Version]:
        path = self._path(arn) + ["", "", "", ""]
        project = self.projects.get(path[1])
        found = project.versions.get(path[3]) if project is not None else None
        if project is None or found is None or found.arn != arn:
            raise ResourceNotFoundException()
        return project, found

    def _dataset(self, arn: str) -> tuple[Project, Dataset]:
        path = self._path(arn) + ["", "", "", ""]
        project = self.projects.get(path[1])
        found = project.datasets.get(path[3].upper()) if project is not None else None
        if project is None or found is None or found.arn != arn:
            raise ResourceNotFoundException()
        return project, found

    @staticmethod
    def _readable(dataset: Dataset) -> None:
        """A dataset whose entries can be read: in progress is ResourceInUseException, failed
        creation InvalidParameterException."""
        if dataset.status in DATASET_BUSY:
            raise ResourceInUseException()
        if dataset.status not in DATASET_READY:
            raise InvalidParameterException()

    # -- projects --------------------------------------------------------------------------------

    def create_project(self, name: str, feature: str, auto_update: str | None,
                       tags: dict[str, str], partition: str) -> str:
        # AutoUpdate is required for adapters and applies only to them.
        if (feature == CONTENT_MODERATION) != (auto_update is not None):
            raise InvalidParameterException()
        with self.lock:
            self._settle()
            if name in self.projects:
                raise ResourceInUseException()
            ms = self._now_ms()
            project = Project(self._arn(partition, f"project/{name}/{ms}"), name, ms / 1000,
                              feature, auto_update, dict(tags))
            self.projects[name] = project
            self._begin(project, CREATING, lambda: setattr(project, "status", CREATED),
                        self.hold_changes)
            return project.arn

    def describe_projects(self, names: list[str] | None, features: list[str], token: str | None,
                          size: int) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first."""
        with self.lock:
            self._settle()
            chosen = [p for p in reversed(self.projects.values())
                      if p.feature in features and (names is None or p.name in names)]
            chunk, next_token = _page(chosen, "projects", token, size)
            out = [p.description() for p in chunk]
            for project in chunk:
                self._seen(project)
            return out, next_token

    def delete_project(self, arn: str) -> str:
        """A project with datasets or model versions is in use (delete those first); deleting
        it deletes its project policies."""
        with self.lock:
            self._settle()
            project = self._project(arn)
            if project.status != DELETING:
                if project.versions or project.datasets:
                    raise ResourceInUseException()
                self._begin(project, DELETING, lambda: self._remove_project(project),
                            self.hold_changes)
            return DELETING

    def _remove_project(self, project: Project) -> None:
        if self.projects.get(project.name) is project:
            del self.projects[project.name]

    # -- datasets --------------------------------------------------------------------------------

    def project_for_dataset(self, project_arn: str) -> None:
        """Check, before the manifest is read, that datasets can be added to the project."""
        with self.lock:
            self._settle()
            if self._project(project_arn, mutate=True).feature != CUSTOM_LABELS:
                raise InvalidParameterException()

    def create_dataset(self, project_arn: str, dataset_type: str, lines: list[gt.Line] | None,
                       source_arn: str | None, tags: dict[str, str], partition: str) -> str:
        """A dataset from the lines of a manifest (None: not a readable manifest, the dataset
        fails), a copy of another dataset's entries, or empty."""
        with self.lock:
            self._settle()
            project = self._project(project_arn, mutate=True)
            if project.feature != CUSTOM_LABELS:
                raise InvalidParameterException()
            if dataset_type in project.datasets:
                raise ResourceAlreadyExistsException()
            failure = None
            if source_arn is not None:
                source = self._dataset(source_arn)[1]
                self._readable(source)
                lines = copy.deepcopy(source.lines)
            elif lines is None:
                failure = gt.INVALID_MANIFEST
            ms = self._now_ms()
            arn = self._arn(partition,
                            f"project/{project.name}/dataset/{dataset_type.lower()}/{ms}")
            dataset = Dataset(arn, dataset_type, ms / 1000, CREATE_IN_PROGRESS, dict(tags))
            project.datasets[dataset_type] = dataset
            status = CREATE_FAILED if failure else CREATE_COMPLETE
            self._begin(dataset, CREATE_IN_PROGRESS,
                        lambda: dataset.finish(status, lines or [], failure), self.hold_changes)
            return arn

    def describe_dataset(self, arn: str) -> dict[str, Any]:
        with self.lock:
            self._settle()
            dataset = self._dataset(arn)[1]
            self._seen(dataset)
            return dataset.description()

    def delete_dataset(self, arn: str) -> None:
        """Not while it is being created, updated or deleted."""
        with self.lock:
            self._settle()
            project, dataset = self._dataset(arn)
            if dataset.status in DATASET_BUSY:
                raise ResourceInUseException()

            def remove() -> None:
                if project.datasets.get(dataset.dataset_type) is dataset:
                    del project.datasets[dataset.dataset_type]

            self._begin(dataset, DELETE_IN_PROGRESS, remove, self.hold_changes)

    def _entries(self, arn: str) -> Dataset:
        """A dataset to list: not created yet is ResourceNotReadyException, busy is
        ResourceInUseException."""
        self._settle()
        dataset = self._dataset(arn)[1]
        if dataset.status in (CREATE_IN_PROGRESS, CREATE_FAILED):
            raise ResourceNotReadyException()
        if dataset.status in DATASET_BUSY:
            raise ResourceInUseException()
        return dataset

    def list_entries(self, arn: str, contains: list[str] | None, labeled: bool | None,
                     source_ref: str | None, has_errors: bool | None, token: str | None,
                     size: int) -> tuple[list[str], str | None]:
        with self.lock:
            lines = self._entries(arn).lines
            if contains is not None:
                lines = [x for x in lines if set(gt.labels(x)) & set(contains)]
            if labeled is not None:
                lines = [x for x in lines if bool(gt.labels(x)) == labeled]
            if source_ref is not None:
                lines = [x for x in lines if source_ref in str(x.get("source-ref", ""))]
            if has_errors is not None:
                lines = [x for x in lines if ("errors" in x) == has_errors]
            chunk, next_token = _page(lines, f"entries/{arn}", token, size)
            return [gt.text(x) for x in chunk], next_token

    def list_labels(self, arn: str, token: str | None,
                    size: int) -> tuple[list[dict[str, Any]], str | None]:
        with self.lock:
            stats = gt.label_stats(self._entries(arn).lines)
            chunk, next_token = _page(list(stats.items()), f"labels/{arn}", token, size)
            return [{"LabelName": name, "LabelStats": {"EntryCount": entries,
                                                       "BoundingBoxCount": boxes}}
                    for name, (entries, boxes) in chunk], next_token

    def update_entries(self, arn: str, changes: list[gt.Line]) -> None:
        """Add the lines; a line whose source-ref an entry has replaces that entry."""
        with self.lock:
            self._settle()
            dataset = self._dataset(arn)[1]
            self._readable(dataset)
            lines = list(dataset.lines)
            where = {x["source-ref"]: i for i, x in enumerate(lines)
                     if isinstance(x.get("source-ref"), str)}
            for line in changes:
                ref = line.get("source-ref")
                if isinstance(ref, str) and ref in where:
                    lines[where[ref]] = line
                    continue
                if isinstance(ref, str):
                    where[ref] = len(lines)
                lines.append(line)
            self._begin(dataset, UPDATE_IN_PROGRESS,
                        lambda: dataset.finish(UPDATE_COMPLETE, lines), self.hold_changes)

    def distribute(self, arns: list[str]) -> None:
        """Move 20% of a project's training entries into its empty test dataset."""
        with self.lock:
            self._settle()
            found = [self._dataset(arn) for arn in arns]
            by_type = {d.dataset_type: (p, d) for p, d in found}
            if set(by_type) != {TRAIN, TEST} or by_type[TRAIN][0] is not by_type[TEST][0]:
                raise InvalidParameterException()
            train, test = by_type[TRAIN][1], by_type[TEST][1]
            for dataset in (train, test):
                if dataset.status not in DATASET_READY:
                    raise ResourceNotReadyException()
            if test.lines:
                raise InvalidParameterException()
            parts = gt.split(train.lines)
            for dataset, part in ((train, 0), (test, 1)):
                def done(dataset: Dataset = dataset, part: int = part) -> None:
                    if parts is None:
                        dataset.finish(UPDATE_FAILED, None, gt.CANNOT_DISTRIBUTE)
                    else:
                        dataset.finish(UPDATE_COMPLETE, parts[part])

                self._begin(dataset, UPDATE_IN_PROGRESS, done, self.hold_changes)

    # -- model versions ----------------------------------------------------------------------------

    def create_version(self, project_arn: str, name: str, request: dict[str, Any],
                       read: Reader, tags: dict[str, str], partition: str) -> str:
        """Train a model version on the project's datasets, or on the manifests the request
        names (a project without datasets); the outcome is decided on the data now."""
        with self.lock:
            self._settle()
            project = self._project(project_arn, mutate=True)
            if name in project.versions:
                raise ResourceInUseException()
            adapter = project.feature == CONTENT_MODERATION
            if not request["OutputConfig"].get("S3Bucket") or (
                    "FeatureConfig" in request and not adapter):
                raise InvalidParameterException()
            if project.datasets:
                outcome, inputs = self._dataset_training(project, request)
            else:
                outcome, inputs = self._manifest_training(request, read, adapter)
            if name in self.failures:
                outcome = gt.Training(outcome.train, outcome.test, (None, self.failures[name]),
                                      False)
            ms = self._now_ms()
            version = Version(
                self._arn(partition, f"project/{project.name}/version/{name}/{ms}"), name,
                ms / 1000, TRAINING_IN_PROGRESS,
                {k: request[k] for k in ("OutputConfig", "KmsKeyId", "VersionDescription",
                                         "FeatureConfig") if k in request},
                outcome, inputs, dict(tags), self.f1_scores.get(name))
            project.versions[name] = version
            self._begin(version, TRAINING_IN_PROGRESS,
                        lambda: self._finish(project, version, copying=False), self.hold_training)
            return version.arn

    def _dataset_training(self, project: Project, request: dict[str, Any]
                          ) -> tuple[gt.Training, tuple[dict[str, Any], dict[str, Any]]]:
        """Train on the project's datasets: TRAIN is needed; without TEST it is split."""
        train, test = project.datasets.get(TRAIN), project.datasets.get(TEST)
        if "TrainingData" in request or "TestingData" in request or train is None:
            raise InvalidParameterException()
        for dataset in (train, test):
            if dataset is not None:
                self._readable(dataset)
        test_lines = copy.deepcopy(test.lines) if test is not None else None
        outcome = gt.train(copy.deepcopy(train.lines), test_lines, auto_split=test is None,
                           adapter=project.feature == CONTENT_MODERATION)
        return outcome, ({}, {} if test is not None else {"AutoCreate": True})

    @staticmethod
    def _manifest_training(request: dict[str, Any], read: Reader, adapter: bool
                           ) -> tuple[gt.Training, tuple[dict[str, Any], dict[str, Any]]]:
        """Train on one training manifest and one test manifest (or AutoCreate)."""
        training, testing = request.get("TrainingData"), request.get("TestingData")
        if training is None or testing is None:
            raise InvalidParameterException()
        assets, test_assets = training.get("Assets") or [], testing.get("Assets") or []
        auto = bool(testing.get("AutoCreate"))
        if len(assets) != 1 or len(test_assets) != (0 if auto else 1):
            raise InvalidParameterException()

        def lines(asset: dict[str, Any]) -> list[gt.Line] | None:
            s3object = asset.get("GroundTruthManifest", {}).get("S3Object")
            if s3object is None:
                raise InvalidParameterException()
            # A manifest needs a file extension (guide: the manifest's "terminal file errors").
            data = read(s3object) if "." in s3object["Name"].rsplit("/", 1)[-1] else None
            return None if data is None else gt.parse(data)

        outcome = gt.train(lines(assets[0]), None if auto else lines(test_assets[0]),
                           auto_split=auto, adapter=adapter)
        return outcome, (training, testing)

    def _finish(self, project: Project, version: Version, copying: bool) -> None:
        """End training or copying: write the results to the OutputConfig bucket; the model is
        ready, or failed with the terminal error's message."""
        outcome, failure = version.training, version.training.failure
        written = None
        if failure is None or outcome.validated:
            written = self._write_results(project, version, complete=failure is None)
            if written is None:
                failure = gt.CANNOT_WRITE_OUTPUT
        version.results.update(written or {})
        if not copying:
            version.results["TrainingEndTimestamp"] = time.time()
            if failure is None:
                version.results["BillableTrainingTimeInSeconds"] = int(
                    version.results["TrainingEndTimestamp"] - version.created)
        if failure is not None:
            version.status = COPYING_FAILED if copying else TRAINING_FAILED
            version.message = failure[1]
        else:
            version.status = COPYING_COMPLETED if copying else TRAINING_COMPLETED

    def _write_results(self, project: Project, version: Version,
                       complete: bool) -> dict[str, Any] | None:
        """Write the validation manifests and the manifest summary (and, when training
        completed, the manifests used and the evaluation summary) under
        ``<S3KeyPrefix>/<project>/<version>/``; their locations, or None when the bucket is not
        in moto's S3 (or refuses the write)."""
        from moto.s3.models import s3_backends

        s3 = s3_backends[self.account_id]["aws"]
        output = version.request["OutputConfig"]
        bucket = output["S3Bucket"]
        if bucket not in s3.buckets:
            return None
        prefix = output.get("S3KeyPrefix", "")
        base = f"{prefix}{'/' if prefix and not prefix.endswith('/') else ''}"
        base += f"{project.name}/{version.name}/"

        def put(name: str, body: bytes) -> dict[str, Any]:
            key = s3.put_object(bucket, base + name, body)
            where = {"Bucket": bucket, "Name": base + name}
            if getattr(key, "version_id", None) not in (None, "null"):
                where["Version"] = key.version_id
            return {"S3Object": where}

        try:
            return self._results(version, put, complete)
        except Exception:  # moto refused a write (object lock, ...): the service could not either
            return None

    @staticmethod
    def _results(version: Version, put: Callable[[str, bytes], dict[str, Any]],
                 complete: bool) -> dict[str, Any]:
        """Write the files with ``put``; the ProjectVersionDescription members naming them."""

        def asset(name: str, lines: list[gt.Line]) -> dict[str, Any]:
            return {"Assets": [{"GroundTruthManifest": put(name, gt.manifest_bytes(lines))}]}

        project_name = version.arn.split("/")[1]
        outcome = version.training
        train = {"Input": version.inputs[0],
                 "Validation": asset("training_manifest_with_validation.json", outcome.train)}
        test = {"Input": version.inputs[1],
                "Validation": asset("testing_manifest_with_validation.json", outcome.test)}
        results: dict[str, Any] = {
            "TrainingDataResult": train, "TestingDataResult": test,
            "ManifestSummary": put("manifest_summary.json",
                                   json.dumps(gt.manifest_summary(outcome)).encode()),
        }
        if complete:
            train["Output"] = asset("training.manifest", gt.used(outcome.train))
            test["Output"] = asset("testing.manifest", gt.used(outcome.test))
            end = datetime.now(UTC).isoformat()
            summary = gt.evaluation_summary(version.arn, outcome, end, version.f1_score)
            evaluation: dict[str, Any] = {"Summary": put(
                f"EvaluationResultSummary-{project_name}-{version.name}.json",
                json.dumps(summary).encode())}
            if version.f1_score is not None:
                evaluation["F1Score"] = version.f1_score
            results["EvaluationResult"] = evaluation
        return results

    def describe_versions(self, project_arn: str, names: list[str] | None, token: str | None,
                          size: int) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first."""
        with self.lock:
            self._settle()
            project = self._project(project_arn)
            chosen = [v for v in reversed(project.versions.values())
                      if names is None or v.name in names]
            chunk, next_token = _page(chosen, f"versions/{project_arn}", token, size)
            out = [self._description(project, v) for v in chunk]
            for version in chunk:
                self._seen(version)
            return out, next_token

    @staticmethod
    def _description(project: Project, version: Version) -> dict[str, Any]:
        out: dict[str, Any] = {"ProjectVersionArn": version.arn,
                               "CreationTimestamp": version.created, "Status": version.status,
                               "Feature": project.feature}
        if version.message is not None:
            out["StatusMessage"] = version.message
        if version.source_arn is not None:
            out["SourceProjectVersionArn"] = version.source_arn
        return {**out, **version.request, **version.units, **version.results}

    def start_version(self, arn: str, min_units: int, max_units: int | None) -> str:
        """A trained model starts (STARTING, then RUNNING); one busy is in use."""
        with self.lock:
            self._settle()
            project, version = self._version(arn)
            if project.feature != CUSTOM_LABELS or (max_units is not None
                                                   and max_units < min_units):
                raise InvalidParameterException()
            if version.status in MODEL_BUSY:
                raise ResourceInUseException()
            if version.status not in MODEL_TRAINED:
                raise InvalidParameterException()
            version.units = {"MinInferenceUnits": min_units}
            if max_units is not None:
                version.units["MaxInferenceUnits"] = max_units
            self._begin(version, STARTING, lambda: setattr(version, "status", RUNNING),
                        self.hold_changes)
            return STARTING

    def stop_version(self, arn: str) -> str:
        """A running model stops (STOPPING, then STOPPED)."""
        with self.lock:
            self._settle()
            project, version = self._version(arn)
            if project.feature != CUSTOM_LABELS:
                raise InvalidParameterException()
            if version.status != RUNNING:
                if version.status in MODEL_BUSY:
                    raise ResourceInUseException()
                raise InvalidParameterException()
            self._begin(version, STOPPING, lambda: setattr(version, "status", STOPPED),
                        self.hold_changes)
            return STOPPING

    def delete_version(self, arn: str) -> str:
        """Not while it trains, copies, starts, runs or stops."""
        with self.lock:
            self._settle()
            project, version = self._version(arn)
            if version.status == DELETING:
                return DELETING
            if version.status in MODEL_BUSY:
                raise ResourceInUseException()

            def remove() -> None:
                if project.versions.get(version.name) is version:
                    del project.versions[version.name]
                self.labels.pop(version.arn, None)

            self._begin(version, DELETING, remove, self.hold_changes)
            return DELETING

    # -- copying and project policies ------------------------------------------------------------

    def export_version(self, project_arn: str, version_arn: str, caller: str) -> Snapshot:
        """The trained model ``caller``'s account may copy: another account needs a project
        policy that allows it; an explicit Deny refuses any account."""
        with self.lock:
            self._settle()
            project = self._project(project_arn)
            owner, version = self._version(version_arn)
            if owner is not project:
                raise ResourceNotFoundException()
            if project.feature != CUSTOM_LABELS:
                raise InvalidParameterException()
            effects = {str(st["Effect"]).lower()
                       for policy in project.policies.values()
                       for st in _statements(policy.document)
                       if _principal_matches(st["Principal"], caller)
                       and _resource_matches(st["Resource"], version.arn)}
            if "deny" in effects or ("allow" not in effects and caller != self.account_id):
                raise AccessDeniedException()
            if version.status in {TRAINING_IN_PROGRESS, COPYING_IN_PROGRESS, DELETING}:
                raise ResourceInUseException()
            if version.status in {TRAINING_FAILED, COPYING_FAILED}:
                raise InvalidParameterException()
            timing = {k: v for k, v in version.results.items()
                      if k in ("TrainingEndTimestamp", "BillableTrainingTimeInSeconds")}
            return Snapshot(version.arn, version.training, version.inputs, version.f1_score,
                            timing)

    def import_copy(self, project_arn: str, name: str, request: dict[str, Any],
                    source: Snapshot, tags: dict[str, str], partition: str) -> str:
        """The copy of a model version in this account's project (COPYING_IN_PROGRESS, then
        COPYING_COMPLETED); its results are written to its own OutputConfig."""
        with self.lock:
            self._settle()
            project = self._project(project_arn, mutate=True)
            if project.feature != CUSTOM_LABELS or not request["OutputConfig"].get("S3Bucket"):
                raise InvalidParameterException()
            if name in project.versions:
                raise ResourceInUseException()
            ms = self._now_ms()
            version = Version(
                self._arn(partition, f"project/{project.name}/version/{name}/{ms}"), name,
                ms / 1000, COPYING_IN_PROGRESS,
                {k: request[k] for k in ("OutputConfig", "KmsKeyId") if k in request},
                source.training, source.inputs, dict(tags), source.f1_score, source.arn,
                results=dict(source.results))
            project.versions[name] = version
            self._begin(version, COPYING_IN_PROGRESS,
                        lambda: self._finish(project, version, copying=True), self.hold_training)
            return version.arn

    def put_policy(self, project_arn: str, name: str, revision: str | None,
                   document: str) -> str:
        """Attach a policy (no revision), or replace the latest revision of one; the new
        revision's id."""
        with self.lock:
            self._settle()
            project = self._project(project_arn, mutate=True)
            if project.feature != CUSTOM_LABELS:
                raise InvalidParameterException()
            _statements(document)
            existing = project.policies.get(name)
            if existing is None and revision is not None:
                raise InvalidPolicyRevisionIdException()
            if existing is not None and revision is None:
                raise ResourceAlreadyExistsException()
            if existing is not None and revision != existing.revision:
                raise InvalidPolicyRevisionIdException()
            if existing is None and len(project.policies) >= MAX_POLICIES:
                raise LimitExceededException()
            now, new = time.time(), self.ids.new("project-policy").replace("-", "")
            created = existing.created if existing is not None else now
            project.policies[name] = Policy(name, document, new, created, now)
            return new

    def list_policies(self, project_arn: str, token: str | None,
                      size: int) -> tuple[list[dict[str, Any]], str | None]:
        with self.lock:
            self._settle()
            project = self._project(project_arn)
            chunk, next_token = _page(sorted(project.policies.values(), key=lambda p: p.name),
                                      f"policies/{project_arn}", token, size)
            return [{"ProjectArn": project.arn, "PolicyName": p.name,
                     "PolicyRevisionId": p.revision, "PolicyDocument": p.document,
                     "CreationTimestamp": p.created, "LastUpdatedTimestamp": p.updated}
                    for p in chunk], next_token

    def delete_policy(self, project_arn: str, name: str, revision: str | None) -> None:
        with self.lock:
            self._settle()
            project = self._project(project_arn)
            policy = project.policies.get(name)
            if policy is None:
                raise ResourceNotFoundException()
            if revision is not None and revision != policy.revision:
                raise InvalidPolicyRevisionIdException()
            del project.policies[name]

    # -- detection and tags ----------------------------------------------------------------------

    def running(self, arn: str) -> str | None:
        """The running version's source (a copy's original), for scripted answers; a version of
        an adapter project is InvalidParameterException, one not running
        ResourceNotReadyException."""
        with self.lock:
            self._settle()
            project, version = self._version(arn)
            if project.feature != CUSTOM_LABELS:
                raise InvalidParameterException()
            if version.status != RUNNING:
                raise ResourceNotReadyException()
            return version.source_arn

    def set_labels(self, arn: str, ref: ImageRef, labels: list[dict[str, Any]]) -> None:
        with self.lock:
            self.labels.setdefault(arn, {})[ref] = copy.deepcopy(labels)

    def scripted_labels(self, arn: str, refs: list[ImageRef]) -> list[dict[str, Any]] | None:
        """What a test scripted for the version and any of the image's names (None: nothing)."""
        with self.lock:
            scripted = self.labels.get(arn, {})
            for ref in refs:
                if ref in scripted:
                    return copy.deepcopy(scripted[ref])
            return None

    def tagged(self, resource: str) -> Project | Dataset | Version | None:
        """The project, dataset or model version an ARN's resource part names."""
        with self.lock:
            self._settle()
            parts = resource.split("/")
            project = self.projects.get(parts[1]) if len(parts) > 1 else None
            if project is None:
                return None
            candidates: list[Project | Dataset | Version] = [
                project, *project.datasets.values(), *project.versions.values()]
            return next((c for c in candidates if c.arn.split(":", 5)[5] == resource), None)

    def source_of(self, arn: str) -> str | None:
        """The version a model version was copied from (None: not a copy, or gone)."""
        with self.lock:
            try:
                return self._version(arn)[1].source_arn
            except ResourceNotFoundException:
                return None
