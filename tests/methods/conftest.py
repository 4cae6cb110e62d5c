"""Fixtures of the method tests: the battery's context, and plugins registered for tests.

Test-only plugins are registered the way an installed package is: a ``*.dist-info``
folder with ``entry_points.txt`` on the import path, so the registry finds them through
the same entry-point group as every other method.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from benchmark.conformance import ConformanceContext, build_context
from benchmark.methods.interface import ENTRY_POINT_GROUP
from benchmark.methods.registry import discover_methods

HERE = Path(__file__).resolve().parent
EXAMPLE_PLUGIN = HERE.parents[1] / "examples" / "bitfit_plugin"
BROKEN_PLUGIN = HERE / "broken_plugin"
BROKEN_METHODS = {
    "broken-frozen": "FrozenButTrained",
    "broken-shape": "WrongShape",
    "broken-unlabelled": "Unlabelled",
    "broken-old-interface": "OldInterface",
    "broken-import": "NoSuchClass",
}


def write_dist_info(
    folder: Path, distribution: str, version: str, module: str, methods: Mapping[str, str]
) -> Path:
    """Register ``methods`` (name -> class in ``module``) as distribution ``distribution``."""
    info = folder / f"{distribution.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{n} = {module}:{c}" for n, c in methods.items())]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def conformance_context(tmp_path_factory: pytest.TempPathFactory) -> ConformanceContext:
    """The shipped battery's inputs: tiny random BERT, bundled SST-2 and STS-B rows."""
    return build_context(tmp_path_factory.mktemp("conformance"))


@pytest.fixture(scope="session")
def shapes_context(tmp_path_factory: pytest.TempPathFactory, data_dir) -> ConformanceContext:
    """The same battery on a span task and a token task: SQuAD (trained on part of its dev
    passages) and WNUT 2017, from the shared data."""
    return build_context(tmp_path_factory.mktemp("conformance-shapes"),
                         task_names=("squad", "wnut17"), data_dir=data_dir)


@pytest.fixture(scope="session")
def broken_plugin_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PYTHONPATH value under which the broken methods are registered (for subprocesses)."""
    folder = write_dist_info(tmp_path_factory.mktemp("broken-plugin"), "camtl-bench-broken",
                             "0.0.1", "camtl_bench_broken", BROKEN_METHODS)
    return os.pathsep.join([str(folder), str(BROKEN_PLUGIN)])


@pytest.fixture
def broken_plugin_registered(broken_plugin_path: str) -> Iterator[list[str]]:
    """The broken methods registered in this process for one test, unregistered after."""
    entries = broken_plugin_path.split(os.pathsep)
    sys.path[:0] = entries
    discover_methods.cache_clear()
    try:
        yield sorted(BROKEN_METHODS)
    finally:
        for entry in entries:
            sys.path.remove(entry)
        discover_methods.cache_clear()
