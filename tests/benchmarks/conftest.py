"""Benchmarks' shared plumbing: a summary of the measured medians and ratios at the end."""

from __future__ import annotations

import pytest

SPEED_LINES = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SPEED_LINES] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    lines = config.stash.get(SPEED_LINES, [])
    if lines:
        terminalreporter.write_sep("-", "speed (medians of interleaved rounds, paired ratios)")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def speed_report(request: pytest.FixtureRequest) -> list[str]:
    """Lines printed in the terminal summary (each benchmark appends its medians)."""
    return request.config.stash[SPEED_LINES]
