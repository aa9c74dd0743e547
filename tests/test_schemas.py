"""The committed schemas match the installed botocore model and every operation's handler."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .helpers import ROOT


@pytest.mark.slow
def test_schemas_are_fresh() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "schemas" / "generate.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
