"""Stored-video jobs and Face Liveness sessions, kept on the regional backend.

A job is analysed when it starts; what a Get shows is its public status, which stays
IN_PROGRESS for as many polls as a test asked for (none by default). The completion message
goes to the job's SNS topic when the public status becomes final.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import IdempotentParameterMismatchException, ResourceNotFoundException

IN_PROGRESS, SUCCEEDED, FAILED = "IN_PROGRESS", "SUCCEEDED", "FAILED"
LIVENESS_TTL_SECONDS = 180  # a session and all its data expire 3 minutes after creation
AUDIT_IMAGE_MAX_BYTES = 204_800  # the model's limit on AuditImage.Bytes


@dataclass
class Job:
    job_id: str
    api: str  # the notification's API name, e.g. FACE_DETECTION
    request: dict[str, Any]  # the Start request, for idempotency checks
    status: str  # the analysis outcome, SUCCEEDED or FAILED
    status_message: str | None
    results: list[dict[str, Any]]
    metadata: dict[str, Any] | None
    polls_left: int = 0  # Gets that still answer IN_PROGRESS
    notified: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # members a successful Get adds

    @property
    def video(self) -> dict[str, Any]:
        return dict(self.request["Video"])

    @property
    def job_tag(self) -> str | None:
        return self.request.get("JobTag")


@dataclass
class LivenessSession:
    session_id: str
    request: dict[str, Any]
    created: float = field(default_factory=time.time)
    status: str = "CREATED"
    confidence: float | None = None
    reference: bytes | None = None
    audit: list[bytes] = field(default_factory=list)
    stored: dict[str, Any] = field(default_factory=dict)  # S3 locations written at completion

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) - self.created >= LIVENESS_TTL_SECONDS


@dataclass
class VideoState:
    """Jobs and sessions of one account in one region; every method takes the lock."""

    jobs: dict[str, Job] = field(default_factory=dict)
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)  # (operation, token) -> id
    sessions: dict[str, LivenessSession] = field(default_factory=dict)
    hold_polls: int = 0  # polls every new job stays IN_PROGRESS
    lock: threading.RLock = field(default_factory=threading.RLock)

    def job_for_token(self, operation: str, token: str | None,
                      request: dict[str, Any]) -> str | None:
        """The JobId a repeated ClientRequestToken already started (None: a new request);
        IdempotentParameterMismatchException when the same token came with another request."""
        if token is None:
            return None
        with self.lock:
            job_id = self.tokens.get((operation, token))
            if job_id is None:
                return None
            if self.jobs[job_id].request != request:
                raise IdempotentParameterMismatchException()
            return job_id

    def add_job(self, job: Job, operation: str, token: str | None) -> Job:
        """Store a started job (the first one wins when two starts raced on one token)."""
        with self.lock:
            if token is not None:
                first = self.tokens.setdefault((operation, token), job.job_id)
                if first != job.job_id:
                    return self.jobs[first]
            self.jobs[job.job_id] = job
            return job

    def poll(self, job_id: str, api: str) -> tuple[Job, bool]:
        """The job and whether this Get still sees it IN_PROGRESS (one held poll used up)."""
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job.api != api:
                raise ResourceNotFoundException()
            if job.polls_left > 0:
                job.polls_left -= 1
                return job, True
            return job, False

    def create_session(self, token: str | None, new_id: str,
                       request: dict[str, Any]) -> str:
        """A new liveness session's id, or the one a repeated ClientRequestToken created."""
        key = ("CreateFaceLivenessSession", token or "")
        with self.lock:
            if token is not None and key in self.tokens:
                return self.tokens[key]
            self.sessions[new_id] = LivenessSession(new_id, dict(request))
            if token is not None:
                self.tokens[key] = new_id
            return new_id

    def session(self, session_id: str) -> LivenessSession | None:
        with self.lock:
            return self.sessions.get(session_id)


def notification(job: Job, status: str) -> str:
    """The completion message, with the service's fields."""
    video = job.video.get("S3Object", {})
    doc: dict[str, Any] = {
        "JobId": job.job_id,
        "Status": status,
        "API": job.api,
        "JobTag": job.job_tag or "",
        "Timestamp": int(time.time() * 1000),
        "Video": {"S3ObjectName": video.get("Name", ""), "S3Bucket": video.get("Bucket", "")},
    }
    return json.dumps(doc, separators=(",", ":"))


def publish(job: Job, account_id: str, status: str) -> None:
    """Send the completion message to the job's SNS topic in moto, once."""
    channel = job.request.get("NotificationChannel")
    if channel is None or job.notified:
        return
    job.notified = True
    from moto.sns.models import sns_backends

    arn = channel["SNSTopicArn"]
    parts = arn.split(":")
    try:
        sns_backends[parts[4] or account_id][parts[3]].publish(notification(job, status), arn=arn)
    except Exception:  # a missing topic: the service's message is lost the same way
        return


def complete_session(session: LivenessSession, account_id: str, status: str, confidence: float,
                     reference: bytes | None, audit: list[bytes]) -> None:
    """Record a session's outcome; write its images to the OutputConfig bucket when it names one.

    Keys: ``<prefix><SessionId>/reference.jpg`` and ``<prefix><SessionId>/audit_<n>.jpg``.
    """
    from moto.s3.models import s3_backends

    settings = session.request.get("Settings", {})
    kept = list(audit)[: settings.get("AuditImagesLimit", 0)]
    output = settings.get("OutputConfig")
    s3 = s3_backends[account_id]["aws"]
    if output is not None and output["S3Bucket"] not in s3.buckets:
        raise ValueError(f"the session's OutputConfig bucket {output['S3Bucket']!r} does not "
                         "exist in moto's S3")
    session.status, session.confidence = status, float(confidence)
    session.reference, session.audit = reference, kept
    if output is None:
        return
    base = f"{output.get('S3KeyPrefix', '')}{session.session_id}/"
    names = ([("reference", reference)] if reference is not None else []) + [
        (f"audit_{i}", data) for i, data in enumerate(kept)
    ]
    for name, data in names:
        key = s3.put_object(output["S3Bucket"], f"{base}{name}.jpg", data)
        where = {"Bucket": output["S3Bucket"], "Name": f"{base}{name}.jpg"}
        if getattr(key, "version_id", None) not in (None, "null"):
            where["Version"] = key.version_id
        session.stored[name] = where
