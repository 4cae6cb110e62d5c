"""Atomic file writes, so a reader never sees half a report or half a record."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _temp_copy(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write via a temporary file in the same folder and rename it over ``path``."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    temp = _temp_copy(path, raw)
    os.replace(temp, path)
    return path


def create_atomic(path: str | Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` unless it exists; never replaces a file.

    Returns False when ``path`` already exists (including one created by a
    concurrent writer between our check and our write). The hard link makes the
    full file appear at once, and fails rather than overwrite.
    """
    path = Path(path)
    temp = _temp_copy(path, data)
    try:
        os.link(temp, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        # Filesystems without hard links: exclusive create, then fill it.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return True
    finally:
        temp.unlink(missing_ok=True)
