"""The test author's handle on rekmock: script answers, build the celebrity gallery, look inside.

Everything here is stored in moto's backends, so it is isolated per test and reset with them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import regex
from moto.core import DEFAULT_ACCOUNT_ID

from .backend.analysis import LABELS, MODERATION, PPE, TEXT, AnalysisState, scripted_for
from .backend.backends import RekognitionBackend, rekognition_backends, scripts_for
from .backend.scripts import (
    Celebrity,
    ImageLike,
    Scripts,
    celebrity_id,
    image_ref,
    image_source,
)
from .backend.stream_processors import CONNECTED_HOME_LABELS, box_ok
from .botocore_model import service_model
from .defaults import (
    CELEBRITY_MATCH_CONFIDENCE,
    DIFFERENT_PERSON_SIMILARITY,
    SAME_PERSON_SIMILARITY,
)
from .errors import RekognitionError
from .service.validation import validate_custom_labels, validate_face_fields, validate_shape

GENDERS = ("Male", "Female", "Nonbinary", "Unlisted")  # KnownGender types


def _read(photo: bytes | str | os.PathLike[str]) -> bytes:
    data = image_source(photo)
    if not isinstance(data, bytes):
        raise TypeError("a celebrity's photos are bytes or file paths")
    return data


class RekognitionState:
    """Scripted answers and state for one account (moto's default account unless told)."""

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self.account_id = account_id

    @property
    def scripts(self) -> Scripts:
        return scripts_for(self.account_id)

    def backend(self, region: str = "us-east-1") -> RekognitionBackend:
        """The regional backend (collections, faces, users) for inspection."""
        return rekognition_backends[self.account_id][region]

    def set_face(self, image: ImageLike, face: int = 0, **fields: Any) -> None:
        """Override FaceDetail fields of face ``face`` (0 = largest) wherever ``image`` is analysed.

        ``fields`` use the service's names and shapes, e.g.
        ``Smile={"Value": True, "Confidence": 99.0}`` or ``AgeRange={"Low": 30, "High": 38}``.
        """
        validate_face_fields(fields)  # ValueError, nothing stored, when not the model's shape
        self.scripts.set_fields(image_ref(image), face, fields)

    def same_person(
        self, a: ImageLike, b: ImageLike, similarity: float = SAME_PERSON_SIMILARITY,
        face_a: int = 0, face_b: int = 0,
    ) -> None:
        """Make face ``face_a`` of ``a`` and ``face_b`` of ``b`` match at ``similarity``."""
        if not 0.0 <= similarity <= 100.0:
            raise ValueError("similarity is a percentage, 0..100")
        self.scripts.set_pair((image_ref(a), face_a), (image_ref(b), face_b), float(similarity))

    def different_person(
        self, a: ImageLike, b: ImageLike, similarity: float = DIFFERENT_PERSON_SIMILARITY,
        face_a: int = 0, face_b: int = 0,
    ) -> None:
        """Make the two faces score ``similarity`` (low by default): never a match at the default
        threshold."""
        self.same_person(a, b, similarity, face_a, face_b)

    def add_celebrity(
        self,
        name: str,
        photos: Sequence[bytes | str | os.PathLike[str]] = (),
        urls: Sequence[str] = (),
        known_gender: str | None = None,
    ) -> str:
        """Register a celebrity recognised by face vector in ``photos``; return its stable Id."""
        if known_gender is not None and known_gender not in GENDERS:
            raise ValueError(f"known_gender must be one of {GENDERS}")
        celeb = Celebrity(
            id=celebrity_id(name),
            name=name,
            urls=list(urls),
            known_gender=known_gender,
            photos=[_read(p) for p in photos],
        )
        self.scripts.add_celebrity(celeb)
        return celeb.id

    def set_celebrity(
        self, image: ImageLike, celebrity: str, face: int = 0,
        match_confidence: float = CELEBRITY_MATCH_CONFIDENCE,
    ) -> None:
        """Recognise face ``face`` of ``image`` as the registered celebrity with Id ``celebrity``,
        at ``match_confidence``, whatever the face vectors say."""
        if self.scripts.celebrity(celebrity) is None:
            raise KeyError(f"no celebrity registered with Id {celebrity!r}")
        if not 0.0 <= match_confidence <= 100.0:
            raise ValueError("match_confidence is a percentage, 0..100")
        self.scripts.set_celebrity(image_ref(image), face, celebrity, match_confidence)

    # -- stored video and Face Liveness (issue 12) ---------------------------------------------

    @staticmethod
    def _frame_ref(video: bytes | str | os.PathLike[str], timestamp: int | None) -> tuple:
        from .faces.video import frame_ref, video_key

        return frame_ref(video_key(_read(video)), timestamp)

    def set_video_face(self, video: bytes | str | os.PathLike[str], face: int = 0,
                       timestamp: int | None = None, **fields: Any) -> None:
        """Like ``set_face`` for face ``face`` (0 = largest) of the video's sampled frame at
        ``timestamp`` ms, or of every sampled frame when ``timestamp`` is None."""
        validate_face_fields(fields)
        self.scripts.set_fields(self._frame_ref(video, timestamp), face, fields)

    def video_person_is(self, video: bytes | str | os.PathLike[str], image: ImageLike,
                        similarity: float = 99.0, face: int = 0, timestamp: int | None = None,
                        image_face: int = 0) -> None:
        """Make face ``face`` of the video's frames (one timestamp, or all) and face
        ``image_face`` of ``image`` score ``similarity``, e.g. against an indexed photo."""
        if not 0.0 <= similarity <= 100.0:
            raise ValueError("similarity is a percentage, 0..100")
        self.scripts.set_pair((self._frame_ref(video, timestamp), face),
                              (image_ref(image), image_face), float(similarity))

    def set_video_celebrity(self, video: bytes | str | os.PathLike[str], celebrity: str,
                            face: int = 0, timestamp: int | None = None,
                            match_confidence: float = 99.0) -> None:
        """Like ``set_celebrity`` for face ``face`` of the video's frames (a timestamp, or all)."""
        if not 0.0 <= match_confidence <= 100.0:
            raise ValueError("match_confidence is a percentage, 0..100")
        self.scripts.set_celebrity(self._frame_ref(video, timestamp), face, celebrity,
                                   match_confidence)

    def hold_video_jobs(self, polls: int, region: str = "us-east-1") -> None:
        """Video jobs (and media analysis jobs) started from now on answer IN_PROGRESS to their
        first ``polls`` Gets (video jobs notify SNS when they turn final), to exercise a polling
        loop."""
        if polls < 0:
            raise ValueError("polls is a count, >= 0")
        self.backend(region).video.hold_polls = polls

    def _session(self, session_id: str, region: str) -> Any:
        found = self.backend(region).video.session(session_id)
        if found is None:
            raise KeyError(f"no Face Liveness session {session_id!r} in {region}")
        return found

    def complete_liveness(
        self,
        session_id: str,
        confidence: float = 99.0,
        reference_image: bytes | str | os.PathLike[str] | None = None,
        audit_images: list[bytes | str | os.PathLike[str]] = (),  # type: ignore[assignment]
        status: str = "SUCCEEDED",
        region: str = "us-east-1",
    ) -> None:
        """End a Face Liveness session as the user's browser would: live (high ``confidence``)
        or spoof (low), with a reference image and audit images (bytes or paths), or with
        ``status="FAILED"``. Images go to the session's OutputConfig bucket when it names one."""
        from .backend.jobs import AUDIT_IMAGE_MAX_BYTES, complete_session

        if status not in ("SUCCEEDED", "FAILED", "IN_PROGRESS"):
            raise ValueError("status is SUCCEEDED, FAILED or IN_PROGRESS")
        if not 0.0 <= confidence <= 100.0:
            raise ValueError("confidence is a percentage, 0..100")
        reference = None if reference_image is None else _read(reference_image)
        audit = [_read(a) for a in audit_images]
        if any(len(image) > AUDIT_IMAGE_MAX_BYTES for image in [reference or b"", *audit]):
            raise ValueError(f"liveness images are at most {AUDIT_IMAGE_MAX_BYTES} bytes")
        complete_session(self._session(session_id, region), self.account_id, status, confidence,
                         reference, audit)

    def age_liveness_session(self, session_id: str, seconds: float,
                             region: str = "us-east-1") -> None:
        """Pretend the session was created ``seconds`` earlier (sessions expire after 3 min)."""
        self._session(session_id, region).created -= seconds

    # -- streaming video (issue 22) ------------------------------------------------------------

    def send_stream_frame(
        self,
        name: str,
        image: ImageLike,
        producer_timestamp: float | None = None,
        region: str = "us-east-1",
        labels: Sequence[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """Feed one frame (a JPEG or PNG: bytes, a path or an S3 location) into the Kinesis
        video stream of stream processor ``name``, as a camera would, and have it analysed.

        A face search processor must be RUNNING: the frame's faces are searched in its collection
        and the frame record goes onto its Kinesis data stream; the record is returned. A label
        detection processor must be in a session: it reports PERSON for the faces it finds, plus
        ``labels`` the test scripts for what rekmock cannot see (``{"Name": "PET"|"PACKAGE"|
        "PERSON", "Confidence": 0..100, "BoundingBox": {...}}``); it returns ``Labels`` (kept
        for this frame), ``Notices`` (published to SNS) and ``SessionEnded``.

        ``producer_timestamp``: the camera's clock for the frame, in Unix seconds (default: the
        time it is sent). KeyError: no such processor; ValueError: the processor analyses no
        frames now (its status says why), or the image is refused."""
        from .faces.intake import read_s3
        from .service.context import Context
        from .service.handlers.stream_ops import analyse_frame

        if producer_timestamp is not None and not (
                math.isfinite(producer_timestamp) and producer_timestamp >= 0):
            raise ValueError("producer_timestamp is a time in Unix seconds, >= 0")
        scripted = [_stream_label(label) for label in labels]
        source = image_source(image)
        try:
            if isinstance(source, bytes):
                request_image: dict[str, Any] = {"Bytes": source}
                data = source
            else:
                request_image = {"S3Object": {"Bucket": source[0], "Name": source[1]}}
                data = read_s3(request_image["S3Object"], self.account_id, "aws")
            return analyse_frame(Context(self.account_id, region, "aws"), name, request_image,
                                 data, producer_timestamp, scripted)
        except RekognitionError as error:
            raise ValueError(f"frame refused: {error.code}: {error.message}") from None

    def hold_stream_processors(self, polls: int, region: str = "us-east-1") -> None:
        """From now on each stream processor transition (STARTING, STOPPING, UPDATING) is seen
        by ``polls`` DescribeStreamProcessor or ListStreamProcessors reads before it completes
        (0, the default: at once), to exercise a polling loop."""
        if polls < 0:
            raise ValueError("polls is a count, >= 0")
        self.backend(region).streams.hold_polls = polls


    # -- Custom Labels (issue 22) ----------------------------------------------------------------

    def set_custom_labels(self, project_version_arn: str, image: ImageLike,
                          labels: list[dict[str, Any]]) -> None:
        """What DetectCustomLabels answers for ``image`` on the running model version (and its
        copies): the model's ``CustomLabel`` dicts, e.g. ``{"Name": "Cat", "Confidence": 97.5,
        "Geometry": {"BoundingBox": {...}}}``; MinConfidence and MaxResults apply to them."""
        pattern = service_model().shape_for("ProjectVersionArn").metadata["pattern"]
        if not isinstance(project_version_arn, str) or not regex.fullmatch(
                pattern, project_version_arn):
            raise ValueError(f"not a model version ARN: {project_version_arn!r}")
        validate_custom_labels(labels)
        parts = project_version_arn.split(":")
        state = rekognition_backends[parts[4]][parts[3]].custom_labels
        state.set_labels(project_version_arn, image_ref(image), labels)

    def hold_training(self, polls: int, region: str = "us-east-1") -> None:
        """Model versions trained or copied from now on stay TRAINING_IN_PROGRESS
        (COPYING_IN_PROGRESS) for their first ``polls`` DescribeProjectVersions calls."""
        self.backend(region).custom_labels.hold_training = _polls(polls)

    def hold_custom_labels(self, polls: int, region: str = "us-east-1") -> None:
        """Every other Custom Labels change from now on (project creation and deletion, dataset
        creation, update, distribution and deletion, model start, stop and deletion) shows its
        in-progress status to its first ``polls`` Describe calls."""
        self.backend(region).custom_labels.hold_changes = _polls(polls)

    def fail_training(self, version_name: str, status_message: str,
                      region: str = "us-east-1") -> None:
        """Model versions named ``version_name`` (in any project of the region) created from
        now on end TRAINING_FAILED with ``status_message``."""
        if not status_message:
            raise ValueError("status_message is the StatusMessage the service would give")
        self.backend(region).custom_labels.failures[version_name] = status_message

    def set_f1_score(self, version_name: str, f1_score: float,
                     region: str = "us-east-1") -> None:
        """Model versions named ``version_name`` created from now on report this F1 score
        (0..1) in their EvaluationResult and training summary; without it they report none."""
        if not 0.0 <= f1_score <= 1.0:
            raise ValueError("f1_score is between 0 and 1")
        self.backend(region).custom_labels.f1_scores[version_name] = float(f1_score)


    # -- image and video analysis beside the faces (issue 22) ----------------------------------

    @property
    def analysis(self) -> AnalysisState:
        return scripted_for(self.account_id)

    def set_labels(self, image: ImageLike, labels: list[dict[str, Any]]) -> None:
        """DetectLabels answers these ``Label``s for ``image`` besides what it sees (a scripted
        label replaces a seen one of the same name), e.g.
        ``[{"Name": "Dog", "Confidence": 97.0, "Parents": [{"Name": "Animal"}]}]``."""
        validate_shape("Labels", labels, "labels")
        self.analysis.script(LABELS, image_ref(image), labels)

    def set_moderation_labels(self, image: ImageLike, labels: list[dict[str, Any]],
                              content_types: list[dict[str, Any]] = ()  # type: ignore[assignment]
                              ) -> None:
        """DetectModerationLabels (and media analysis jobs) answer these ``ModerationLabel``s
        and ``ContentType``s for ``image``, e.g.
        ``[{"Name": "Violence", "ParentName": "", "TaxonomyLevel": 1, "Confidence": 97.3}]``."""
        validate_shape("ModerationLabels", labels, "moderation labels")
        validate_shape("ContentTypes", list(content_types), "content types")
        self.analysis.script(MODERATION, image_ref(image),
                             {"ModerationLabels": labels, "ContentTypes": list(content_types)})

    def set_text(self, image: ImageLike, detections: list[dict[str, Any]]) -> None:
        """DetectText answers these ``TextDetection``s for ``image``."""
        validate_shape("TextDetectionList", detections, "text detections")
        self.analysis.script(TEXT, image_ref(image), detections)

    def set_protective_equipment(self, image: ImageLike, persons: list[dict[str, Any]]) -> None:
        """DetectProtectiveEquipment answers these ``ProtectiveEquipmentPerson``s for ``image``:
        one with the Id of a person rekmock sees (0 = largest face) overrides that person's
        members, e.g. ``[{"Id": 0, "BodyParts": [{"Name": "FACE", "Confidence": 99.0,
        "EquipmentDetections": [{"Type": "FACE_COVER", "Confidence": 98.0, "CoversBodyPart":
        {"Value": True, "Confidence": 97.0}, "BoundingBox": {...}}]}]}]``; others are added."""
        validate_shape("ProtectiveEquipmentPersons", persons, "persons")
        self.analysis.script(PPE, image_ref(image), persons)

    def set_video_labels(self, video: bytes | str | os.PathLike[str],
                         labels: list[dict[str, Any]], timestamp: int | None = None) -> None:
        """Like ``set_labels`` for the video's sampled frame at ``timestamp`` ms, or for every
        sampled frame when ``timestamp`` is None (StartLabelDetection)."""
        validate_shape("Labels", labels, "labels")
        self.analysis.script(LABELS, self._frame_ref(video, timestamp), labels)

    def set_video_moderation_labels(self, video: bytes | str | os.PathLike[str],
                                    labels: list[dict[str, Any]], timestamp: int | None = None,
                                    content_types: list[dict[str, Any]] = ()  # type: ignore[assignment]
                                    ) -> None:
        """Like ``set_moderation_labels`` for one sampled frame, or every one
        (StartContentModeration)."""
        validate_shape("ModerationLabels", labels, "moderation labels")
        validate_shape("ContentTypes", list(content_types), "content types")
        self.analysis.script(MODERATION, self._frame_ref(video, timestamp),
                             {"ModerationLabels": labels, "ContentTypes": list(content_types)})

    def set_video_text(self, video: bytes | str | os.PathLike[str],
                       detections: list[dict[str, Any]], timestamp: int | None = None) -> None:
        """Like ``set_text`` for one sampled frame, or every one (StartTextDetection)."""
        validate_shape("TextDetectionList", detections, "text detections")
        self.analysis.script(TEXT, self._frame_ref(video, timestamp), detections)


def _polls(polls: int) -> int:
    if not isinstance(polls, int) or polls < 0:
        raise ValueError("polls is a count, >= 0")
    return polls


def _stream_label(label: dict[str, Any]) -> dict[str, Any]:
    """A scripted label for a label detection frame, checked (ValueError saying what is wrong)."""
    if not isinstance(label, dict) or set(label) != {"Name", "Confidence", "BoundingBox"}:
        raise ValueError("a stream label is {\"Name\", \"Confidence\", \"BoundingBox\"}")
    if label["Name"] not in CONNECTED_HOME_LABELS:
        raise ValueError(f"a stream label's Name is one of {', '.join(CONNECTED_HOME_LABELS)}")
    confidence = label["Confidence"]
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not (
            0.0 <= confidence <= 100.0):
        raise ValueError("a stream label's Confidence is a percentage, 0..100")
    try:
        inside = box_ok(label["BoundingBox"])
    except (TypeError, ValueError):
        inside = False
    if not inside:
        raise ValueError("a stream label's BoundingBox is {Width, Height, Left, Top}, ratios "
                         "of the frame, inside it")
    return {"Name": label["Name"], "Confidence": float(confidence),
            "BoundingBox": {k: float(label["BoundingBox"][k])
                            for k in ("Width", "Height", "Left", "Top")}}
