"""The README's first example runs as written (from the project root)."""

from __future__ import annotations

import os
import re

from .helpers import ROOT


def test_readme_example_runs() -> None:
    text = (ROOT / "README.md").read_text()
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(example, "README.md", "exec"), namespace)
        namespace["test_my_face_checker"]()
    finally:
        os.chdir(cwd)
