"""Hostile clients of ``rekmock serve`` (issue 9, points 4, 5, 11 served, and 12-16): bodies
refused from their Content-Length, bounded chunked bodies, bounded connections, a prompt stop
whatever clients do, and no driving from foreign Host names or other origins.

Raw HTTP (http.client and sockets), since SDKs never send such requests.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rekmock.server.app import (
    IMAGE_COST,
    MAX_CONNECTIONS,
    MEMORY_BUDGET,
    STOP_GRACE,
    MemoryBudget,
    request_cost,
)
from rekmock.service.responses import MAX_REQUEST_BYTES

from .helpers import photo, serving
from .test_server import ServerProcess

pytestmark = pytest.mark.server

JSON_11 = "application/x-amz-json-1.1"
SIGNED = ("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/rekognition/aws4_request, "
          "SignedHeaders=host, Signature=0")


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with serving(tmp_path_factory.mktemp("hostile") / "serve.log") as proc:
        yield proc


def port(server: ServerProcess) -> int:
    return int(server.url.rsplit(":", 1)[1])


def request(server: ServerProcess, path: str = "/", body: bytes = b"{}",
            headers: dict[str, str] | None = None, host: str | None = None,
            method: str = "POST", target: str | None = "ListCollections",
            signed: bool = True) -> tuple[int, Any, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port(server), timeout=30)
    try:
        conn.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        sent = {"Content-Type": JSON_11, "Content-Length": str(len(body))}
        if signed:
            sent["Authorization"] = SIGNED
        if target:
            sent["X-Amz-Target"] = f"RekognitionService.{target}"
        sent.update(headers or {})
        for key, value in sent.items():
            conn.putheader(key, value)
        conn.endheaders(body)
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw.strip() else {}, response.headers
    finally:
        conn.close()


LIST_COLLECTIONS = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: RekognitionService."
                    b"ListCollections\r\nContent-Length: 2\r\n\r\n{}")


def _status_or_none(server: ServerProcess) -> int | None:
    """A ListCollections' status, or None when the server cut the connection (it was busy)."""
    try:
        return request(server)[0]
    except OSError:
        return None


def rss_mb(server: ServerProcess) -> float:
    status = Path(f"/proc/{server.proc.pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def raw_exchange(server: ServerProcess, data: bytes, half_close: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", port(server)), timeout=30) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while not answer.endswith(b"}"):  # every answer here is JSON, sent before the close
            data = sock.recv(4096)
            if not data:
                break
            answer += data
        return answer


# 4 and 5, served.
@pytest.mark.parametrize("body", [b'{"CollectionId":"fu\xff"}', b"[" * 100_000])
def test_unreadable_bodies_served(srv: ServerProcess, body: bytes) -> None:
    status, doc, _ = request(srv, body=body, target="CreateCollection")
    assert (status, doc["__type"]) == (400, "SerializationException")


def test_control_api_deep_json_is_a_400(srv: ServerProcess) -> None:
    status, doc, _ = request(srv, "/rekmock-api/set-face", b"[" * 100_000, target=None)
    assert status == 400 and "JSON" in doc["message"]


def test_gzip_served(srv: ServerProcess) -> None:
    status, doc, _ = request(srv, body=b"{}", headers={"Content-Encoding": "gzip"})
    assert (status, doc["__type"]) == (400, "SerializationException")
    bomb = gzip.compress(b" " * (MAX_REQUEST_BYTES + 1), 9)
    status, doc, _ = request(srv, body=bomb, headers={"Content-Encoding": "gzip"})
    assert (status, doc["__type"]) == (413, "RequestEntityTooLargeException")


# 11, served.
def test_control_set_face_validates_fields(srv: ServerProcess) -> None:
    image = base64.b64encode(photo("hopper.jpg")).decode()
    for fields in ({"BoundingBox": "x"}, {"Smile": "yes"}, {"Landmarks": 7}):
        body = json.dumps({"image": image, "fields": fields}).encode()
        status, doc, _ = request(srv, "/rekmock-api/set-face", body, target=None)
        assert status == 400 and "FaceDetail" in doc["message"]


# 12. Bodies over the limit are refused from the Content-Length, before they are read.
@pytest.mark.parametrize("path", ["/", "/rekmock-api/reset"])
def test_oversized_bodies_are_refused_unread(srv: ServerProcess, path: str) -> None:
    before = rss_mb(srv)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: "
            f"RekognitionService.ListCollections\r\nContent-Length: {8 * MAX_REQUEST_BYTES}"
            "\r\n\r\n").encode()
    answer = raw_exchange(srv, head + b"x" * 1_000_000)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"RequestEntityTooLargeException"' in answer or path != "/"
    assert b"exceeds the limit" in answer
    assert rss_mb(srv) - before < 50


def test_largest_accepted_body(srv: ServerProcess) -> None:
    """A body just under the limit is read and answered (here: a validation error)."""
    body = json.dumps({"CollectionId": "x" * (MAX_REQUEST_BYTES - 100)}).encode()
    status, doc, _ = request(srv, body=body, target="CreateCollection")
    assert (status, doc["__type"]) == (400, "ValidationException")


# 13. Chunked bodies are bounded; a normal chunked body works.
def test_chunked_bodies(srv: ServerProcess) -> None:
    before = rss_mb(srv)
    hostile = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: RekognitionService."
               b"ListCollections\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFF\r\nabc")
    answer = raw_exchange(srv, hostile, half_close=True)
    assert answer.split(b" ")[1] in (b"400", b"413")
    assert b'"SerializationException"' in answer or b'"RequestEntityTooLargeException"' in answer
    time.sleep(1.0)
    assert rss_mb(srv) - before < 2 * MAX_REQUEST_BYTES / 2**20
    body = json.dumps({"CollectionId": "chunked"}).encode()
    fine = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: RekognitionService."
            b"CreateCollection\r\nContent-Type: application/x-amz-json-1.1\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
    head, _, answer = raw_exchange(srv, fine).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(answer)["CollectionArn"].endswith(":collection/chunked")


# Routing: a request is Rekognition's when X-Amz-Target says so, whatever else it carries.
@pytest.mark.parametrize(("name", "extra", "host"), [
    ("unsigned", {}, "localhost:4566"),
    ("signed-for-s3", {"Authorization": SIGNED.replace("/rekognition/", "/s3/")}, None),
    ("text-plain", {"Content-Type": "text/plain"}, None),
    ("form", {"Content-Type": "application/x-www-form-urlencoded"}, "s3.localhost"),
])
def test_rekognition_target_reaches_rekognition(srv: ServerProcess, name: str,
                                                extra: dict[str, str], host: str | None) -> None:
    body = json.dumps({"CollectionId": name}).encode()
    status, doc, headers = request(srv, body=body, target="CreateCollection", signed=False,
                                   headers=extra, host=host)
    assert status == 200, doc
    assert doc["CollectionArn"] == f"aws:rekognition:us-east-1:123456789012:collection/{name}"
    assert doc["StatusCode"] == 200 and doc["FaceModelVersion"] == "7.0"
    assert headers["Content-Type"] == JSON_11


def test_unplaceable_unsigned_target_gets_an_aws_error(srv: ServerProcess) -> None:
    """An unsigned JSON call moto cannot place is not S3's: AWS's answer to unsigned calls."""
    status, doc, headers = request(srv, target=None, signed=False,
                                   headers={"X-Amz-Target": "NoSuchService_20200101.DoIt"})
    assert (status, doc) == (403, {"__type": "MissingAuthenticationTokenException",
                                   "message": "Missing Authentication Token"})
    assert headers["Content-Type"] == JSON_11
    assert "ListAllMyBucketsResult" not in json.dumps(doc)


# Answers on the wire: the service's headers, and CORS only for the page's own origin.
def test_served_answers_carry_the_services_headers(srv: ServerProcess) -> None:
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    ok = request(srv)
    failed = request(srv, body=b'{"CollectionId": "nope"}', target="DescribeCollection")
    assert (ok[0], ok[1]) == (200, {"CollectionIds": ok[1]["CollectionIds"],
                                    "FaceModelVersions": ok[1]["FaceModelVersions"]})
    assert (failed[0], failed[1]["__type"]) == (400, "ResourceNotFoundException")
    for _, _, headers in (ok, failed):
        assert headers["Content-Type"] == JSON_11
        assert uuid.fullmatch(headers["x-amzn-RequestId"])
        assert headers.get("status") is None
        assert not [h for h in headers if h.lower().startswith("access-control-")]


def test_cors_is_granted_to_the_pages_own_origin_only(srv: ServerProcess) -> None:
    page = "http://localhost:3000"
    status, doc, headers = request(srv, headers={"Origin": page})
    assert status == 200 and "CollectionIds" in doc
    assert headers["Access-Control-Allow-Origin"] == page and headers["Vary"] == "Origin"
    assert "x-amzn-RequestId" in headers["Access-Control-Expose-Headers"]
    status, doc, headers = request(srv, "/", b"", {
        "Origin": page, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-amz-target,content-type"}, method="OPTIONS",
        target=None, signed=False)
    assert (status, doc) == (200, {})
    assert headers["Access-Control-Allow-Origin"] == page
    assert headers["Access-Control-Allow-Headers"] == "x-amz-target,content-type"
    assert headers["Access-Control-Allow-Methods"] == "POST"
    listed = request(srv)[1]["CollectionIds"]
    assert request(srv, headers={"Origin": page})[1]["CollectionIds"] == listed  # ran nothing


# 15. Connections are bounded: idle ones hold no more than MAX_CONNECTIONS threads.
def test_connections_are_bounded(srv: ServerProcess) -> None:
    idle = [socket.create_connection(("127.0.0.1", port(srv)), timeout=10)
            for _ in range(MAX_CONNECTIONS + 40)]
    try:
        time.sleep(1.0)
        threads = len(os.listdir(f"/proc/{srv.proc.pid}/task"))
        assert threads <= MAX_CONNECTIONS + 8
        # One send: the busy answer comes at once and the socket closes, so a body sent
        # after the headers could find it closed.
        head, _, body = raw_exchange(srv, LIST_COLLECTIONS).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 ")
        assert json.loads(body)["__type"] == "ThrottlingException"
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _status_or_none(srv) != 200:
        time.sleep(0.1)  # the accept loop may still be turning queued connections away
    status, doc, _ = request(srv)
    assert status == 200 and isinstance(doc["CollectionIds"], list)



def test_memory_in_flight_is_budgeted() -> None:
    """Bounded connections alone still let 64 big requests run at once: each reserves its body
    (a chunked one the whole limit) and IMAGE_COST per image, and waits while over the budget."""
    small = {"CONTENT_LENGTH": "100", "HTTP_X_AMZ_TARGET": "RekognitionService.CompareFaces"}
    assert request_cost(small) == 100 + 2 * IMAGE_COST
    assert request_cost({"CONTENT_LENGTH": "7"}) == 7
    assert request_cost({"wsgi.input_terminated": True}) == MAX_REQUEST_BYTES
    budget = MemoryBudget(MEMORY_BUDGET)
    held = budget.acquire(MEMORY_BUDGET - IMAGE_COST)
    order: list[str] = []
    waiter = threading.Thread(target=lambda: order.append(f"got {budget.acquire(2 * IMAGE_COST)}"))
    waiter.start()
    time.sleep(0.3)
    order.append("released")
    budget.release(held)
    waiter.join(timeout=5)
    assert order == ["released", f"got {2 * IMAGE_COST}"]
    assert budget.acquire(MEMORY_BUDGET, timeout=0.2) is None  # a 503, not a hang
    budget.release(2 * IMAGE_COST)
    assert budget.acquire(10 * MEMORY_BUDGET) == MEMORY_BUDGET  # fits once nothing else runs

# 16. Foreign Host names and other origins are refused.
@pytest.mark.parametrize("host", ["evil.example", "rebind.attacker.test:80", "127.0.0.1.nip.io"])
def test_foreign_host_names_are_refused(srv: ServerProcess, host: str) -> None:
    status, doc, _ = request(srv, host=host)
    assert (status, doc["__type"]) == (403, "AccessDeniedException")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:1", "[::1]:5000"])
def test_loopback_host_names_are_served(srv: ServerProcess, host: str) -> None:
    status, doc, _ = request(srv, host=host)
    assert status == 200 and isinstance(doc["CollectionIds"], list)


def test_cross_origin_requests_are_refused(srv: ServerProcess) -> None:
    evil = {"Origin": "http://evil.example", "Content-Type": "text/plain"}
    status, doc, headers = request(srv, "/rekmock-api/reset", b"{}", evil, target=None)
    assert status == 403 and "cross-origin" in doc["message"]
    assert headers.get("Access-Control-Allow-Origin") is None
    status, _, headers = request(srv, "/", b"", {
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-amz-target"}, method="OPTIONS")
    assert status == 403 and headers.get("Access-Control-Allow-Origin") is None
    status, _, _ = request(srv, body=b"{}", headers={"Origin": "http://evil.example"})
    assert status == 403
    status, _, _ = request(srv, "/rekmock-api/reset", b"{}",
                           {"Sec-Fetch-Site": "cross-site"}, target=None)
    assert status == 403
    same = {"Origin": srv.url}
    assert request(srv, "/rekmock-api/reset", b"{}", same, target=None)[:2] == (200, {})


# 14. SIGTERM stops the server within a few seconds whatever the clients do.
def test_sigterm_with_half_sent_requests(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "serve.log")
    held = []
    try:
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", port(proc)), timeout=10)
            sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: "
                         b"RekognitionService.ListCollections\r\nContent-Length: 100\r\n\r\n{")
            held.append(sock)
        idle = socket.create_connection(("127.0.0.1", port(proc)), timeout=10)
        held.append(idle)
        time.sleep(0.5)
        started = time.monotonic()
        assert proc.stop(signal.SIGTERM) == 0
        assert time.monotonic() - started < STOP_GRACE + 3
    finally:
        for sock in held:
            sock.close()
    log = proc.log()
    assert "Traceback" not in log and log.rstrip().endswith("rekmock: stopped")
