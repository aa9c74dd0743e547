"""Stream processors: their state machine, the checks of their inputs and outputs against moto's
IAM, Kinesis Video Streams, Kinesis, S3 and SNS, and the delivery of what they find.

A processor searches faces (``Settings.FaceSearch``: frame records on a Kinesis data stream) or
detects labels (``Settings.ConnectedHome``: frames in S3, notices on SNS). moto's Kinesis Video
Streams holds no media, so a test feeds the frames (``RekognitionState.send_stream_frame``); the
vision work happens above this layer and arrives here as ready results.

Statuses move as the developer guide describes. A face search processor goes STOPPED -> STARTING
-> RUNNING -> STOPPING -> STOPPED; a label detection processor stays STARTING for its whole
session and ends STOPPED. The service checks the role, the streams, the collection and the
outputs when a processor starts, and a missing one makes it FAILED with a StatusMessage; so does
rekmock. Each transition (STARTING, STOPPING, UPDATING) completes at once unless a test asked to
hold it for some reads (``hold_polls``): then that many Describes or Lists see the intermediate
status first. Locking: one lock guards every processor; the regional backend's lock (tags) is
always taken before it, never inside it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ..errors import InvalidParameterException, RekognitionError, ResourceNotFoundException
from .pagination import page

STOPPED, STARTING, RUNNING = "STOPPED", "STARTING", "RUNNING"
STOPPING, FAILED, UPDATING = "STOPPING", "FAILED", "UPDATING"
FACE_SEARCH, CONNECTED_HOME = "FaceSearch", "ConnectedHome"

# Quotas (AWS General Reference, "Amazon Rekognition endpoints and quotas").
MAX_PROCESSORS = 10_000  # stream processors that may exist, per account and region
MAX_RUNNING_FACE_SEARCH = 10  # face search processors processing at once
MAX_RUNNING_LABELS = {"us-east-1": 200, "us-west-2": 200}  # label detection processors at once
MAX_RUNNING_LABELS_ELSEWHERE = 40  # us-east-2, ap-south-1, eu-west-1 (not offered elsewhere)

MIN_FACE_MATCH_THRESHOLD = 80.0  # "values lower than 80 are set to 80" (FaceSearchSettings)
DEFAULT_MIN_CONFIDENCE = 50.0  # ConnectedHome MinConfidence when not given (developer guide)
DEFAULT_MAX_DURATION_SECONDS = 10  # StopSelector.MaxDurationInSeconds when not given
CONNECTED_HOME_LABELS = ("PERSON", "PET", "PACKAGE")  # what "ALL" stands for
MIN_POLYGON_POINTS, MAX_POLYGON_POINTS = 3, 10  # a region of interest's polygon
EDGE_SLACK = 1e-6  # a box's Left + Width may pass 1.0 by float rounding, no more
EVENT_SUBJECT = "Rekognition Stream Processing Event"
SESSION_COMPLETE_MESSAGE = "Stream processing completed."  # rekmock's words: none documented
# Fragment numbers: 47 decimal digits like the service's examples, rising with every fragment.
FRAGMENT_BASE, FRAGMENT_SPREAD = 9 * 10**46, 5 * 10**45


class ResourceInUseException(RekognitionError):
    code = "ResourceInUseException"
    message = "Specified resource is in use."


class LimitExceededException(RekognitionError):
    code = "LimitExceededException"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Stream processor limit exceeded for account, limit - {limit}")


def not_found() -> ResourceNotFoundException:
    """No processor of that name: the service's message for it is not documented anywhere we
    could find, so this is the model's general description of the error."""
    return ResourceNotFoundException()


def invalid() -> InvalidParameterException:
    return InvalidParameterException()


# -- requests ----------------------------------------------------------------------------------

def box_ok(box: Any) -> bool:
    """A BoundingBox (ratios of the frame) that lies inside the frame."""
    keys = ("Width", "Height", "Left", "Top")
    return (isinstance(box, dict) and all(k in box for k in keys)
            and all(0.0 <= float(box[k]) <= 1.0 for k in keys)
            and float(box["Left"]) + float(box["Width"]) <= 1.0 + EDGE_SLACK
            and float(box["Top"]) + float(box["Height"]) <= 1.0 + EDGE_SLACK)


def _check_regions(regions: list[dict[str, Any]]) -> None:
    """Each region of interest is a bounding box or a polygon of 3 to 10 points inside the frame."""
    for region in regions:
        box, polygon = region.get("BoundingBox"), region.get("Polygon")
        if (box is None) == (polygon is None):
            raise invalid()
        if box is not None and not box_ok(box):
            raise invalid()
        if polygon is not None and not (
                MIN_POLYGON_POINTS <= len(polygon) <= MAX_POLYGON_POINTS
                and all("X" in p and "Y" in p and 0.0 <= p["X"] <= 1.0 and 0.0 <= p["Y"] <= 1.0
                        for p in polygon)):
            raise invalid()


def _check_labels(labels: list[str]) -> None:
    if not labels or any(label not in (*CONNECTED_HOME_LABELS, "ALL") for label in labels):
        raise invalid()


def check_create(request: dict[str, Any]) -> str:
    """The kind of processor a CreateStreamProcessor request describes, or
    InvalidParameterException: one of FaceSearch and ConnectedHome; a face search writes to a
    Kinesis data stream and takes no KMS key or regions of interest; label detection writes to
    S3 and notifies an SNS topic."""
    settings = request["Settings"]
    face, home = settings.get("FaceSearch"), settings.get("ConnectedHome")
    output = request["Output"]
    if (face is None) == (home is None) or not request["Input"].get("KinesisVideoStream", {}).get(
            "Arn"):
        raise invalid()
    if face is not None:
        if (not face.get("CollectionId") or "S3Destination" in output
                or not output.get("KinesisDataStream", {}).get("Arn")
                or "KmsKeyId" in request or "RegionsOfInterest" in request):
            raise invalid()
        return FACE_SEARCH
    if ("KinesisDataStream" in output or not output.get("S3Destination", {}).get("Bucket")
            or "NotificationChannel" not in request):
        raise invalid()
    _check_labels(home["Labels"])
    _check_regions(request.get("RegionsOfInterest", []))
    return CONNECTED_HOME


def wanted_labels(labels: list[str]) -> set[str]:
    """The label names a ConnectedHome ``Labels`` list asks for ("ALL" is every one)."""
    return set(CONNECTED_HOME_LABELS) if "ALL" in labels else set(labels)


def arn_parts(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    return (parts[3], parts[4], parts[5]) if len(parts) == 6 else ("", "", "")


def stream_name(arn: str) -> str:
    """``stream/<name>[/<creation time>]`` -> name (Kinesis and Kinesis Video Streams ARNs)."""
    resource = arn_parts(arn)[2].split("/")
    return resource[1] if len(resource) > 1 else resource[0]


# -- moto's other services ---------------------------------------------------------------------

def _role_exists(arn: str) -> bool:
    from moto.iam.models import iam_backends

    try:
        iam_backends[arn_parts(arn)[1]]["global"].get_role_by_arn(arn)
    except Exception:  # moto's NoSuchEntity
        return False
    return True


def _video_stream_exists(arn: str, region: str) -> bool:
    from moto.kinesisvideo.models import kinesisvideo_backends

    arn_region, account, _ = arn_parts(arn)
    if arn_region != region:  # the service reads streams of its own region only
        return False
    try:
        return arn in kinesisvideo_backends[account][region].streams
    except Exception:  # a region moto does not know
        return False


def _data_stream(arn: str, region: str) -> Any:
    from moto.kinesis.models import kinesis_backends

    arn_region, account, _ = arn_parts(arn)
    if arn_region != region:
        return None
    try:
        return kinesis_backends[account][region].describe_stream(stream_arn=arn, stream_name=None)
    except Exception:  # moto's StreamNotFoundError, or an unknown region
        return None


def _s3(account: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account]["aws"]


def _topic_exists(arn: str) -> bool:
    from moto.sns.models import sns_backends

    region, account, _ = arn_parts(arn)
    try:
        return arn in sns_backends[account][region].topics
    except Exception:  # a region moto does not know
        return False


def _data_stream_missing(arn: str) -> str:
    return f"Stream {stream_name(arn)} under account {arn_parts(arn)[1]} not found"


def resource_problem(request: dict[str, Any], region: str, account: str,
                     has_collection: Callable[[str], bool]) -> str | None:
    """Why a processor with this request cannot run, in the StatusMessage the developer guide's
    troubleshooting page quotes (S3 and SNS: rekmock's words), or None."""
    if not _role_exists(request["RoleArn"]):
        return "Access denied to Role"
    video = request["Input"]["KinesisVideoStream"]["Arn"]
    if not _video_stream_exists(video, region):
        return f"Stream {stream_name(video)} doesn't exist"
    face = request["Settings"].get(FACE_SEARCH)
    if face is not None:
        if not has_collection(face["CollectionId"]):
            return "Collection not found"
        data = request["Output"]["KinesisDataStream"]["Arn"]
        if _data_stream(data, region) is None:
            return _data_stream_missing(data)
        return None
    bucket = request["Output"]["S3Destination"]["Bucket"]
    if bucket not in _s3(account).buckets:
        return f"S3 bucket {bucket} does not exist"
    topic = request["NotificationChannel"]["SNSTopicArn"]
    if not _topic_exists(topic):
        return f"SNS topic {topic} does not exist"
    return None


def _publish(topic: str, message: dict[str, Any]) -> None:
    """One notice on the processor's SNS topic (lost, as the service's would be, if the topic
    went away while the processor ran)."""
    from moto.sns.models import sns_backends

    region, account, _ = arn_parts(topic)
    try:
        sns_backends[account][region].publish(
            json.dumps(message, separators=(",", ":")), arn=topic, subject=EVENT_SUBJECT)
    except Exception:
        return


# -- state -------------------------------------------------------------------------------------

@dataclass
class Session:
    """One run of a processor, from StartStreamProcessor to its end."""

    session_id: str
    request: dict[str, Any]  # the StartStreamProcessor request
    start_millis: int | None = None  # producer time the session counts from
    start_fragment: int | None = None  # StartSelector.FragmentNumber
    last_offset_millis: int = 0
    notified: set[str] = field(default_factory=set)  # labels already announced


@dataclass
class StreamProcessor:
    name: str
    arn: str
    request: dict[str, Any]  # the CreateStreamProcessor request, as updated since
    kind: str
    tags: dict[str, str]  # guarded by the regional backend's lock, as collections' tags
    created: float = field(default_factory=time.time)
    updated: float = 0.0
    status: str = STOPPED
    status_message: str | None = None
    next_status: str | None = None  # where a held transition goes
    next_message: str | None = None
    polls_left: int = 0
    session: Session | None = None
    fragments: int = 0  # fragments of its video stream seen so far

    def __post_init__(self) -> None:
        self.updated = self.updated or self.created

    # -- status -----------------------------------------------------------------------------

    def move(self, status: str, hold: int, then: str | None = None,
             then_message: str | None = None, message: str | None = None) -> None:
        """Enter ``status``; with ``then``, go on to it after ``hold`` reads (at once if 0)."""
        self._set(status, message)
        self.next_status, self.next_message, self.polls_left = then, then_message, hold
        if then is not None and hold == 0:
            self._finish()

    def _set(self, status: str, message: str | None) -> None:
        self.status, self.status_message, self.updated = status, message, time.time()

    def _finish(self) -> None:
        status, message = self.next_status, self.next_message
        self.next_status = self.next_message = None
        if status is not None:
            self._set(status, message)

    def read(self) -> None:
        """One Describe or List sees the processor: a held transition comes one read closer."""
        if self.next_status is None:
            return
        if self.polls_left > 0:
            self.polls_left -= 1
        else:
            self._finish()

    @property
    def settling(self) -> bool:
        return self.next_status is not None

    # -- answers ----------------------------------------------------------------------------

    @property
    def face_match_threshold(self) -> float:
        given = self.request["Settings"].get(FACE_SEARCH, {}).get("FaceMatchThreshold")
        return max(MIN_FACE_MATCH_THRESHOLD, float(given if given is not None else 0.0))

    def settings(self) -> dict[str, Any]:
        settings = copy.deepcopy(self.request["Settings"])
        if self.kind == FACE_SEARCH:
            settings[FACE_SEARCH]["FaceMatchThreshold"] = self.face_match_threshold
        return dict(settings)

    def describe(self) -> dict[str, Any]:
        """DescribeStreamProcessor's answer, members in the model's order."""
        out: dict[str, Any] = {"Name": self.name, "StreamProcessorArn": self.arn,
                               "Status": self.status}
        if self.status_message is not None:
            out["StatusMessage"] = self.status_message
        out["CreationTimestamp"] = self.created
        out["LastUpdateTimestamp"] = self.updated
        req = self.request
        out.update({"Input": req["Input"], "Output": req["Output"], "RoleArn": req["RoleArn"],
                    "Settings": self.settings()})
        for member in ("NotificationChannel", "KmsKeyId", "RegionsOfInterest",
                       "DataSharingPreference"):
            if member in req:
                out[member] = req[member]
        return copy.deepcopy(out)

    # -- frames -----------------------------------------------------------------------------

    def accepting(self) -> bool:
        """Whether a frame sent now is analysed: a face search processor while RUNNING, a label
        detection processor while its session runs (it stays STARTING meanwhile)."""
        if self.session is None or self.settling:
            return False
        return self.status == (RUNNING if self.kind == FACE_SEARCH else STARTING)

    def fragment_number(self) -> str:
        """The next fragment's number: 47 digits, rising by one per fragment, its start
        derived from the video stream's ARN (stable from run to run)."""
        video = self.request["Input"]["KinesisVideoStream"]["Arn"]
        seed = int.from_bytes(hashlib.sha256(video.encode()).digest()[:24], "big")
        self.fragments += 1
        return str(FRAGMENT_BASE + seed % FRAGMENT_SPREAD + self.fragments)


@dataclass
class Frame:
    """Where a frame sits in the video stream, as the service reports it."""

    fragment_number: str
    server_timestamp: float  # seconds
    producer_timestamp: float  # seconds
    offset_millis: int  # from the start of the session (label detection)


@dataclass
class Label:
    """A label seen in one frame of a label detection session."""

    name: str
    confidence: float
    box: dict[str, float]  # the service's BoundingBox (Width, Height, Left, Top)
    frame_image: bytes  # the frame as sent, and its extension
    frame_ext: str
    cropped_image: bytes  # JPEG of the box


def _millis(seconds: float) -> int:
    return int(round(seconds * 1000))


class StreamProcessors:
    """The stream processors of one account in one region; every public method takes the lock
    once and nothing beneath it locks."""

    def __init__(self, region: str, account: str) -> None:
        self.region = region
        self.account = account
        self.processors: dict[str, StreamProcessor] = {}
        self.hold_polls = 0  # reads a transition waits for (scripted by a test)
        self.lock = threading.RLock()

    def arn(self, name: str) -> str:
        return f"arn:aws:rekognition:{self.region}:{self.account}:streamprocessor/{name}"

    def _get(self, name: str) -> StreamProcessor:
        found = self.processors.get(name)
        if found is None:
            raise not_found()
        return found

    def get(self, name: str) -> StreamProcessor | None:
        """The processor, or None (for the tag resolver)."""
        with self.lock:
            return self.processors.get(name)

    # -- operations -----------------------------------------------------------------------------

    def create(self, request: dict[str, Any]) -> str:
        """A new STOPPED processor; its ARN. The same name again with the same request gives the
        same ARN (the model calls Name idempotent); with another request the name is in use."""
        kind = check_create(request)
        name = request["Name"]
        with self.lock:
            existing = self.processors.get(name)
            if existing is not None:
                if existing.request == request:
                    return existing.arn
                raise ResourceInUseException("Stream processor name already in use.")
            if len(self.processors) >= MAX_PROCESSORS:
                raise LimitExceededException(MAX_PROCESSORS)
            streams = _streams_of(request)
            if any(streams & _streams_of(p.request) for p in self.processors.values()):
                raise ResourceInUseException()  # a stream feeds or takes one processor only
            processor = StreamProcessor(name, self.arn(name), copy.deepcopy(request), kind,
                                        dict(request.get("Tags", {})))
            self.processors[name] = processor
            return processor.arn

    def describe(self, name: str) -> dict[str, Any]:
        with self.lock:
            processor = self._get(name)
            processor.read()
            return processor.describe()

    def list_page(self, token: str | None, size: int) -> tuple[list[dict[str, str]], str | None]:
        with self.lock:
            names, next_token = page(sorted(self.processors), "stream-processors", token, size)
            out = []
            for name in names:
                processor = self.processors[name]
                processor.read()
                out.append({"Name": name, "Status": processor.status})
            return out, next_token

    def request_of(self, name: str) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self._get(name).request)

    def start(self, name: str, params: dict[str, Any], session_id: str,
              problem: str | None) -> str:
        """Start a session: STARTING, then RUNNING (face search) or on until the session ends
        (label detection); FAILED with ``problem`` when the resources check found one."""
        with self.lock:
            processor = self._get(name)
            if processor.status not in (STOPPED, FAILED) or processor.settling:
                raise ResourceInUseException()
            selector = _check_selectors(processor.kind, params)
            running = [p for p in self.processors.values()
                       if p.kind == processor.kind and p.status in (STARTING, RUNNING)]
            limit = (MAX_RUNNING_FACE_SEARCH if processor.kind == FACE_SEARCH
                     else MAX_RUNNING_LABELS.get(self.region, MAX_RUNNING_LABELS_ELSEWHERE))
            if len(running) >= limit:
                raise LimitExceededException(limit)
            if problem is not None:
                processor.move(STARTING, self.hold_polls, FAILED, problem)
                return session_id
            processor.session = Session(session_id, copy.deepcopy(params), *selector)
            if processor.kind == FACE_SEARCH:
                processor.move(STARTING, self.hold_polls, RUNNING)
            else:
                processor.move(STARTING, 0)
            return session_id

    def stop(self, name: str) -> None:
        with self.lock:
            processor = self._get(name)
            if processor.status not in (STARTING, RUNNING) or processor.session is None:
                raise ResourceInUseException("Stream Processor not available for stopping")
            self._end_session(processor)
            processor.move(STOPPING, self.hold_polls, STOPPED)

    def update(self, name: str, params: dict[str, Any]) -> None:
        """Change a stopped processor's label settings, regions of interest or data sharing."""
        with self.lock:
            processor = self._get(name)
            if processor.status not in (STOPPED, FAILED) or processor.settling:
                raise ResourceInUseException()
            request = _updated(processor.kind, processor.request, params)
            status, message = processor.status, processor.status_message
            processor.request = request
            processor.move(UPDATING, self.hold_polls, status, message)

    def delete(self, name: str) -> None:
        with self.lock:
            processor = self._get(name)
            if processor.status not in (STOPPED, FAILED) or processor.settling:
                raise ResourceInUseException("Cannot delete stream processor.")
            del self.processors[name]

    # -- frames ---------------------------------------------------------------------------------

    def frame_target(self, name: str) -> StreamProcessor:
        """A copy of the processor a frame is for, if it analyses frames now; else KeyError
        (no such processor) or ValueError (not running), saying so."""
        with self.lock:
            processor = self.processors.get(name)
            if processor is None:
                raise KeyError(f"no stream processor {name!r} in {self.region}")
            if not processor.accepting():
                wanted = RUNNING if processor.kind == FACE_SEARCH else "running a session"
                raise ValueError(
                    f"stream processor {name!r} is {processor.status}"
                    f"{' (' + processor.status_message + ')' if processor.status_message else ''}"
                    f"; it analyses frames only while {wanted}")
            return copy.deepcopy(processor)

    def _current(self, name: str, session_id: str) -> StreamProcessor:
        processor = self.processors.get(name)
        if (processor is None or processor.session is None
                or processor.session.session_id != session_id or not processor.accepting()):
            raise ValueError(f"stream processor {name!r} stopped while the frame was analysed")
        return processor

    def fail(self, name: str, session_id: str, message: str) -> NoReturn:
        """The running processor lost a resource: FAILED with the service's StatusMessage."""
        with self.lock:
            processor = self._current(name, session_id)
            self._end_session(processor)
            processor.move(FAILED, 0, message=message)
        raise ValueError(f"stream processor {name!r} is FAILED: {message}")

    @staticmethod
    def _frame(processor: StreamProcessor, producer: float | None) -> Frame:
        """Place a frame in the stream: one fragment per frame, the frame at its start."""
        server = round(time.time(), 3)
        produced = round(producer if producer is not None else server, 3)
        return Frame(processor.fragment_number(), server, produced, 0)

    @staticmethod
    def _in_session(session: Session, frame: Frame) -> bool:
        """Whether a label detection session analyses the frame (not before its StartSelector);
        sets the frame's offset from the session's start."""
        if session.start_fragment is not None and int(frame.fragment_number) < (
                session.start_fragment):
            return False
        if session.start_millis is None:
            session.start_millis = _millis(frame.producer_timestamp)
        frame.offset_millis = _millis(frame.producer_timestamp) - session.start_millis
        if frame.offset_millis < 0:
            return False
        session.last_offset_millis = max(session.last_offset_millis, frame.offset_millis)
        return True

    def _problem_now(self, processor: StreamProcessor) -> str | None:
        video = processor.request["Input"]["KinesisVideoStream"]["Arn"]
        if not _video_stream_exists(video, self.region):
            return f"Stream {stream_name(video)} doesn't exist"
        return None

    def deliver_faces(self, name: str, session_id: str, producer: float | None,
                      responses: list[dict[str, Any]]) -> dict[str, Any]:
        """Write a face search frame record onto the processor's Kinesis data stream; the record.

        Its members and their order are the developer guide's example record's."""
        with self.lock:
            processor = self._current(name, session_id)
            problem = self._problem_now(processor)
            data_arn = processor.request["Output"]["KinesisDataStream"]["Arn"]
            stream = _data_stream(data_arn, self.region)
            if problem is not None:
                self.fail(name, session_id, problem)
            if stream is None:
                self.fail(name, session_id, _data_stream_missing(data_arn))
            frame = self._frame(processor, producer)
            record = {
                "InputInformation": {"KinesisVideo": {
                    "StreamArn": processor.request["Input"]["KinesisVideoStream"]["Arn"],
                    "FragmentNumber": frame.fragment_number,
                    "ServerTimestamp": frame.server_timestamp,
                    "ProducerTimestamp": frame.producer_timestamp,
                    "FrameOffsetInSeconds": 0,
                }},
                "StreamProcessorInformation": {"Status": RUNNING},
                "FaceSearchResponse": responses,
            }
            data = json.dumps(record, separators=(",", ":")).encode()
            stream.put_record(session_id, None, data)  # partition key: the session
            return record

    def deliver_labels(self, name: str, session_id: str, producer: float | None,
                       labels: list[Label]) -> dict[str, Any]:
        """Announce the labels a label detection session sees for the first time: the frame
        and the label's crop go to S3, one notice per new label to SNS. The session ends (the
        processor STOPPED, a summary notice sent) once a frame reaches MaxDurationInSeconds.
        Returns what rekmock did: ``Labels`` seen in the frame, ``Notices`` published,
        ``SessionEnded``."""
        with self.lock:
            processor = self._current(name, session_id)
            problem = self._problem_now(processor)
            bucket = processor.request["Output"]["S3Destination"]["Bucket"]
            if problem is None and bucket not in _s3(self.account).buckets:
                problem = f"S3 bucket {bucket} does not exist"
            if problem is not None:
                self.fail(name, session_id, problem)
            session = processor.session
            assert session is not None
            frame = self._frame(processor, producer)
            out: dict[str, Any] = {"Labels": [], "Notices": [], "SessionEnded": False}
            if not self._in_session(session, frame):
                return out
            out["Labels"] = [{"Name": label.name, "Confidence": label.confidence,
                              "BoundingBox": label.box} for label in labels]
            for label in labels:
                if label.name in session.notified:
                    continue
                session.notified.add(label.name)
                notice = self._label_notice(processor, session, frame, label)
                _publish(processor.request["NotificationChannel"]["SNSTopicArn"], notice)
                out["Notices"].append(notice)
            limit = session.request.get("StopSelector", {}).get(
                "MaxDurationInSeconds", DEFAULT_MAX_DURATION_SECONDS)
            if frame.offset_millis >= limit * 1000:
                self._end_session(processor)
                processor.move(STOPPED, 0)
                out["SessionEnded"] = True
            return out

    def _label_notice(self, processor: StreamProcessor, session: Session, frame: Frame,
                      label: Label) -> dict[str, Any]:
        """The object-detected notice (developer guide, "Analyzing label detection results"),
        after writing the frame and the crop to ``KeyPrefix/Name/SessionId/<label id>/``."""
        output = processor.request["Output"]["S3Destination"]
        prefix = output.get("KeyPrefix", "")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        label_id = str(_uuid(f"{session.session_id}/{label.name}"))
        base = f"{prefix}{processor.name}/{session.session_id}/{label_id}/"
        s3 = _s3(self.account)
        s3.put_object(output["Bucket"], f"{base}frame.{label.frame_ext}", label.frame_image)
        s3.put_object(output["Bucket"], f"{base}cropped.jpg", label.cropped_image)
        box = label.box
        return {
            "inputInformation": {"kinesisVideo": {
                "streamArn": processor.request["Input"]["KinesisVideoStream"]["Arn"]}},
            "eventNamespace": {"type": "LABEL_DETECTED"},
            "labels": [{
                "id": label_id,
                "name": label.name,
                "frameImageUri": f"s3://{output['Bucket']}/{base}frame.{label.frame_ext}",
                "croppedImageUri": f"s3://{output['Bucket']}/{base}cropped.jpg",
                "videoMapping": {"kinesisVideoMapping": {
                    "fragmentNumber": frame.fragment_number,
                    "serverTimestamp": _millis(frame.server_timestamp),
                    "producerTimestamp": _millis(frame.producer_timestamp),
                    "frameOffsetMillis": frame.offset_millis,
                }},
                "boundingBox": {"left": box["Left"], "top": box["Top"],
                                "height": box["Height"], "width": box["Width"]},
            }],
            "eventId": str(_uuid(f"{session.session_id}/event/{label.name}")),
            "tags": dict(processor.tags),
            "sessionId": session.session_id,
            "startStreamProcessorRequest": copy.deepcopy(session.request),
        }

    def _end_session(self, processor: StreamProcessor) -> None:
        """Close the running session; a label detection session sends its summary notice."""
        session, processor.session = processor.session, None
        if session is None or processor.kind != CONNECTED_HOME:
            return
        _publish(processor.request["NotificationChannel"]["SNSTopicArn"], {
            "inputInformation": {"kinesisVideo": {
                "streamArn": processor.request["Input"]["KinesisVideoStream"]["Arn"],
                "processedVideoDurationMillis": session.last_offset_millis,
            }},
            "eventNamespace": {"type": "STREAM_PROCESSING_COMPLETE"},
            "streamProcessingResults": {"message": SESSION_COMPLETE_MESSAGE},
            "eventId": str(_uuid(f"{session.session_id}/complete")),
            "tags": dict(processor.tags),
            "sessionId": session.session_id,
            "startStreamProcessorRequest": copy.deepcopy(session.request),
        })


def _uuid(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"rekmock:stream:{seed}"))


def _streams_of(request: dict[str, Any]) -> set[str]:
    """The Kinesis streams a processor reads or writes (each serves one processor at most)."""
    found = {request["Input"]["KinesisVideoStream"]["Arn"]}
    data = request["Output"].get("KinesisDataStream", {}).get("Arn")
    if data:
        found.add(data)
    return found


def _check_selectors(kind: str, params: dict[str, Any]) -> tuple[int | None, int | None]:
    """(start producer time in ms, start fragment number) of a Start request. A face search
    takes no selectors; label detection needs a StartSelector with one of the two."""
    start, stop = params.get("StartSelector"), params.get("StopSelector")
    if kind == FACE_SEARCH:
        if start is not None or stop is not None:
            raise invalid()
        return None, None
    kvs = (start or {}).get("KVSStreamStartSelector") or {}
    producer, fragment = kvs.get("ProducerTimestamp"), kvs.get("FragmentNumber")
    if (producer is None) == (fragment is None):
        raise invalid()
    return producer, (int(fragment) if fragment is not None else None)


def _updated(kind: str, request: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The request after an UpdateStreamProcessor; only label detection settings and regions of
    interest change, and data sharing for any processor."""
    out = copy.deepcopy(request)
    home = params.get("SettingsForUpdate", {}).get("ConnectedHomeForUpdate")
    regions = params.get("RegionsOfInterestForUpdate")
    deletes = set(params.get("ParametersToDelete", []))
    if kind == FACE_SEARCH and (home is not None or regions is not None or deletes):
        raise invalid()
    if "DataSharingPreferenceForUpdate" in params:
        out["DataSharingPreference"] = params["DataSharingPreferenceForUpdate"]
    if kind == FACE_SEARCH:
        return out
    settings = out["Settings"][CONNECTED_HOME]
    if home is not None:
        if "Labels" in home:
            _check_labels(home["Labels"])
            settings["Labels"] = list(home["Labels"])
        if "MinConfidence" in home:
            if "ConnectedHomeMinConfidence" in deletes:
                raise invalid()
            settings["MinConfidence"] = home["MinConfidence"]
    if regions is not None:
        if "RegionsOfInterest" in deletes:
            raise invalid()
        _check_regions(regions)
        out["RegionsOfInterest"] = copy.deepcopy(regions)
    if "ConnectedHomeMinConfidence" in deletes:
        settings.pop("MinConfidence", None)
    if "RegionsOfInterest" in deletes:
        out.pop("RegionsOfInterest", None)
    return out


# -- regions of interest -----------------------------------------------------------------------

def _clip(polygon: list[tuple[float, float]], box: tuple[float, float, float, float]
          ) -> list[tuple[float, float]]:
    """``polygon`` clipped to the rectangle ``box`` (x1, y1, x2, y2), Sutherland-Hodgman."""
    x1, y1, x2, y2 = box
    edges: list[Callable[[tuple[float, float]], float]] = [
        lambda p: p[0] - x1, lambda p: x2 - p[0], lambda p: p[1] - y1, lambda p: y2 - p[1]]
    out = polygon
    for inside in edges:
        points, out = out, []
        for i, cur in enumerate(points):
            prev = points[i - 1]
            a, b = inside(prev), inside(cur)
            if (a >= 0) != (b >= 0):
                t = a / (a - b)
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            if b >= 0:
                out.append(cur)
        if not out:
            break
    return out


def _area(polygon: list[tuple[float, float]]) -> float:
    return abs(sum(polygon[i - 1][0] * p[1] - p[0] * polygon[i - 1][1]
                   for i, p in enumerate(polygon))) / 2


def in_regions(box: dict[str, float], regions: list[dict[str, Any]]) -> bool:
    """Whether a box counts as inside the regions of interest: more than half of it lies in
    one of them (the model's RegionOfInterest; no regions means the whole frame)."""
    if not regions:
        return True
    left, top = float(box["Left"]), float(box["Top"])
    rect = (left, top, left + float(box["Width"]), top + float(box["Height"]))
    whole = (rect[2] - rect[0]) * (rect[3] - rect[1])
    if whole <= 0 or not math.isfinite(whole):
        return False
    for region in regions:
        if "BoundingBox" in region:
            b = region["BoundingBox"]
            shape = [(b["Left"], b["Top"]), (b["Left"] + b["Width"], b["Top"]),
                     (b["Left"] + b["Width"], b["Top"] + b["Height"]),
                     (b["Left"], b["Top"] + b["Height"])]
        else:
            shape = [(p["X"], p["Y"]) for p in region["Polygon"]]
        if _area(_clip(shape, rect)) > whole / 2:
            return True
    return False
