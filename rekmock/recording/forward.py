"""The call to the upstream: signed with the caller's AWS credentials, sent around moto.

Inside ``mock_aws`` moto replaces ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` with fake ones
and answers every botocore request (its ``before-send`` handler) and every ``requests`` call
itself. So the credentials are resolved before a mock starts (when a recording mock is made, or
when pytest starts with ``--rekmock-record``) and kept for the process; the request is signed
with botocore's ``SigV4Auth`` and sent with ``urllib``, which moto does not patch (proxies from
``HTTPS_PROXY`` apply as usual).
"""

from __future__ import annotations

import http.client
import os
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

SERVICE = "rekognition"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "RekognitionService"
TIMEOUT = 60.0  # seconds for one upstream call (an IndexFaces of a big photo takes a few)
MOTO_FAKE_KEY = "FOOBARKEY"  # the access key moto puts in the environment inside mock_aws
# Answer headers passed back to the caller (the rest belong to the connection).
PASSED_HEADERS = ("Content-Type", "x-amzn-RequestId", "x-amzn-ErrorType")

_credentials: Any = None
_lock = threading.Lock()


class NoCredentials(RuntimeError):
    """No real AWS credentials to sign the upstream calls with."""


def _resolve() -> Any:
    import botocore.exceptions
    import botocore.session

    found = botocore.session.Session().get_credentials()
    if found is not None and found.access_key == MOTO_FAKE_KEY:
        # Inside mock_aws: a named profile still leads to the user's own credentials (an
        # explicit profile makes botocore skip the environment moto changed).
        try:
            found = botocore.session.Session(
                profile=os.environ.get("AWS_PROFILE") or "default").get_credentials()
        except botocore.exceptions.ProfileNotFound:
            found = None
    if found is None or found.access_key == MOTO_FAKE_KEY:
        raise NoCredentials(
            "recording needs real AWS credentials, found as botocore finds them (AWS_PROFILE, "
            "AWS_ACCESS_KEY_ID, SSO, ...); inside mock_aws moto hides them: create the "
            "recording mock (or pass --rekmock-record) before any mock_aws starts")
    return found


def credentials() -> Any:
    """The caller's botocore credentials, resolved once per process (see the module)."""
    global _credentials
    with _lock:
        if _credentials is None:
            _credentials = _resolve()
        return _credentials


def forget_credentials() -> None:
    """Resolve again on next use (tests; a changed profile)."""
    global _credentials
    with _lock:
        _credentials = None


def regional_endpoint(region: str) -> str:
    """The service's own endpoint for ``region``."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{SERVICE}.{region}.{suffix}"


@dataclass(frozen=True)
class Reply:
    """The upstream's answer, unchanged."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Upstream:
    """Where calls go (None: each region's own endpoint) and with which credentials."""

    url: str | None
    creds: Any

    def endpoint(self, region: str) -> str:
        return self.url or regional_endpoint(region)

    def send(self, operation: str, region: str, body: bytes) -> Reply:
        """POST one JSON 1.1 call, signed with SigV4 for ``region``."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        url = self.endpoint(region)
        request = AWSRequest(method="POST", url=url, data=body, headers={
            "Content-Type": JSON_CONTENT_TYPE, "X-Amz-Target": f"{TARGET_PREFIX}.{operation}"})
        SigV4Auth(self.creds.get_frozen_credentials(), SERVICE, region).add_auth(request)
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        outgoing = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(outgoing, timeout=TIMEOUT) as answer:  # noqa: S310
                return _reply(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as answer:
            with answer:
                return _reply(answer.code, answer.headers, answer.read())
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            from ..errors import UpstreamUnavailable

            reason = getattr(exc, "reason", None) or exc
            raise UpstreamUnavailable(url, str(reason)) from None


def _reply(status: int, headers: Any, body: bytes) -> Reply:
    kept = {name: headers[name] for name in PASSED_HEADERS if headers.get(name) is not None}
    return Reply(int(status), kept, body)
