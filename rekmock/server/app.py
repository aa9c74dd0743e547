"""``rekmock serve``: rekmock's Rekognition, moto's other services and the control API on one port.

moto's own server (``DomainDispatcherApplication``) routes each request to a per-service app that
it builds from ``moto.backends.get_backend``, so installing rekmock before the first request is
all it takes for Rekognition to be rekmock's; S3 and everything else stay moto's, sharing one
state, which is what clients passing ``S3Object`` images need. In front of it sit the control API
(``/rekmock-api/...``, see :mod:`rekmock.control`) and a one-line-per-request log.

The server is werkzeug's development server, hardened for a developer's machine: a request body
over :data:`MAX_REQUEST_BYTES` is refused from its Content-Length before it is read (chunked bodies
are read up to the limit only), at most :data:`MAX_CONNECTIONS` connections are served at once
(more get a 503 at once), big bodies and images wait for a :data:`MEMORY_BUDGET`, a silent
connection is dropped after :data:`SOCKET_TIMEOUT`, and a stop waits :data:`STOP_GRACE` seconds for
requests in flight, then cuts the rest. Only Host names of the bound address are served (no DNS
rebinding), and a browser page from another origin is refused (no cross-site driving of the API or
the control API).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import io
import ipaddress
import json
import logging
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..botocore_model import service_model
from ..mock import hold, release
from ..service.responses import MAX_REQUEST_BYTES
from . import control_api

log = logging.getLogger("rekmock.server")

Environ = dict[str, Any]

MAX_CONNECTIONS = 64  # connections served at once (one thread each)
# Memory in flight, in body-byte units: a request reserves its body size (a chunked one the
# whole limit) and an image operation IMAGE_COST more per image; others wait while the sum would
# pass MEMORY_BUDGET. Measured: a 32 MB body costs ~260 MB through moto's copies, detecting
# faces on a 16 MP image ~100 MB (more as the heap fragments): one largest body, or two images,
# at a time.
IMAGE_COST = MAX_REQUEST_BYTES // 2
MEMORY_BUDGET = MAX_REQUEST_BYTES
SOCKET_TIMEOUT = 20.0  # seconds a connection may stay silent (idle keep-alive or half-sent)
STOP_GRACE = 5.0  # seconds requests in flight get to finish when the server stops
CUT_WAIT = 1.0  # seconds the workers of cut connections get to finish their last log line
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
PREFLIGHT_MAX_AGE = 600  # seconds a browser may keep a granted preflight
# Response headers a page's SDK reads (the JS SDK's request id and error type).
EXPOSED_HEADERS = "x-amzn-RequestId, x-amzn-ErrorType, x-amz-request-id, x-amz-id-2, ETag"
_JSON_11 = "application/x-amz-json-1.1"
_CHUNK = 64 * 1024
_BUSY = ("503 Service Unavailable", "ThrottlingException",
         "Too many large requests in flight; retry later")
_TOO_LARGE = ("413 Request Entity Too Large", "RequestEntityTooLargeException",
              f"Request body exceeds the limit of {MAX_REQUEST_BYTES} bytes")


def _host_name(value: str) -> str:
    """``host[:port]`` or ``[v6]:port`` -> the bare lower-case name."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostPolicy:
    """Which Host and Origin names reach the server: those of the address it is bound to.

    A browser resolving an attacker's name to 127.0.0.1 (DNS rebinding) still sends that name
    as Host, and a page from another site sends its Origin: both are refused. IP literals can
    not be rebound; a server bound to every interface accepts any of them.
    """

    def __init__(self, bound_host: str) -> None:
        bound = _host_name(bound_host)
        self.any_ip = bound in ("", "0.0.0.0", "::")
        self.names = {*_LOOPBACK_NAMES, bound}

    def allows(self, name: str) -> bool:
        name = _host_name(name)
        if name in self.names or name.endswith(".localhost"):
            return True
        return self.any_ip and _is_ip(name)

    def refusal(self, environ: Environ) -> str | None:
        host = environ.get("HTTP_HOST")
        if host and not self.allows(host):
            return f"Host {host!r} is not served (rekmock serves its own address only)"
        origin = environ.get("HTTP_ORIGIN")
        if origin and origin != "null":
            if not self.allows(urlsplit(origin).netloc or origin):
                return f"cross-origin request from {origin!r} refused"
        elif origin == "null" or environ.get("HTTP_SEC_FETCH_SITE") == "cross-site":
            return "cross-origin request refused"
        return None


def _content_length(environ: Environ) -> int | None:
    raw = environ.get("CONTENT_LENGTH") or ""
    if not raw:
        return None
    try:
        length = int(raw)
    except ValueError:
        return -1
    return length if length >= 0 else -1


def _read_chunked(environ: Environ) -> bytes | None:
    """A chunked body read up to the limit (None: over it). werkzeug's dechunker trusts the
    chunk header, so an early end of stream yields short reads or nothing: both stop here."""
    stream = environ["wsgi.input"]
    parts: list[bytes] = []
    total = 0
    while total <= MAX_REQUEST_BYTES:
        data = stream.read(_CHUNK)
        if not data:
            return b"".join(parts)
        parts.append(data)
        total += len(data)
    return None


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None elsewhere (musl, macOS)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
        return trim
    except (OSError, AttributeError):
        return None


_trim = _malloc_trim()


def trim_heap() -> None:
    """Give freed heap pages back to the OS after a big request: glibc keeps them in per-thread
    arenas otherwise, and peaks of successive big requests pile up."""
    if _trim is not None:
        _trim(0)


class MemoryBudget:
    """Reservations against a fixed capacity; ``acquire`` waits until one fits."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self._changed = threading.Condition()

    def acquire(self, amount: int, timeout: float | None = None) -> int | None:
        """Reserve ``amount`` (at most the capacity); None if it did not fit within ``timeout``
        (slow clients trickling big bodies must not make everyone else wait for ever)."""
        amount = min(amount, self.capacity)
        with self._changed:
            if not self._changed.wait_for(lambda: self.used + amount <= self.capacity, timeout):
                return None
            self.used += amount
        return amount

    def release(self, amount: int) -> None:
        with self._changed:
            self.used -= amount
            self._changed.notify_all()


@functools.cache
def _target_prefix() -> str:
    """``RekognitionService.``: what every Rekognition ``X-Amz-Target`` starts with."""
    return str(service_model().metadata["targetPrefix"]) + "."


@functools.cache
def _images_of(target: str) -> int:
    """How many images a Rekognition operation's request carries (CompareFaces: two)."""
    model = service_model()
    prefix = _target_prefix()
    name = target[len(prefix):] if target.startswith(prefix) else ""
    if name not in model.operation_names:
        return 0
    shape = model.operation_model(name).input_shape
    members = shape.members.values() if shape is not None else []
    return sum(1 for member in members if member.name == "Image")


def request_cost(environ: Environ) -> int:
    """What a request reserves from the :class:`MemoryBudget` before its body is read."""
    length = _content_length(environ)
    body = MAX_REQUEST_BYTES if length is None and environ.get("wsgi.input_terminated") else (
        length or 0)
    return body + IMAGE_COST * _images_of(environ.get("HTTP_X_AMZ_TARGET") or "")


def operation_name(environ: Environ) -> str:
    """What a request is, for the log: the operation for JSON services, else service+method+path."""
    path = environ.get("PATH_INFO", "") or "/"
    method = environ.get("REQUEST_METHOD", "")
    if control_api.is_control_path(path):
        return f"rekmock-api {method} {path}"
    if path.startswith("/moto-api"):
        return f"moto-api {method} {path}"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    service = "?"
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            service = scope[3]
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if action:
        return f"{service} {action[0]}"
    return f"{service} {method} {path}"


class _Logged:
    """The response body, logging the request's line once the server has sent it."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self._body = body
        self._done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


class RekmockApp:
    """WSGI app: the control API under /rekmock-api, moto (with rekmock installed) for the rest."""

    def __init__(
        self, log_line: Callable[[str], None] | None = None, hosts: HostPolicy | None = None
    ) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.hosts = hosts
        self.in_flight = 0  # requests between arrival and their last byte sent
        self.memory = MemoryBudget(MEMORY_BUDGET)
        self._in_flight_lock = threading.Lock()

        hold()  # before moto builds its Rekognition app, on the first request; see close()
        self._held = True
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.log_line = log_line or log.info

    def close(self) -> None:
        """Stop routing moto's Rekognition to rekmock for this app (once it has stopped serving),
        so an in-process server does not change what later ``mock_aws`` blocks see."""
        if self._held:
            self._held = False
            release()

    def foreign(self, environ: Environ) -> str | None:
        """Why the request's Host or Origin is not served (:class:`HostPolicy`), else None."""
        return self.hosts.refusal(environ) if self.hosts is not None else None

    def refusal(self, environ: Environ, foreign: str | None) -> tuple[str, str, str] | None:
        """(status line, error code, message) for a request not to be served, else None;
        from the headers alone (``foreign``: :meth:`foreign`'s answer), without reading the
        body."""
        if foreign:
            return "403 Forbidden", "AccessDeniedException", foreign
        length = _content_length(environ)
        if length is not None and length < 0:
            return "400 Bad Request", "SerializationException", "invalid Content-Length"
        if length is not None and length > MAX_REQUEST_BYTES:
            return _TOO_LARGE
        return None

    def route(self, environ: Environ) -> Callable[[Environ, Any], Iterable[bytes]]:
        """The app that answers a request: Rekognition's whenever ``X-Amz-Target`` names it.

        moto finds a request's service from its SigV4 credential scope and, for an unsigned
        request, guesses from the body and path, falling back to S3 (presigned and anonymous S3
        requests are unsigned). A JSON request is named by its target alone, signed or not, so
        it never goes to another service; an unsigned target that moto cannot place gets the
        answer AWS gives unsigned requests, not S3's."""
        from moto.moto_server.werkzeug_app import UNSIGNED_REQUESTS

        target = environ.get("HTTP_X_AMZ_TARGET") or ""
        if target.startswith(_target_prefix()):
            return self._rekognition_app()
        if target and not environ.get("HTTP_AUTHORIZATION") and (
                target.split(".", 1)[0] not in UNSIGNED_REQUESTS):
            return _error_app("403 Forbidden", "MissingAuthenticationTokenException",
                              "Missing Authentication Token")
        return self.moto

    def _rekognition_app(self) -> Any:
        """moto's Rekognition app (built once, as moto's dispatcher builds it)."""
        with self.moto.lock:
            app = self.moto.app_instances.get("rekognition")
            if app is None:
                app = self.moto.create_app("rekognition")
                self.moto.app_instances["rekognition"] = app
        return app

    @staticmethod
    def dechunk(environ: Environ) -> tuple[str, str, str] | None:
        """Read a chunked body (up to the limit) so what runs next sees a Content-Length."""
        if _content_length(environ) is None and environ.get("wsgi.input_terminated"):
            try:
                body = _read_chunked(environ)
            except Exception:  # werkzeug's ClientDisconnected, a bad chunk size...
                return "400 Bad Request", "SerializationException", "invalid chunked body"
            if body is None:
                return _TOO_LARGE
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("wsgi.input_terminated", None)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return None

    def __call__(self, environ: Environ, start_response: Any) -> Iterable[bytes]:
        started = time.perf_counter()
        name = operation_name(environ)
        status: list[str] = []

        # CORS grants go to a served page's origin; a refused one gets none.
        foreign = self.foreign(environ)
        origin = None if foreign else environ.get("HTTP_ORIGIN")

        def recording_start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, cors_headers(headers, origin), exc_info)

        with self._in_flight_lock:
            self.in_flight += 1
        reserved = [0]

        def done() -> None:
            self.memory.release(reserved[0])
            if reserved[0] >= IMAGE_COST:
                trim_heap()
            with self._in_flight_lock:
                self.in_flight -= 1
            ms = (time.perf_counter() - started) * 1000.0
            self.log_line(f"{name} {status[-1] if status else '-'} {ms:.1f} ms")

        path = environ.get("PATH_INFO", "")
        control = control_api.is_control_path(path)
        try:
            refused = self.refusal(environ, foreign)
            if refused is None:
                got = self.memory.acquire(request_cost(environ), SOCKET_TIMEOUT)
                reserved[0] = got or 0
                refused = _BUSY if got is None else self.dechunk(environ)
        except BaseException:
            done()
            raise
        if refused is not None:
            status_line, code, message = refused
            log.warning("%s refused: %s", name, message)
            doc = {"message": message} if control else {"__type": code, "message": message}
            payload = json.dumps(doc).encode()
            recording_start_response(status_line, [
                ("Content-Type", "application/json" if control else _JSON_11),
                ("Content-Length", str(len(payload))),
            ])
            return _Logged([payload], done)
        app: Callable[[Environ, Any], Iterable[bytes]]
        if is_preflight(environ):
            app = _preflight_app
        else:
            app = control_api.wsgi_app if control else self.route(environ)
        try:
            body = app(environ, recording_start_response)
        except Exception as exc:  # a bug or a gap below us: one log line, a JSON error
            log.error("%s failed: %s: %s", name, type(exc).__name__, exc)
            # 501 for what moto has not implemented: SDKs retry a 500, not a 501.
            missing = isinstance(exc, NotImplementedError)
            payload = json.dumps({
                "__type": "NotImplemented" if missing else "InternalFailure",
                "message": f"{type(exc).__name__}: {exc}",
            }).encode()
            recording_start_response(
                "501 Not Implemented" if missing else "500 Internal Server Error",
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            body = [payload]
        return _Logged(body, done)


def is_preflight(environ: Environ) -> bool:
    """A browser's CORS preflight for a JSON call (they all post to ``/``); S3's preflights,
    to bucket paths, stay moto's."""
    return (environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get("PATH_INFO") in ("", "/")
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
            and bool(environ.get("HTTP_ORIGIN")))


def _preflight_app(environ: Environ, start_response: Any) -> list[bytes]:
    """Grant what a same-machine page asks (other origins never get this far: HostPolicy)."""
    headers = [("Content-Length", "0"), ("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE)),
               ("Access-Control-Allow-Methods", environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"])]
    asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    if asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    start_response("200 OK", headers)
    return []


def cors_headers(headers: list[tuple[str, str]], origin: str | None) -> list[tuple[str, str]]:
    """CORS grants for the page's own origin only, never ``*``: moto's apps grant every origin,
    and the server refuses other origins before they reach them (:class:`HostPolicy`). A
    request without an Origin (SDKs, aws-cli) gets no CORS headers at all."""
    kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-allow-origin")
            and (origin or not k.lower().startswith("access-control-")) and k.lower() != "vary"]
    if origin and origin != "null":
        kept += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        if not any(k.lower() == "access-control-expose-headers" for k, _ in kept):
            kept.append(("Access-Control-Expose-Headers", EXPOSED_HEADERS))
    return kept


def _error_app(status: str, code: str, message: str) -> Callable[[Environ, Any], list[bytes]]:
    """A WSGI app answering every request with one AWS JSON error."""
    payload = json.dumps({"__type": code, "message": message}).encode()

    def app(environ: Environ, start_response: Any) -> list[bytes]:
        start_response(status, [("Content-Type", _JSON_11), ("Content-Length", str(len(payload))),
                                ("x-amzn-ErrorType", code)])
        return [payload]

    return app


def _request_handler() -> type:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        """moto's handler without werkzeug's access log: RekmockApp writes its own line."""

        timeout = SOCKET_TIMEOUT  # socketserver applies it to every read and write

        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            pass

    return QuietHandler


class Server:
    """A threaded rekmock server; ``start()`` in the background or ``serve_forever()`` here.

    ``port=0`` picks a free port (see :attr:`port` / :attr:`endpoint_url`).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 5000,
        log_line: Callable[[str], None] | None = None,
    ) -> None:
        from werkzeug.serving import make_server

        # Bound here rather than by werkzeug, which prints and exits on a port in use; and with
        # a listen backlog that does not drop connections when many clients start at once.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family, backlog=128)
        self.app = RekmockApp(log_line, HostPolicy(host))
        try:
            self._server = make_server(
                host, port, self.app, threaded=True, request_handler=_request_handler(),
                fd=sock.fileno(),
            )
        except BaseException:
            self.app.close()
            raise
        finally:
            sock.close()  # the server holds its own duplicate of the descriptor
        self._server.handle_error = self._handle_error  # type: ignore[method-assign]
        # Worker threads are daemons and tracked here: a stop waits STOP_GRACE for requests in
        # flight (so "stopped" is the last word), then cuts whatever clients still hold open.
        self._server.daemon_threads = True  # type: ignore[attr-defined]  # threaded=True
        self._server.block_on_close = False  # type: ignore[attr-defined]
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._server.process_request = self._process_request  # type: ignore[method-assign, assignment]
        self._server.shutdown_request = self._shutdown_request  # type: ignore[method-assign, assignment]
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @staticmethod
    def _handle_error(request: Any, client_address: Any) -> None:
        """socketserver prints a traceback for a failed connection (a client gone, a socket
        closed while stopping); one line is enough, and none for a dropped connection."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            log.debug("connection from %s: %s", client_address, exc)
        else:
            log.error("connection from %s: %s: %s", client_address, type(exc).__name__, exc)

    def _process_request(self, request: socket.socket, client_address: Any) -> None:
        """Accept-loop side: a thread for the connection, or a 503 when all are busy."""
        if not self._slots.acquire(blocking=False):
            _answer_busy(request)
            return
        with self._connections_lock:
            self._connections.add(request)
        try:
            socketserver.ThreadingMixIn.process_request(
                self._server, request, client_address  # type: ignore[arg-type]
            )
        except BaseException:
            self._shutdown_request(request)
            raise

    def _shutdown_request(self, request: socket.socket) -> None:
        """Worker side, once a connection is done: close it and free its slot."""
        with self._connections_lock:
            tracked = request in self._connections
            self._connections.discard(request)
        try:
            socketserver.TCPServer.shutdown_request(self._server, request)
        finally:
            if tracked:
                self._slots.release()

    @property
    def open_connections(self) -> int:
        with self._connections_lock:
            return len(self._connections)

    def _drain(self) -> None:
        """Wait up to STOP_GRACE for requests in flight, then cut every open connection."""
        deadline = time.monotonic() + STOP_GRACE
        while self.app.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._connections_lock:
            left = list(self._connections)
        for conn in left:  # idle keep-alives and clients that never finished their request
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        # The cut requests' workers answer and log on their way out: let them, briefly, so the
        # caller's "stopped" stays the last line.
        deadline = time.monotonic() + CUT_WAIT
        while self.open_connections and time.monotonic() < deadline:
            time.sleep(0.01)

    @property
    def endpoint_url(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` (from another thread) or an exception."""
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()
            self._drain()
            self.app.close()

    def start(self) -> Server:
        """Serve in a daemon thread; return once the socket accepts connections."""
        self._thread = threading.Thread(
            target=self.serve_forever, name="rekmock-server", daemon=True
        )
        self._thread.start()
        return self

    def shutdown(self) -> None:
        """Make :meth:`serve_forever` return (call from another thread)."""
        self._server.shutdown()

    def stop(self) -> None:
        """Stop serving and close the socket once in-flight requests have been answered."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        else:
            self._server.server_close()
            self.app.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _answer_busy(request: socket.socket) -> None:
    """All connection slots taken: a 503 (SDKs retry it) written without a thread, then close."""
    payload = json.dumps({"__type": "ThrottlingException",
                          "message": "Too many connections; retry later"}).encode()
    head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n").encode()
    try:
        request.settimeout(1.0)
        request.sendall(head + payload)
        request.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        request.close()
    now = time.monotonic()
    if now - _busy_logged[0] >= 1.0:  # one line a second, not one per refused connection
        _busy_logged[0] = now
        log.warning("connections refused: all %d in use", MAX_CONNECTIONS)


_busy_logged = [float("-inf")]
