"""The report writers' names for the project's one atomic write (``benchmark.atomic``)."""

from __future__ import annotations

from pathlib import Path

from benchmark.atomic import atomic_create_bytes, atomic_write_bytes, atomic_write_text


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Replace ``path`` with ``data`` (text is written as UTF-8), whole or not at all."""
    if isinstance(data, str):
        return atomic_write_text(path, data)
    return atomic_write_bytes(path, data)


def create_atomic(path: str | Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` unless it exists (False then); never replaces a file."""
    return atomic_create_bytes(path, data)
