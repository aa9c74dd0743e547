"""Who appears in a stored video: a face search against a collection, whose completion
Rekognition announces on an SNS topic that an SQS queue is subscribed to (the set-up of AWS's
stored-video examples). Plain boto3: nothing here knows it runs under a mock.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import boto3


def topic_with_queue(sns: Any, sqs: Any, name: str) -> tuple[str, str]:
    """An SNS topic for Rekognition's job notes and an SQS queue subscribed to it, with the
    queue policy that lets the topic send; returns (topic ARN, queue URL)."""
    topic_arn = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
    }]}
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return topic_arn, queue_url


@dataclass(frozen=True)
class Sighting:
    """One collection face seen in the video: first and last time (ms), best similarity."""
    first_ms: int
    last_ms: int
    similarity: float


class VideoSearch:
    def __init__(self, topic_arn: str, queue_url: str, role_arn: str,
                 rekognition: Any = None, sqs: Any = None) -> None:
        self.channel = {"SNSTopicArn": topic_arn, "RoleArn": role_arn}
        self.queue_url = queue_url
        self.rekognition = rekognition or boto3.client("rekognition")
        self.sqs = sqs or boto3.client("sqs")
        self.notes: dict[str, dict[str, Any]] = {}  # job id -> its completion note

    def start(self, bucket: str, key: str, collection_id: str, tag: str) -> str:
        return str(self.rekognition.start_face_search(
            Video={"S3Object": {"Bucket": bucket, "Name": key}}, CollectionId=collection_id,
            FaceMatchThreshold=90.0, JobTag=tag, NotificationChannel=self.channel,
        )["JobId"])

    def wait(self, job_id: str, timeout_s: float = 300.0) -> dict[str, Any]:
        """The job's completion note (Status SUCCEEDED, FAILED or ERROR), read from the queue.
        Notes of other jobs met on the way are kept for their own ``wait``."""
        deadline = time.monotonic() + timeout_s
        while job_id not in self.notes:
            wait_s = max(0, min(20, round(deadline - time.monotonic())))
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s,
            ).get("Messages", [])
            for message in messages:
                note = json.loads(json.loads(message["Body"])["Message"])  # SNS envelope
                self.notes[note["JobId"]] = note
                self.sqs.delete_message(QueueUrl=self.queue_url,
                                        ReceiptHandle=message["ReceiptHandle"])
            if not messages and time.monotonic() >= deadline:
                raise TimeoutError(f"no completion note for job {job_id}")
        return self.notes.pop(job_id)

    def people_seen(self, job_id: str) -> dict[str, Sighting]:
        """ExternalImageId of each collection face matched in the video -> when it was seen."""
        seen: dict[str, Sighting] = {}
        token = None
        while True:
            page = self.rekognition.get_face_search(
                JobId=job_id, SortBy="TIMESTAMP", MaxResults=100,
                **({"NextToken": token} if token else {}),
            )
            for person in page["Persons"]:
                if not person.get("FaceMatches"):
                    continue
                best = person["FaceMatches"][0]
                name, at = best["Face"]["ExternalImageId"], person["Timestamp"]
                before = seen.get(name)
                seen[name] = Sighting(
                    before.first_ms if before else at, at,
                    max(best["Similarity"], before.similarity if before else 0.0),
                )
            token = page.get("NextToken")
            if not token:
                return seen
