"""The committed schemas match the installed botocore model and every operation's handler."""

from __future__ import annotations

import subprocess
import sys

import botocore
import pytest

from .helpers import ROOT

# The first botocore release whose Rekognition model gives the committed schemas (found by
# bisecting botocore's releases on 2026-12-07: 1.43.103 added Face Liveness's Feedback and
# Metadata). Older models lack members the schemas have; rekmock still runs on them
# (constraints-oldest.txt), so their responses are checked against these newer schemas instead.
SCHEMA_MODEL_SINCE = (1, 43, 103)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3])


@pytest.mark.slow
@pytest.mark.skipif(_version(botocore.__version__) < SCHEMA_MODEL_SINCE,
                    reason="an older botocore model than the schemas were generated from")
def test_schemas_are_fresh() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "schemas" / "generate.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
