"""State of the image and video analysis beside the faces: what tests scripted, and media
analysis jobs.

Scripted answers (labels, moderation labels, text, protective equipment) are account-wide, like
the other scripts, and live in the account's ``global`` backend (:func:`scripted_for`). They are
kept per image name (``ImageRef``: content hash, S3 location, or a video frame) and per kind.
Media analysis jobs are regional. Every method takes the lock.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    IdempotentParameterMismatchException,
    InvalidPaginationTokenException,
    ResourceNotFoundException,
)
from .pagination import decode_token, encode_token
from .scripts import ImageRef

LABELS, MODERATION, TEXT, PPE = "labels", "moderation", "text", "protective-equipment"
IN_PROGRESS, SUCCEEDED, FAILED = "IN_PROGRESS", "SUCCEEDED", "FAILED"


@dataclass
class MediaAnalysisJob:
    job_id: str
    request: dict[str, Any]  # the Start request without its ClientRequestToken
    created: float
    completed: float | None = None
    status: str = SUCCEEDED  # the outcome; Gets see IN_PROGRESS while polls_left > 0
    failure: dict[str, str] | None = None  # FailureDetails
    results: dict[str, Any] | None = None  # Results (S3Object, ModelVersions)
    summary: dict[str, Any] | None = None  # ManifestSummary (S3Object)
    polls_left: int = 0
    sequence: int = 0  # order of creation (ties of CreationTimestamp)


@dataclass
class AnalysisState:
    """Scripted answers (``global`` slot) and media analysis jobs (regional slots)."""

    scripted: dict[tuple[str, ImageRef], Any] = field(default_factory=dict)
    media_jobs: dict[str, MediaAnalysisJob] = field(default_factory=dict)
    media_tokens: dict[str, str] = field(default_factory=dict)  # ClientRequestToken -> JobId
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- scripted answers ------------------------------------------------------------------------

    def script(self, kind: str, ref: ImageRef, value: Any) -> None:
        with self.lock:
            self.scripted[(kind, ref)] = copy.deepcopy(value)

    def scripted_answer(self, kind: str, refs: list[ImageRef]) -> Any:
        """The answer scripted for the first of ``refs`` that has one (a deep copy), or None."""
        with self.lock:
            for ref in refs:
                found = self.scripted.get((kind, ref))
                if found is not None:
                    return copy.deepcopy(found)
        return None

    # -- media analysis jobs ---------------------------------------------------------------------

    def job_for_token(self, token: str | None, request: dict[str, Any]) -> str | None:
        """The JobId a repeated ClientRequestToken started, None for a new request;
        IdempotentParameterMismatchException when the token came with another request."""
        if token is None:
            return None
        with self.lock:
            job_id = self.media_tokens.get(token)
            if job_id is None:
                return None
            if self.media_jobs[job_id].request != request:
                raise IdempotentParameterMismatchException()
            return job_id

    def add_job(self, job: MediaAnalysisJob, token: str | None) -> MediaAnalysisJob:
        """Store a new job (the first one wins when two Starts raced on one token)."""
        with self.lock:
            if token is not None:
                first = self.media_tokens.setdefault(token, job.job_id)
                if first != job.job_id:
                    return self.media_jobs[first]
            job.sequence = len(self.media_jobs)
            self.media_jobs[job.job_id] = job
            return job

    def poll(self, job_id: str) -> tuple[MediaAnalysisJob, str]:
        """The job and the status this Get sees (a held poll is used up)."""
        with self.lock:
            job = self.media_jobs.get(job_id)
            if job is None:
                raise ResourceNotFoundException()
            if job.polls_left > 0:
                job.polls_left -= 1
                return job, IN_PROGRESS
            return job, job.status

    def list_jobs(self, token: str | None, size: int
                  ) -> tuple[list[tuple[MediaAnalysisJob, str]], str | None]:
        """One page of jobs, newest first, each with the status a List shows (a held job is
        IN_PROGRESS; listing uses up no poll), and the NextToken."""
        with self.lock:
            jobs = sorted(self.media_jobs.values(), key=lambda j: (-j.created, -j.sequence))
            after = decode_token("media-analysis-jobs", token)
            start = 0
            if after is not None:
                ids = [j.job_id for j in jobs]
                if after not in ids:
                    raise InvalidPaginationTokenException()
                start = ids.index(after) + 1
            chunk = jobs[start:start + size]
            shown = [(j, IN_PROGRESS if j.polls_left > 0 else j.status) for j in chunk]
            more = start + size < len(jobs)
        return shown, (encode_token("media-analysis-jobs", chunk[-1].job_id)
                       if more and chunk else None)


def scripted_for(account_id: str) -> AnalysisState:
    """The account's scripted analysis answers (kept in its ``global`` backend)."""
    from .backends import GLOBAL, rekognition_backends

    return rekognition_backends[account_id][GLOBAL].analysis


def write_s3(account_id: str, partition: str, bucket: str, key: str, data: bytes
             ) -> dict[str, str] | None:
    """Put an object in moto's S3; its S3Object (with Version when versioned), or None when the
    bucket does not exist."""
    from moto.s3.models import s3_backends

    s3 = s3_backends[account_id][partition]
    if bucket not in s3.buckets:
        return None
    stored = s3.put_object(bucket, key, data)
    where = {"Bucket": bucket, "Name": key}
    version = getattr(stored, "version_id", None)
    if version not in (None, "null"):
        where["Version"] = str(version)
    return where
