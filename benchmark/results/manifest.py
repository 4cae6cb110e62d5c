"""Provenance of a run: code, packages, data, backbone and hardware."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import torch

from benchmark.data.loading import file_sha256
from benchmark.training.parallel import current_world

PACKAGES = (
    "camtl-bench",
    "torch",
    "transformers",
    "accelerate",
    "datasets",
    "adapters",
    "numpy",
    "pandas",
    "safetensors",
    "tokenizers",
)
REPO_ROOT = Path(__file__).resolve().parents[2]


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> str:
    """HEAD of the checkout the code runs from, with '-dirty' for uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def hardware() -> dict:
    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        **current_world().describe(),  # processes of the launch: not part of the run id
    }
    return info


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, hashed once per process while its path, size and mtime stay the same."""
    return file_sha256(Path(path))


def build_manifest(config: dict, data_files: dict[str, str]) -> dict:
    return {
        "packages": package_versions(),
        "git_commit": git_commit(),
        "data_files": data_files,
        "hardware": hardware(),
        "config": config,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
