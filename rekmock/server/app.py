"""``rekmock serve``: rekmock's Rekognition, moto's other services and the control API on one port.

moto's own server (``DomainDispatcherApplication``) routes each request to a per-service app that
it builds from ``moto.backends.get_backend``, so installing rekmock before the first request is
all it takes for Rekognition to be rekmock's; S3 and everything else stay moto's, sharing one
state, which is what clients passing ``S3Object`` images need. In front of it sit the control API
(``/rekmock-api/...``, see :mod:`rekmock.control`) and a one-line-per-request log.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

from ..mock import install
from . import control_api

log = logging.getLogger("rekmock.server")

Environ = dict[str, Any]


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

    def __init__(self, log_line: Callable[[str], None] | None = None) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        install()  # before moto builds its Rekognition app, on the first request
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.log_line = log_line or log.info

    def __call__(self, environ: Environ, start_response: Any) -> Iterable[bytes]:
        started = time.perf_counter()
        name = operation_name(environ)
        status: list[str] = []

        def recording_start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info)

        def done() -> None:
            ms = (time.perf_counter() - started) * 1000.0
            self.log_line(f"{name} {status[-1] if status else '-'} {ms:.1f} ms")

        path = environ.get("PATH_INFO", "")
        app = control_api.wsgi_app if control_api.is_control_path(path) else self.moto
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


def _request_handler() -> type:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        """moto's handler without werkzeug's access log: RekmockApp writes its own line."""

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

        self.app = RekmockApp(log_line)
        # Bound here rather than by werkzeug, which prints and exits on a port in use; and with
        # a listen backlog that does not drop connections when many clients start at once.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family, backlog=128)
        try:
            self._server = make_server(
                host, port, self.app, threaded=True, request_handler=_request_handler(),
                fd=sock.fileno(),
            )
        finally:
            sock.close()  # the server holds its own duplicate of the descriptor
        self._server.handle_error = self._handle_error  # type: ignore[method-assign]
        # Let in-flight requests finish (and log) before server_close returns, so "stopped" is
        # the last word and no answer is cut off.
        self._server.daemon_threads = False  # type: ignore[attr-defined]  # threaded=True
        self._server.block_on_close = True  # type: ignore[attr-defined]
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

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
