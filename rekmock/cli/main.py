"""The ``rekmock`` command: see what the mock sees in a photo, compare two, or serve it over HTTP.

``detect`` and ``compare`` run in-process through ``mock_rekognition`` and a boto3 client, so
they print exactly what a test would get. Errors are one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from typing import Any

from ..defaults import MATCH_THRESHOLD
from . import cache_cmd, recordings_cmd

USAGE_ERROR = 2


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 2."""


class AwsError(CliError):
    """An error answer from the mock, printed as the service words it: ``Code: message``."""


def _read_photo(path: str) -> bytes:
    """The file's bytes, if it is there and looks like a JPEG or PNG."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CliError(f"{path}: is a directory, not a photo") from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}") from None
    from ..faces.intake import JPEG_MAGIC, PNG_MAGIC

    if not data.startswith((JPEG_MAGIC, PNG_MAGIC)):
        raise CliError(f"{path}: not a JPEG or PNG image")
    return data


def _call(operation: str, **params: Any) -> dict[str, Any]:
    """One Rekognition call through boto3 under mock_rekognition; ClientError -> CliError."""
    import boto3
    from botocore.exceptions import ClientError, ParamValidationError

    from ..mock import mock_rekognition

    with mock_rekognition():
        # The real endpoint, whatever AWS_ENDPOINT_URL says: mock_aws intercepts it.
        client = boto3.client(
            "rekognition", region_name="us-east-1",
            endpoint_url="https://rekognition.us-east-1.amazonaws.com",
        )
        try:
            response = getattr(client, operation)(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise AwsError(f"{error.get('Code')}: {error.get('Message')}") from None
        except ParamValidationError as exc:
            raise AwsError("ParamValidationError: " + " ".join(str(exc).split())) from None
    response.pop("ResponseMetadata", None)
    return response


def _upright(data: bytes) -> Any:
    """Upright RGB pixels of a photo (EXIF orientation applied), for drawing."""
    from ..errors import RekognitionError
    from ..faces.intake import decode

    try:
        return decode(data)[0]
    except RekognitionError as exc:
        raise CliError(f"cannot decode the photo to draw it: {exc}") from None


def _write(path: str, rgb: Any) -> None:
    from . import draw

    try:
        draw.write(path, rgb)
    except (OSError, ValueError) as exc:
        raise CliError(f"{path}: cannot write the drawing: {exc}") from None
    print(f"rekmock: drew {path}", file=sys.stderr)


def _attributes(value: str) -> list[str]:
    return [a.strip().upper() for a in value.split(",") if a.strip()]


def cmd_detect(args: argparse.Namespace) -> int:
    data = _read_photo(args.photo)
    params: dict[str, Any] = {"Image": {"Bytes": data}}
    if args.attributes:
        params["Attributes"] = args.attributes
    response = _call("detect_faces", **params)
    print(json.dumps(response, indent=2))
    if args.draw:
        from . import draw

        _write(args.draw, draw.draw_faces(_upright(data), response.get("FaceDetails", [])))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    source, target = _read_photo(args.source), _read_photo(args.target)
    response = _call(
        "compare_faces",
        SourceImage={"Bytes": source},
        TargetImage={"Bytes": target},
        SimilarityThreshold=args.threshold,
    )
    print(json.dumps(response, indent=2))
    if args.draw:
        from . import draw

        _write(args.draw, draw.draw_comparison(_upright(source), _upright(target), response))
    return 0


def _recording_mode(args: argparse.Namespace) -> Any:
    """The server's record or replay mode (``--record``/``--replay``, else the environment)."""
    from ..recording import modes, store
    from ..recording.forward import NoCredentials

    try:
        return modes.mode_for(args.record, args.replay, args.upstream,
                              True if args.mask_account else None)
    except (ValueError, NoCredentials, FileNotFoundError, store.RecordingError) as exc:
        raise CliError(str(exc)) from None


def cmd_serve(args: argparse.Namespace) -> int:
    from ..recording import modes
    from ..server.app import Server

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    mode = _recording_mode(args)
    try:
        server = Server(args.host, args.port)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    if mode is not None:
        modes.enter(mode)  # for the life of the process
        print(f"rekmock: {mode.describe()}", file=sys.stderr, flush=True)
    # moto builds some URLs (SQS queue URLs, ...) from MOTO_PORT, as its own server sets it.
    os.environ.setdefault("MOTO_PORT", str(server.port))

    def request_stop(signum: int, frame: Any) -> None:
        # Ask from another thread: shutdown() waits for the serving loop, which runs here. No
        # exception is injected into this thread, so in-flight requests finish and are logged.
        threading.Thread(target=server.shutdown, name="rekmock-stop", daemon=True).start()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    where = server.endpoint_url
    if args.host not in ("127.0.0.1", "localhost"):
        where += f" (bound to {args.host})"
    print(
        f"rekmock {_version()} serving Rekognition (rekmock) and moto's other services "
        f"on {where}; control API at {server.endpoint_url}/rekmock-api; Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    server.serve_forever()
    print("rekmock: stopped", file=sys.stderr, flush=True)
    return 0


def _version() -> str:
    from .. import __version__

    return __version__


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 0..65535: {port}")
    return port


def _threshold(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rekmock",
        description="Offline mock of Amazon Rekognition's face APIs.",
    )
    parser.add_argument("--version", action="version", version=f"rekmock {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    detect = sub.add_parser(
        "detect", help="DetectFaces on a photo: JSON on stdout, optionally a drawing",
        description="Print the DetectFaces response rekmock gives for PHOTO.",
    )
    detect.add_argument("photo", metavar="PHOTO", help="a JPEG or PNG file")
    detect.add_argument(
        "--attributes", type=_attributes, metavar="ALL|DEFAULT|A,B,...",
        help="the Attributes request member (e.g. ALL, or AGE_RANGE,SMILE)",
    )
    detect.add_argument(
        "--draw", metavar="OUT.png",
        help="draw boxes, landmarks, pose axes and labels on the upright photo",
    )
    detect.set_defaults(func=cmd_detect)

    compare = sub.add_parser(
        "compare", help="CompareFaces between two photos, optionally drawn side by side",
        description="Print the CompareFaces response rekmock gives for A against B.",
    )
    compare.add_argument("source", metavar="A", help="source photo (its largest face is used)")
    compare.add_argument("target", metavar="B", help="target photo")
    compare.add_argument(
        "--threshold", type=_threshold, default=MATCH_THRESHOLD, metavar="N",
        help=f"SimilarityThreshold, 0-100 (default {MATCH_THRESHOLD:g})",
    )
    compare.add_argument(
        "--draw", metavar="OUT.png", help="draw both photos side by side with matches linked"
    )
    compare.set_defaults(func=cmd_compare)

    serve = sub.add_parser(
        "serve", help="serve Rekognition (rekmock), S3 and moto's other services over HTTP",
        description="Serve rekmock's Rekognition and moto's other services on one endpoint, "
        "with a control API under /rekmock-api. Stop with Ctrl-C or SIGTERM.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, local only)"
    )
    serve.add_argument(
        "--port", type=_port, default=int(os.environ.get("MOTO_PORT", "5000")),
        help="port (default 5000 or $MOTO_PORT; 0 picks a free one)",
    )
    serve.add_argument("--record", metavar="DIR",
                       help="forward each Rekognition call to AWS (signed with this process's "
                       "credentials) and write the answers to DIR")
    serve.add_argument("--upstream", metavar="URL",
                       help="with --record: where to forward (default: the region's endpoint)")
    serve.add_argument("--mask-account", action="store_true",
                       help="with --record: write moto's account id in ARNs, not yours")
    serve.add_argument("--replay", metavar="DIR",
                       help="answer from the recordings in DIR where they match")
    serve.set_defaults(func=cmd_serve)
    cache_cmd.add_parser(sub)
    recordings_cmd.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rekmock`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except AwsError as exc:
        print(exc, file=sys.stderr)
        return USAGE_ERROR
    except CliError as exc:
        print(f"rekmock: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `rekmock detect x.jpg | head`: stop quietly, as cat does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: still one line, not a traceback
        print(f"rekmock: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
