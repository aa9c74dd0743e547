"""Runs face_search.sh as a user would (it starts and stops its own ``rekmock serve``) and checks
what it prints: every line is an answer of the server, computed from the photos."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "face_search.sh"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

pytestmark = [pytest.mark.server, pytest.mark.slow]  # a rekmock serve subprocess and aws-cli


def test_script_indexes_staff_and_searches_camera_photos(tmp_path: Path) -> None:
    tools = Path(sys.executable).parent  # rekmock and aws are installed next to this Python
    if not shutil.which("aws", path=f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"):
        pytest.skip("aws-cli is not installed (pip install -e '.[test]')")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "REKMOCK_URL", "MOTO_"))}
    env.update(PATH=f"{tools}{os.pathsep}{env.get('PATH', '')}",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    # Its own session, so that a hung run is stopped with the server it started.
    script = subprocess.Popen(["bash", str(SCRIPT)], cwd=tmp_path, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        out, err = script.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(script.pid, signal.SIGKILL)
        script.communicate()
        raise
    assert script.returncode == 0, err
    lines = out.splitlines()
    assert len(lines) == 8, out

    server = re.fullmatch(r"server: http://127\.0\.0\.1:(\d+)", lines[0])
    assert server, lines[0]
    assert lines[1] == "collection: aws:rekognition:us-east-1:123456789012:collection/staff"
    assert re.fullmatch(rf"indexed: obama {UUID}", lines[2]), lines[2]
    assert re.fullmatch(rf"indexed: hopper {UUID}", lines[3]), lines[3]
    assert lines[2].split()[2] != lines[3].split()[2]
    assert lines[4] == "faces in collection: 2"

    match = re.fullmatch(r"search obama2\.jpg: match obama\t([\d.]+)", lines[5])
    assert match and 90.0 <= float(match.group(1)) <= 100.0, lines[5]
    assert lines[6] == "search biden.jpg: no match"
    assert lines[7] == "search coffee.jpg: error InvalidParameterException"

    # The script stopped its server on the way out.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", int(server.group(1))),
                                                          timeout=2):
        pass
