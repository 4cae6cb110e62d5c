"""File names made from names in records (suites, tasks): always valid, short and distinct."""

from __future__ import annotations

import hashlib
import re

MAX_STEM = 64
"""Longest stem a derived file name gets; a name this long stays far below the 255-byte
limit of common filesystems even with an extension and a temporary-file prefix."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_stem(name: str, max_chars: int = MAX_STEM) -> str:
    """``name`` as a file name stem: letters, digits, ``.``, ``_`` and ``-`` only, no leading
    dot (never a hidden file). Longer than ``max_chars``: cut, plus ``-`` and 8 hex digits
    of the SHA-256 of the full name, so two long names that share a start stay distinct."""
    stem = _UNSAFE.sub("-", name).strip("-.") or "file"
    if len(stem) <= max_chars:
        return stem
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return stem[: max_chars - len(digest) - 1].rstrip("-.") + "-" + digest
