"""StartMediaAnalysisJob, GetMediaAnalysisJob and ListMediaAnalysisJobs (bulk analysis).

A Start reads the input manifest from moto's S3 (JSON lines ``{"source-ref": "s3://bucket/key"}``)
and runs DetectModerationLabels (the only operation the model's OperationsConfig offers) on each
image there and then, as ``moderation_ops.detect`` answers it. It writes, under the output
bucket and ``S3KeyPrefix``:

- ``<prefix><JobId>/results.jsonl``: one line per analysed image, ``{"source-ref": ...,
  "detect-moderation-labels": {ModerationLabels, ModerationModelVersion, ContentTypes}}``;
- ``<prefix><JobId>/manifest-summary.json``: ``version`` 1.0, ``statistics`` (total-json-lines,
  valid-json-lines, invalid-json-lines) and ``errors`` (line-numer, source-ref when read, code,
  message), the developer guide's format, down to its key ``line-numer``.

(The guide documents the files' content, not their names: Results.S3Object and
ManifestSummary.S3Object say where they are.) A missing manifest object is
InvalidS3ObjectException and an empty manifest InvalidManifestException, both at Start; an output
bucket that does not exist fails the job (INVALID_OUTPUT_CONFIG), and so does a manifest without
one valid line (INVALID_MANIFEST). Jobs finish at Start; ``hold_video_jobs`` holds them
IN_PROGRESS for their first Gets too.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ...backend.analysis import FAILED, SUCCEEDED, MediaAnalysisJob, write_s3
from ...errors import InvalidManifestException, RekognitionError
from ...faces.intake import read_s3
from ..context import Context
from . import operation, paged
from .moderation_ops import MIN_CONFIDENCE, MODERATION_MODEL_VERSION, detect

DEFAULT_PAGE = 100  # ListMediaAnalysisJobs' largest page, and its size without MaxResults
SUMMARY_VERSION = "1.0"
S3_PREFIX = "s3://"


def _source(line: str) -> tuple[str | None, dict[str, str] | None, str | None]:
    """(source-ref, its S3Object, error message) of one manifest line."""
    try:
        doc = json.loads(line)
    except ValueError:
        return None, None, "The line is not valid JSON."
    ref = doc.get("source-ref") if isinstance(doc, dict) else None
    if not isinstance(ref, str):
        return None, None, "The line has no source-ref."
    bucket, _, key = ref[len(S3_PREFIX):].partition("/")
    if not ref.startswith(S3_PREFIX) or not bucket or not key:
        return ref, None, "The source-ref is not an s3://bucket/key location."
    return ref, {"Bucket": bucket, "Name": key}, None


def _analyse(ctx: Context, manifest: str, min_confidence: float
             ) -> tuple[list[str], dict[str, Any], int]:
    """(result lines, manifest summary, number of images analysed)."""
    results, errors = [], []
    lines = [line for line in manifest.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        ref, s3object, problem = _source(line)
        error: dict[str, Any] = {"line-numer": number}  # sic: the guide's key
        if ref is not None:
            error["source-ref"] = ref
        if s3object is None:
            errors.append({**error, "code": "INVALID_MANIFEST", "message": problem})
            continue
        try:
            answer = detect(ctx, {"S3Object": s3object}, min_confidence)
        except RekognitionError as failed:
            errors.append({**error, "code": failed.code, "message": failed.message})
            continue
        results.append(json.dumps({"source-ref": ref, "detect-moderation-labels": answer},
                                  separators=(",", ":")))
    summary = {
        "version": SUMMARY_VERSION,
        "statistics": {"total-json-lines": len(lines), "valid-json-lines": len(results),
                       "invalid-json-lines": len(lines) - len(results)},
        "errors": errors,
    }
    return results, summary, len(results)


@operation("StartMediaAnalysisJob")
def start_media_analysis_job(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    state = ctx.backend.analysis
    token = params.get("ClientRequestToken")
    request = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    repeated = state.job_for_token(token, request)
    if repeated is not None:
        return {"JobId": repeated}
    manifest = read_s3(params["Input"]["S3Object"], ctx.account_id, ctx.partition)
    text = manifest.decode("utf-8", errors="replace")
    if not text.strip():
        raise InvalidManifestException()
    config = params["OperationsConfig"].get("DetectModerationLabels", {})
    job = MediaAnalysisJob(ctx.backend.ids.new("media-analysis-job"), request, time.time(),
                           polls_left=ctx.backend.video.hold_polls)
    results, summary, analysed = _analyse(ctx, text, config.get("MinConfidence", MIN_CONFIDENCE))
    output = params["OutputConfig"]
    base = f"{output.get('S3KeyPrefix', '')}{job.job_id}/"
    written = write_s3(ctx.account_id, ctx.partition, output["S3Bucket"],
                       f"{base}results.jsonl", "".join(r + "\n" for r in results).encode())
    if written is None:
        job.status, job.failure = FAILED, {
            "Code": "INVALID_OUTPUT_CONFIG",
            "Message": f"The output bucket {output['S3Bucket']} does not exist."}
    else:
        summary_at = write_s3(ctx.account_id, ctx.partition, output["S3Bucket"],
                              f"{base}manifest-summary.json", json.dumps(summary).encode())
        job.summary = {"S3Object": summary_at}
        if analysed == 0:
            job.status, job.failure = FAILED, {
                "Code": "INVALID_MANIFEST",
                "Message": "No line of the input manifest names an image that could be analysed."}
        else:
            job.status = SUCCEEDED
            job.results = {"S3Object": written,
                           "ModelVersions": {"Moderation": MODERATION_MODEL_VERSION}}
    job.completed = time.time()
    return {"JobId": state.add_job(job, token).job_id}


def _description(job: MediaAnalysisJob, status: str) -> dict[str, Any]:
    out: dict[str, Any] = {"JobId": job.job_id}
    for name in ("JobName", "OperationsConfig"):
        if name in job.request:
            out[name] = job.request[name]
    out["Status"] = status
    final = status in (SUCCEEDED, FAILED)
    if final and job.failure is not None:
        out["FailureDetails"] = job.failure
    out["CreationTimestamp"] = job.created
    if final and job.completed is not None:
        out["CompletionTimestamp"] = job.completed
    out["Input"] = job.request["Input"]
    out["OutputConfig"] = job.request["OutputConfig"]
    if "KmsKeyId" in job.request:
        out["KmsKeyId"] = job.request["KmsKeyId"]
    if final and job.results is not None:
        out["Results"] = job.results
    if final and job.summary is not None:
        out["ManifestSummary"] = job.summary
    return out


@operation("GetMediaAnalysisJob")
def get_media_analysis_job(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    job, status = ctx.backend.analysis.poll(params["JobId"])
    return _description(job, status)


@operation("ListMediaAnalysisJobs")
def list_media_analysis_jobs(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    size = min(params.get("MaxResults", DEFAULT_PAGE), DEFAULT_PAGE)
    jobs, token = ctx.backend.analysis.list_jobs(params.get("NextToken"), size)
    return paged("MediaAnalysisJobs", [_description(j, s) for j, s in jobs], token)
