"""Media analysis (bulk) jobs through boto3: a manifest in S3, DetectModerationLabels on each
image, the results manifest and the manifest summary read back from S3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .helpers import error_code, photo

VIOLENCE = {"Confidence": 97.25, "Name": "Violence", "ParentName": "", "TaxonomyLevel": 1}


def manifest(s3: Any, lines: list[str], key: str = "in/manifest.jsonl") -> dict[str, Any]:
    s3.put_object(Bucket="media", Key=key, Body="\n".join(lines).encode())
    return {"S3Object": {"Bucket": "media", "Name": key}}


@pytest.fixture
def bucket(s3: Any) -> Any:
    s3.create_bucket(Bucket="media")
    s3.create_bucket(Bucket="out")
    for name in ("obama.jpg", "coffee.jpg"):
        s3.put_object(Bucket="media", Key=f"photos/{name}", Body=photo(name))
    s3.put_object(Bucket="media", Key="photos/notes.txt", Body=b"not an image")
    return s3


def read(s3: Any, where: dict[str, Any]) -> str:
    return s3.get_object(Bucket=where["Bucket"], Key=where["Name"])["Body"].read().decode()


def test_media_analysis_end_to_end(rek: Any, client: Any, bucket: Any) -> None:
    s3 = bucket
    rek.set_moderation_labels(("media", "photos/coffee.jpg"), [VIOLENCE])
    source = manifest(s3, [
        '{"source-ref": "s3://media/photos/obama.jpg"}',
        '{"source-ref": "s3://media/photos/coffee.jpg"}',
        '{"source-ref": "s3://media/photos/missing.jpg"}',
        "this is not json",
        '{"source-ref": "s3://media/photos/notes.txt"}',
    ])
    config = {"DetectModerationLabels": {"MinConfidence": 60}}
    job = client.start_media_analysis_job(
        JobName="nightly", OperationsConfig=config, Input=source,
        OutputConfig={"S3Bucket": "out", "S3KeyPrefix": "runs/"})["JobId"]
    got = client.get_media_analysis_job(JobId=job)
    assert got["Status"] == "SUCCEEDED" and got["JobName"] == "nightly"
    assert got["OperationsConfig"] == config and got["Input"] == source
    assert got["OutputConfig"] == {"S3Bucket": "out", "S3KeyPrefix": "runs/"}
    assert got["CompletionTimestamp"] >= got["CreationTimestamp"]
    assert got["Results"]["ModelVersions"] == {"Moderation": "7.0"}
    results = got["Results"]["S3Object"]
    assert results["Bucket"] == "out" and results["Name"].startswith(f"runs/{job}/")
    lines = [json.loads(line) for line in read(s3, results).splitlines()]
    assert lines == [
        {"source-ref": "s3://media/photos/obama.jpg", "detect-moderation-labels": {
            "ModerationLabels": [], "ModerationModelVersion": "7.0", "ContentTypes": []}},
        {"source-ref": "s3://media/photos/coffee.jpg", "detect-moderation-labels": {
            "ModerationLabels": [VIOLENCE], "ModerationModelVersion": "7.0",
            "ContentTypes": []}},
    ]
    summary = json.loads(read(s3, got["ManifestSummary"]["S3Object"]))
    assert summary["version"] == "1.0"
    assert summary["statistics"] == {"total-json-lines": 5, "valid-json-lines": 2,
                                     "invalid-json-lines": 3}
    errors = {e["line-numer"]: e for e in summary["errors"]}
    assert sorted(errors) == [3, 4, 5]
    assert errors[3]["code"] == "InvalidS3ObjectException"
    assert errors[3]["source-ref"] == "s3://media/photos/missing.jpg"
    assert "source-ref" not in errors[4]
    assert errors[5]["code"] == "InvalidImageFormatException"
    listed = client.list_media_analysis_jobs()["MediaAnalysisJobs"]
    assert [j["JobId"] for j in listed] == [job] and listed[0]["Status"] == "SUCCEEDED"


def test_min_confidence_applies_to_each_image(rek: Any, client: Any, bucket: Any) -> None:
    rek.set_moderation_labels(("media", "photos/coffee.jpg"), [VIOLENCE])
    job = client.start_media_analysis_job(
        OperationsConfig={"DetectModerationLabels": {"MinConfidence": 99}},
        Input=manifest(bucket, ['{"source-ref": "s3://media/photos/coffee.jpg"}']),
        OutputConfig={"S3Bucket": "out"})["JobId"]
    where = client.get_media_analysis_job(JobId=job)["Results"]["S3Object"]
    [line] = read(bucket, where).splitlines()
    assert json.loads(line)["detect-moderation-labels"]["ModerationLabels"] == []
    assert where["Name"] == f"{job}/results.jsonl"


def test_failures_at_start_and_in_the_job(client: Any, bucket: Any) -> None:
    config = {"DetectModerationLabels": {}}
    with pytest.raises(ClientError) as exc:
        client.start_media_analysis_job(
            OperationsConfig=config, OutputConfig={"S3Bucket": "out"},
            Input={"S3Object": {"Bucket": "media", "Name": "no-such-manifest"}})
    assert error_code(exc) == "InvalidS3ObjectException"
    with pytest.raises(ClientError) as exc:
        client.start_media_analysis_job(OperationsConfig=config, OutputConfig={"S3Bucket": "out"},
                                        Input=manifest(bucket, ["", "  "]))
    assert error_code(exc) == "InvalidManifestException"
    good = manifest(bucket, ['{"source-ref": "s3://media/photos/obama.jpg"}'], "good.jsonl")
    job = client.start_media_analysis_job(OperationsConfig=config, Input=good,
                                          OutputConfig={"S3Bucket": "no-such-bucket"})["JobId"]
    got = client.get_media_analysis_job(JobId=job)
    assert got["Status"] == "FAILED"
    assert got["FailureDetails"]["Code"] == "INVALID_OUTPUT_CONFIG"
    assert "Results" not in got and "ManifestSummary" not in got
    bad = manifest(bucket, ['{"source-ref": "s3://media/photos/gone.jpg"}'], "bad.jsonl")
    job = client.start_media_analysis_job(OperationsConfig=config, Input=bad,
                                          OutputConfig={"S3Bucket": "out"})["JobId"]
    got = client.get_media_analysis_job(JobId=job)
    assert got["Status"] == "FAILED" and got["FailureDetails"]["Code"] == "INVALID_MANIFEST"
    assert json.loads(read(bucket, got["ManifestSummary"]["S3Object"]))["errors"][0]["code"] == (
        "InvalidS3ObjectException")
    with pytest.raises(ClientError) as exc:
        client.get_media_analysis_job(JobId="no-such-job")
    assert error_code(exc) == "ResourceNotFoundException"


def test_tokens_holds_and_listing_pages(rek: Any, client: Any, bucket: Any) -> None:
    source = manifest(bucket, ['{"source-ref": "s3://media/photos/obama.jpg"}'])
    args = {"OperationsConfig": {"DetectModerationLabels": {}}, "Input": source,
            "OutputConfig": {"S3Bucket": "out"}}
    first = client.start_media_analysis_job(ClientRequestToken="t-1", **args)["JobId"]
    assert client.start_media_analysis_job(ClientRequestToken="t-1", **args)["JobId"] == first
    with pytest.raises(ClientError) as exc:
        client.start_media_analysis_job(ClientRequestToken="t-1", JobName="other", **args)
    assert error_code(exc) == "IdempotentParameterMismatchException"
    rek.hold_video_jobs(1)
    held = client.start_media_analysis_job(**args)["JobId"]
    third = client.start_media_analysis_job(**args)["JobId"]
    assert client.list_media_analysis_jobs(MaxResults=3)["MediaAnalysisJobs"][1]["Status"] == (
        "IN_PROGRESS")  # listing uses up no poll
    got = client.get_media_analysis_job(JobId=held)
    assert got["Status"] == "IN_PROGRESS"
    assert "Results" not in got and "CompletionTimestamp" not in got
    assert client.get_media_analysis_job(JobId=held)["Status"] == "SUCCEEDED"
    seen, token = [], None
    while True:
        page = client.list_media_analysis_jobs(MaxResults=2, **({"NextToken": token}
                                                                if token else {}))
        seen += [j["JobId"] for j in page["MediaAnalysisJobs"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [third, held, first]  # newest first
    with pytest.raises(ClientError) as exc:
        client.list_media_analysis_jobs(NextToken="bogus")
    assert error_code(exc) == "InvalidPaginationTokenException"
