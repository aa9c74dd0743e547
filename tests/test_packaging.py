"""The dependency ranges are tested claims: ``constraints-oldest.txt`` pins every direct
dependency (and the test extra) at the lower bound ``setup.cfg`` allows, and CI installs and
tests both ends (``.ci/run``, ``tox -e py3,oldest``)."""

from __future__ import annotations

import configparser
import re

from .helpers import ROOT

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$")


def _lower_bounds() -> dict[str, str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    lines = [*cfg["options"]["install_requires"].splitlines(),
             *cfg["options.extras_require"]["test"].splitlines()]
    bounds = {}
    for line in filter(str.strip, lines):
        found = REQUIREMENT.match(line)
        assert found, line
        name, spec = found.groups()
        lower = [part.strip()[2:].strip() for part in spec.split(",")
                 if part.strip().startswith(">=")]
        assert len(lower) == 1, f"{name}: every dependency has one lower bound ({line.strip()})"
        bounds[name.lower()] = lower[0]
    return bounds


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints-oldest.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_oldest_constraints_pin_every_lower_bound() -> None:
    assert _pins() == _lower_bounds()


def test_ci_tests_both_ends() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    tox = (ROOT / "tox.ini").read_text()
    assert "constraints-oldest.txt" in ci and "constraints-oldest.txt" in tox
    assert "[testenv:oldest]" in tox
