"""A small client for the control API of ``rekmock serve`` (see ``server.control_api``)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Any

from ..backend.scripts import ImageLike, image_source
from ..defaults import (
    CELEBRITY_MATCH_CONFIDENCE,
    DIFFERENT_PERSON_SIMILARITY,
    SAME_PERSON_SIMILARITY,
)
from .control_api import API_PREFIX
from .control_schema import JsonDict


class ControlError(Exception):
    """The control API refused a request (``status`` and the server's ``message``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def _encode_image(image: ImageLike) -> JsonDict | str:
    """An image as the control API's JSON takes it (parsed by the one image parser)."""
    source = image_source(image)
    if isinstance(source, bytes):
        return base64.b64encode(source).decode("ascii")
    return {"Bucket": source[0], "Name": source[1]}


class Client:
    """Script a running ``rekmock serve`` with the method names of RekognitionState.

    ``Client("http://127.0.0.1:5000").same_person("a.jpg", {"Bucket": "b", "Name": "k"})``
    """

    def __init__(
        self, endpoint_url: str, account_id: str | None = None, timeout: float = 60.0
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.account_id = account_id
        self.timeout = timeout

    def _post(self, path: str, body: JsonDict) -> JsonDict:
        headers = {"Content-Type": "application/json"}
        if self.account_id:
            headers["x-moto-account-id"] = self.account_id
        request = urllib.request.Request(
            self.endpoint_url + path, json.dumps(body).encode(), headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("message", exc.reason)
            except ValueError:
                message = str(exc.reason)
            raise ControlError(exc.code, message) from None

    def set_face(self, image: ImageLike, face: int = 0, **fields: Any) -> None:
        """Override FaceDetail fields of face ``face`` (0 = largest) of ``image``."""
        self._post(f"{API_PREFIX}/set-face",
                   {"image": _encode_image(image), "face": face, "fields": fields})

    def same_person(
        self, a: ImageLike, b: ImageLike, similarity: float = SAME_PERSON_SIMILARITY,
        face_a: int = 0, face_b: int = 0,
    ) -> None:
        """Make face ``face_a`` of ``a`` and ``face_b`` of ``b`` match at ``similarity``."""
        self._pair("same-person", a, b, similarity, face_a, face_b)

    def different_person(
        self, a: ImageLike, b: ImageLike, similarity: float = DIFFERENT_PERSON_SIMILARITY,
        face_a: int = 0, face_b: int = 0,
    ) -> None:
        """Make the two faces score ``similarity`` (low by default): never a match at the default
        threshold."""
        self._pair("different-person", a, b, similarity, face_a, face_b)

    def _pair(
        self, endpoint: str, a: ImageLike, b: ImageLike, similarity: float, face_a: int, face_b: int
    ) -> None:
        self._post(f"{API_PREFIX}/{endpoint}", {
            "a": _encode_image(a), "b": _encode_image(b), "similarity": similarity,
            "face_a": face_a, "face_b": face_b,
        })

    def add_celebrity(
        self,
        name: str,
        photos: Iterable[ImageLike] = (),
        urls: Iterable[str] = (),
        known_gender: str | None = None,
    ) -> str:
        """Register a celebrity recognised by face vector in ``photos``; return its Id."""
        body = {"name": name, "photos": [_encode_image(p) for p in photos], "urls": list(urls),
                "known_gender": known_gender}
        return str(self._post(f"{API_PREFIX}/add-celebrity", body)["Id"])

    def set_celebrity(
        self, image: ImageLike, celebrity: str, face: int = 0,
        match_confidence: float = CELEBRITY_MATCH_CONFIDENCE,
    ) -> None:
        """Recognise face ``face`` of ``image`` as the registered celebrity ``celebrity``."""
        self._post(f"{API_PREFIX}/set-celebrity", {
            "image": _encode_image(image), "celebrity": celebrity, "face": face,
            "match_confidence": match_confidence,
        })

    def reset(self) -> None:
        """Forget rekmock's state (every account); S3 and other services keep theirs."""
        self._post(f"{API_PREFIX}/reset", {})

    def reset_all(self) -> None:
        """moto's reset: every service, rekmock included."""
        self._post("/moto-api/reset", {})

    # -- stored video and Face Liveness (issue 12) ---------------------------------------------

    def set_video_face(self, video: Any, face: int = 0, timestamp: int | None = None,
                       **fields: Any) -> None:
        """Override FaceDetail fields of face ``face`` in the video's frames (one, or all)."""
        self._post(f"{API_PREFIX}/set-video-face", {
            "video": _encode_image(video), "face": face, "timestamp": timestamp,
            "fields": fields})

    def video_person_is(self, video: Any, image: Any, similarity: float = 99.0, face: int = 0,
                        timestamp: int | None = None, image_face: int = 0) -> None:
        """Make face ``face`` of the video's frames and ``image_face`` of ``image`` match."""
        self._post(f"{API_PREFIX}/video-person-is", {
            "video": _encode_image(video), "image": _encode_image(image),
            "similarity": similarity, "face": face, "timestamp": timestamp,
            "image_face": image_face})

    def set_video_celebrity(self, video: Any, celebrity: str, face: int = 0,
                            timestamp: int | None = None, match_confidence: float = 99.0) -> None:
        """Recognise face ``face`` of the video's frames as the celebrity ``celebrity``."""
        self._post(f"{API_PREFIX}/set-video-celebrity", {
            "video": _encode_image(video), "celebrity": celebrity, "face": face,
            "timestamp": timestamp, "match_confidence": match_confidence})

    def hold_video_jobs(self, polls: int, region: str = "us-east-1") -> None:
        """New video jobs answer IN_PROGRESS to their first ``polls`` Gets."""
        self._post(f"{API_PREFIX}/hold-video-jobs", {"polls": polls, "region": region})

    def complete_liveness(self, session_id: str, confidence: float = 99.0,
                          reference_image: Any = None, audit_images: Iterable[Any] = (),
                          status: str = "SUCCEEDED", region: str = "us-east-1") -> None:
        """End a Face Liveness session: live or spoof ``confidence``, images, or FAILED."""
        self._post(f"{API_PREFIX}/complete-liveness", {
            "session_id": session_id, "confidence": confidence,
            "reference_image": None if reference_image is None else _encode_image(
                reference_image),
            "audit_images": [_encode_image(a) for a in audit_images],
            "status": status, "region": region})

    def age_liveness_session(self, session_id: str, seconds: float,
                             region: str = "us-east-1") -> None:
        """Pretend the session was created ``seconds`` earlier (sessions expire after 3 min)."""
        self._post(f"{API_PREFIX}/age-liveness-session",
                   {"session_id": session_id, "seconds": seconds, "region": region})

    # -- stream processors (issue 22) ----------------------------------------------------------

    def send_stream_frame(self, name: str, image: ImageLike,
                          producer_timestamp: float | None = None, region: str = "us-east-1",
                          labels: Sequence[JsonDict] = ()) -> JsonDict:
        """Feed one frame to stream processor ``name``; what it wrote (the frame record of a
        face search, or the labels and notices of a label detection session)."""
        return self._post(f"{API_PREFIX}/send-stream-frame", {
            "name": name, "image": _encode_image(image), "producer_timestamp": producer_timestamp,
            "region": region, "labels": list(labels)})

    def hold_stream_processors(self, polls: int, region: str = "us-east-1") -> None:
        """Stream processor transitions complete after ``polls`` Describe or List reads."""
        self._post(f"{API_PREFIX}/hold-stream-processors", {"polls": polls, "region": region})

    # -- Custom Labels (issue 22) ----------------------------------------------------------------

    def set_custom_labels(self, project_version_arn: str, image: ImageLike,
                          labels: list[dict[str, Any]]) -> None:
        """What DetectCustomLabels answers for ``image`` on the running model version."""
        self._post(f"{API_PREFIX}/set-custom-labels", {
            "project_version_arn": project_version_arn, "image": _encode_image(image),
            "labels": labels})

    def hold_training(self, polls: int, region: str = "us-east-1") -> None:
        """New trainings and copies stay in progress for their first ``polls`` Describes."""
        self._post(f"{API_PREFIX}/hold-training", {"polls": polls, "region": region})

    def hold_custom_labels(self, polls: int, region: str = "us-east-1") -> None:
        """Every other new Custom Labels change stays in progress for ``polls`` Describes."""
        self._post(f"{API_PREFIX}/hold-custom-labels", {"polls": polls, "region": region})

    def fail_training(self, version_name: str, status_message: str,
                      region: str = "us-east-1") -> None:
        """Versions named ``version_name`` end TRAINING_FAILED with ``status_message``."""
        self._post(f"{API_PREFIX}/fail-training", {
            "version_name": version_name, "status_message": status_message, "region": region})

    def set_f1_score(self, version_name: str, f1_score: float,
                     region: str = "us-east-1") -> None:
        """Versions named ``version_name`` report this F1 score (0..1)."""
        self._post(f"{API_PREFIX}/set-f1-score", {
            "version_name": version_name, "f1_score": f1_score, "region": region})

    # -- image and video analysis beside the faces (issue 22) ----------------------------------

    def set_labels(self, image: ImageLike, labels: list[dict[str, Any]]) -> None:
        """DetectLabels answers these Labels for ``image`` besides what it sees."""
        self._post(f"{API_PREFIX}/set-labels", {"image": _encode_image(image), "labels": labels})

    def set_moderation_labels(self, image: ImageLike, labels: list[dict[str, Any]],
                              content_types: Iterable[dict[str, Any]] = ()) -> None:
        """DetectModerationLabels answers these ModerationLabels (and ContentTypes)."""
        self._post(f"{API_PREFIX}/set-moderation-labels", {
            "image": _encode_image(image), "labels": labels,
            "content_types": list(content_types)})

    def set_text(self, image: ImageLike, detections: list[dict[str, Any]]) -> None:
        """DetectText answers these TextDetections for ``image``."""
        self._post(f"{API_PREFIX}/set-text",
                   {"image": _encode_image(image), "detections": detections})

    def set_protective_equipment(self, image: ImageLike, persons: list[dict[str, Any]]) -> None:
        """DetectProtectiveEquipment answers these persons (by Id over the seen ones)."""
        self._post(f"{API_PREFIX}/set-protective-equipment",
                   {"image": _encode_image(image), "persons": persons})

    def set_video_labels(self, video: Any, labels: list[dict[str, Any]],
                         timestamp: int | None = None) -> None:
        """Labels for the video's sampled frame at ``timestamp`` ms, or every one."""
        self._post(f"{API_PREFIX}/set-video-labels", {
            "video": _encode_image(video), "labels": labels, "timestamp": timestamp})

    def set_video_moderation_labels(self, video: Any, labels: list[dict[str, Any]],
                                    timestamp: int | None = None,
                                    content_types: Iterable[dict[str, Any]] = ()) -> None:
        """Moderation labels for one sampled frame of the video, or every one."""
        self._post(f"{API_PREFIX}/set-video-moderation-labels", {
            "video": _encode_image(video), "labels": labels, "timestamp": timestamp,
            "content_types": list(content_types)})

    def set_video_text(self, video: Any, detections: list[dict[str, Any]],
                       timestamp: int | None = None) -> None:
        """Text detections for one sampled frame of the video, or every one."""
        self._post(f"{API_PREFIX}/set-video-text", {
            "video": _encode_image(video), "detections": detections, "timestamp": timestamp})
