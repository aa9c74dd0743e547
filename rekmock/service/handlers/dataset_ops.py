"""Custom Labels datasets: CreateDataset, DescribeDataset, DeleteDataset, ListDatasetEntries,
ListDatasetLabels, UpdateDatasetEntries, DistributeDatasetEntries (rules in
:mod:`rekmock.backend.custom_labels`, manifests in :mod:`rekmock.backend.ground_truth`)."""

from __future__ import annotations

from typing import Any

from ...backend import ground_truth
from ...backend.custom_labels import PAGE
from ...errors import InvalidParameterException
from ...faces.intake import read_s3
from ..context import Context
from . import operation, paged


@operation("CreateDataset")
def create_dataset(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """From a Ground Truth manifest in S3 (a missing object is InvalidS3ObjectException, a name
    without a file extension a failed dataset), from another dataset, or empty."""
    state = ctx.backend.custom_labels
    source = params.get("DatasetSource", {})
    manifest = source.get("GroundTruthManifest")
    if manifest is not None and "DatasetArn" in source:
        raise InvalidParameterException()
    lines: list[ground_truth.Line] | None = []
    if manifest is not None:
        s3object = manifest.get("S3Object")
        if s3object is None:
            raise InvalidParameterException()
        state.project_for_dataset(params["ProjectArn"])
        data = read_s3(s3object, ctx.account_id, ctx.partition)
        named = "." in s3object["Name"].rsplit("/", 1)[-1]
        lines = ground_truth.parse(data) if named else None
    arn = state.create_dataset(params["ProjectArn"], params["DatasetType"], lines,
                               source.get("DatasetArn"), params.get("Tags", {}), ctx.partition)
    return {"DatasetArn": arn}


@operation("DescribeDataset")
def describe_dataset(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"DatasetDescription": ctx.backend.custom_labels.describe_dataset(
        params["DatasetArn"])}


@operation("DeleteDataset")
def delete_dataset(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.backend.custom_labels.delete_dataset(params["DatasetArn"])
    return {}


@operation("ListDatasetEntries")
def list_dataset_entries(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    entries, token = ctx.backend.custom_labels.list_entries(
        params["DatasetArn"], params.get("ContainsLabels"), params.get("Labeled"),
        params.get("SourceRefContains"), params.get("HasErrors"), params.get("NextToken"),
        params.get("MaxResults", PAGE))
    return paged("DatasetEntries", entries, token)


@operation("ListDatasetLabels")
def list_dataset_labels(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    labels, token = ctx.backend.custom_labels.list_labels(
        params["DatasetArn"], params.get("NextToken"), params.get("MaxResults", PAGE))
    return paged("DatasetLabelDescriptions", labels, token)


@operation("UpdateDatasetEntries")
def update_dataset_entries(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    lines = ground_truth.parse(params["Changes"]["GroundTruth"])
    ctx.backend.custom_labels.update_entries(params["DatasetArn"], lines)
    return {}


@operation("DistributeDatasetEntries")
def distribute_dataset_entries(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.backend.custom_labels.distribute([d["Arn"] for d in params["Datasets"]])
    return {}
