"""Profile photo upload handler, an AWS Lambda function triggered by S3 put events.

Each uploaded photo is indexed into a face collection with a strict QualityFilter. A photo is
accepted when it shows exactly one clear face; otherwise it is rejected with the service's
reasons (LOW_SHARPNESS, SMALL_BOUNDING_BOX, ...), NO_FACE, or EXCEEDS_MAX_FACES for a group
photo. The verdict is returned and written as JSON to ``RESULTS_BUCKET`` under the photo's key.

Configuration, as a Lambda has it: ``COLLECTION_ID``, ``RESULTS_BUCKET`` and the region in the
environment. Plain boto3: nothing here knows it runs under a mock.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from typing import Any

import boto3


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Clients per invocation keep the example simple; a busy function would reuse them.
    rekognition = boto3.client("rekognition")
    s3 = boto3.client("s3")
    results = [_handle(rekognition, s3, record) for record in event["Records"]]
    return {"results": results}


def _external_image_id(key: str) -> str:
    """The object key in the characters ExternalImageId allows."""
    return re.sub(r"[^A-Za-z0-9_.\-:]", "_", key)[-255:]


def _handle(rekognition: Any, s3: Any, record: dict[str, Any]) -> dict[str, Any]:
    bucket = record["s3"]["bucket"]["name"]
    key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])  # keys arrive URL-encoded
    collection = os.environ["COLLECTION_ID"]
    indexed = rekognition.index_faces(
        CollectionId=collection, Image={"S3Object": {"Bucket": bucket, "Name": key}},
        ExternalImageId=_external_image_id(key), MaxFaces=1, QualityFilter="HIGH",
    )
    records, unindexed = indexed["FaceRecords"], indexed["UnindexedFaces"]
    reasons = sorted({r for face in unindexed for r in face["Reasons"]})
    result: dict[str, Any] = {"bucket": bucket, "key": key}
    if records and "EXCEEDS_MAX_FACES" in reasons:  # a group photo: not a profile photo
        rekognition.delete_faces(CollectionId=collection,
                                 FaceIds=[r["Face"]["FaceId"] for r in records])
        result.update(status="REJECTED", reasons=["EXCEEDS_MAX_FACES"])
    elif records:
        face = records[0]["Face"]
        result.update(status="ACCEPTED", faceId=face["FaceId"], boundingBox=face["BoundingBox"])
    else:
        result.update(status="REJECTED", reasons=reasons or ["NO_FACE"])
    s3.put_object(Bucket=os.environ["RESULTS_BUCKET"], Key=f"{key}.json",
                  Body=json.dumps(result).encode(), ContentType="application/json")
    return result
