"""Custom Labels projects and their policies: CreateProject, DescribeProjects, DeleteProject,
PutProjectPolicy, ListProjectPolicies, DeleteProjectPolicy (rules in
:mod:`rekmock.backend.custom_labels`)."""

from __future__ import annotations

from typing import Any

from ...backend.custom_labels import CUSTOM_LABELS, PAGE
from ..context import Context
from . import operation, paged

POLICY_PAGE = 5  # ListProjectPolicies' default and largest page


@operation("CreateProject")
def create_project(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    arn = ctx.backend.custom_labels.create_project(
        params["ProjectName"], params.get("Feature", CUSTOM_LABELS), params.get("AutoUpdate"),
        params.get("Tags", {}), ctx.partition)
    return {"ProjectArn": arn}


@operation("DescribeProjects")
def describe_projects(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    projects, token = ctx.backend.custom_labels.describe_projects(
        params.get("ProjectNames"), params.get("Features", [CUSTOM_LABELS]),
        params.get("NextToken"), params.get("MaxResults", PAGE))
    return paged("ProjectDescriptions", projects, token)


@operation("DeleteProject")
def delete_project(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"Status": ctx.backend.custom_labels.delete_project(params["ProjectArn"])}


@operation("PutProjectPolicy")
def put_project_policy(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    revision = ctx.backend.custom_labels.put_policy(
        params["ProjectArn"], params["PolicyName"], params.get("PolicyRevisionId"),
        params["PolicyDocument"])
    return {"PolicyRevisionId": revision}


@operation("ListProjectPolicies")
def list_project_policies(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    policies, token = ctx.backend.custom_labels.list_policies(
        params["ProjectArn"], params.get("NextToken"), params.get("MaxResults", POLICY_PAGE))
    return paged("ProjectPolicies", policies, token)


@operation("DeleteProjectPolicy")
def delete_project_policy(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.backend.custom_labels.delete_policy(params["ProjectArn"], params["PolicyName"],
                                            params.get("PolicyRevisionId"))
    return {}
