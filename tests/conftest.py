"""Shared fixtures: the real data folder and single-threaded determinism."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def find_data_dir() -> Path | None:
    """$CAMTL_BENCH_DATA, else ../shared/data beside the checkout (as in CI)."""
    candidates = [os.environ.get("CAMTL_BENCH_DATA"), REPO_ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "glue_data").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = find_data_dir()
    if found is None:
        pytest.fail("real data not found: set CAMTL_BENCH_DATA or put shared/data beside the repo")
    return found


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep the tokenization cache of test runs out of the user's home."""
    os.environ.setdefault("CAMTL_BENCH_CACHE", str(tmp_path_factory.mktemp("token-cache")))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
