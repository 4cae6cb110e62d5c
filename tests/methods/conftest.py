"""The example plugin, importable without installing it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

EXAMPLE_PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "bitfit_plugin"


@pytest.fixture(scope="session")
def example_plugin_class():
    """The example plugin's Method class, imported from its source folder."""
    sys.path.insert(0, str(EXAMPLE_PLUGIN))
    try:
        from camtl_bench_bitfit import BitFit
    finally:
        sys.path.remove(str(EXAMPLE_PLUGIN))
    return BitFit
