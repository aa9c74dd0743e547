"""Face Liveness: CreateFaceLivenessSession and GetFaceLivenessSessionResults.

The video stream runs between the user's browser and the service, so a test scripts the
outcome (``RekognitionState.complete_liveness``). A session and all its data expire
``LIVENESS_TTL_SECONDS`` after creation; face boxes of the returned images are measured.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from ...errors import RekognitionError
from ...faces.analysis import faces_of
from ..context import Context
from . import operation

_SESSION_NAMESPACE = uuid.UUID("0c7f5a8e-3b1d-4e62-9f0a-6d2c8b4e1a73")


class SessionNotFoundException(RekognitionError):
    code = "SessionNotFoundException"
    message = "Session not found."


@operation("CreateFaceLivenessSession")
def create_face_liveness_session(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    new_id = str(uuid.uuid5(_SESSION_NAMESPACE, ctx.backend.ids.new("liveness")))
    session_id = ctx.backend.video.create_session(params.get("ClientRequestToken"), new_id,
                                                  params)
    return {"SessionId": session_id}


def _audit_image(ctx: Context, data: bytes, stored: dict[str, Any] | None) -> dict[str, Any]:
    # The JSON protocol carries blobs as base64 text.
    out: dict[str, Any] = (
        {"S3Object": stored} if stored is not None else {"Bytes": base64.b64encode(data).decode()}
    )
    faces = faces_of(ctx.image({"Bytes": data}), ctx.scripts)
    if faces:
        out["BoundingBox"] = faces[0].bounding_box()
    return out


@operation("GetFaceLivenessSessionResults")
def get_face_liveness_session_results(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    session = ctx.backend.video.session(params["SessionId"])
    if session is None:
        raise SessionNotFoundException()
    out: dict[str, Any] = {"SessionId": session.session_id}
    if session.expired():
        return {**out, "Status": "EXPIRED"}
    out["Status"] = session.status
    if session.status != "SUCCEEDED":
        return out
    out["Confidence"] = session.confidence
    if session.reference is not None:
        out["ReferenceImage"] = _audit_image(ctx, session.reference,
                                             session.stored.get("reference"))
    out["AuditImages"] = [
        _audit_image(ctx, data, session.stored.get(f"audit_{i}"))
        for i, data in enumerate(session.audit)
    ]
    return out
