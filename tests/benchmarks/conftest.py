"""Benchmarks' shared plumbing: a summary of the CA-MTL speed ratios at the end of the run."""

from __future__ import annotations

import pytest

CAMTL_SPEED_LINES = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[CAMTL_SPEED_LINES] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    lines = config.stash.get(CAMTL_SPEED_LINES, [])
    if lines:
        terminalreporter.write_sep("-", "CA-MTL speed (medians of interleaved rounds)")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def camtl_speed_report(request: pytest.FixtureRequest) -> list[str]:
    """Lines printed in the terminal summary (test_camtl_speed.py appends to it)."""
    return request.config.stash[CAMTL_SPEED_LINES]
