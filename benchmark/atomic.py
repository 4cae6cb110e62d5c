"""Every file the project writes appears whole or not at all, and a killed writer leaves no trace.

A write goes to a fresh temporary file in the target's folder, named
``.<name>.<pid>@<host>.<random>.tmp`` and created exclusively (``O_CREAT|O_EXCL``, so a
symlink planted there is never followed), is fsynced, renamed over the target with
``os.replace`` (a symlink at the target is replaced, not written through) and the folder
is fsynced so the rename survives a power cut. The file gets ``0o666 & ~umask`` like any
file the user creates, so a shared results folder stays readable to colleagues.

A writer killed with SIGKILL cannot clean up; the pid and host in the name let the next
run in that folder (``remove_stale_temp_files``) tell a dead writer's leftovers from a
live writer's file in progress.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from benchmark.errors import BenchmarkError

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"
STALE_AFTER_S = 24 * 3600
"""A temporary file this old is a leftover whoever wrote it (another host, a reused pid)."""

_NAME_KEPT = 100
"""Characters of the target's name kept in the temporary name (which must stay under 255)."""


@functools.cache
def process_space() -> str | None:
    """This machine's boot and pid namespace (Linux), within which a pid names one process;
    None where that cannot be told. Read once per process."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None
    return f"{boot}:{namespace}"


def writer_tag(space: str | None) -> str:
    """Where a temporary file's pid means something: the host name and the pid namespace
    ``space``, so containers that share a host name but not their pids never judge each
    other's writers."""
    return hashlib.sha256(f"{socket.gethostname()}|{space}".encode()).hexdigest()[:8]


_HOST = writer_tag(process_space())
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)@(?P<host>[0-9a-f]{8})\.[^.]+\.tmp$")
_UMASK_LOCK = threading.Lock()
_UMASK: int | None = None


class FileWriteError(BenchmarkError):
    """A file that cannot be written (missing permission, full disk, name too long)."""


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux /proc).

    Elsewhere it is read once per process by setting and restoring it under a lock,
    since another thread creating a file in between would get mode 0o666.
    """
    global _UMASK
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        if _UMASK is None:
            _UMASK = os.umask(0)
            os.umask(_UMASK)
        return _UMASK


def file_mode() -> int:
    """The permission bits a new file gets: what ``open(path, "w")`` would give."""
    return 0o666 & ~_umask()


def fsync_directory(folder: str | Path) -> bool:
    """Flush a folder's entries (a rename into it) to disk; False where the OS cannot."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False
    try:
        os.fsync(fd)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _write_error(path: Path, exc: OSError) -> FileWriteError:
    reason = exc.strerror or str(exc)
    return FileWriteError(f"cannot write {path}: {reason}; choose a folder you can write to "
                          "(with free space) or a shorter file name")


def _open_temp(path: Path) -> tuple[int, Path]:
    """Create the temporary file beside ``path`` exclusively, with the umask's mode."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{path.name[:_NAME_KEPT]}.{os.getpid()}@{_HOST}."
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, file_mode())
        else:  # pragma: no cover - Windows
            os.chmod(name, file_mode())
    except OSError as exc:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise _write_error(path, exc) from exc
    return fd, Path(name)


def _write_and_close(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as written:
        os.fsync(written.fileno())


@contextmanager
def _replacing(path: Path) -> Iterator[tuple[int, Path]]:
    """The one write path: a temporary file that, when the block succeeds, is renamed
    over ``path`` and the rename made durable; on any failure it is removed."""
    fd, temp = _open_temp(path)
    try:
        yield fd, temp
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise _write_error(path, exc) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


@contextmanager
def atomic_writer(path: str | Path) -> Iterator[BinaryIO]:
    """A binary handle whose content replaces ``path`` when the block ends without error.

    For large or streamed files (numpy archives); on an exception the target is untouched
    and the temporary file removed.
    """
    with _replacing(Path(path)) as (fd, _), os.fdopen(fd, "wb") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """A temporary path for libraries that insist on a file name (safetensors, ...).

    The library writes the (already created, empty) temporary file; when the block ends
    without error it is fsynced and renamed over ``path``.
    """
    with _replacing(Path(path)) as (fd, temp):
        os.close(fd)
        yield temp
        _fsync_file(temp)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically; returns ``path``."""
    path = Path(path)
    with atomic_writer(path) as handle:
        handle.write(data)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Replace ``path`` with ``text`` (UTF-8) atomically; returns ``path``."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any, *, sort_keys: bool = True) -> Path:
    """Replace ``path`` with ``obj`` as indented JSON and a final newline.

    NaN and infinity are refused (``ValueError``) before anything is written: they are
    not JSON and would break every reader.
    """
    text = json.dumps(obj, indent=2, sort_keys=sort_keys, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


def atomic_create_bytes(path: str | Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` unless it exists; never replaces a file.

    Returns False when ``path`` already exists (including one created by a concurrent
    writer between a check and this call). The hard link makes the whole file appear
    at once and fails rather than overwrite; filesystems without hard links get an
    exclusive create that is then filled.
    """
    path = Path(path)
    fd, temp = _open_temp(path)
    try:
        try:
            _write_and_close(fd, data)
        except OSError as exc:
            raise _write_error(path, exc) from exc
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        except OSError:
            return _create_exclusively(path, data)
        fsync_directory(path.parent)
        return True
    finally:
        temp.unlink(missing_ok=True)


def _create_exclusively(path: Path, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
    except FileExistsError:
        return False
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        _write_and_close(fd, data)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise _write_error(path, exc) from exc
    fsync_directory(path.parent)
    return True


def folder_clock(folder: Path) -> float:
    """The time now by ``folder``'s clock: the mtime a file written there now carries (on
    NFS the server's clock, which a process's own may differ from)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".clock-", dir=folder)
    try:
        return os.fstat(handle).st_mtime
    finally:
        os.close(handle)
        Path(name).unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists here (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, someone else's
        return True
    return True


def is_stale_temp_file(path: Path, now: float | None = None,
                       max_age_s: float = STALE_AFTER_S) -> bool:
    """Whether ``path`` is a temporary file nobody will finish.

    Ours (pid and host in the name): its writer on this host is dead, or it is older
    than ``max_age_s`` (a writer on another host, or a reused pid). Hidden ``.tmp`` files
    without a writer tag (left by earlier versions): older than ``max_age_s``.
    """
    name = path.name
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        return False
    try:
        age = (time.time() if now is None else now) - path.lstat().st_mtime
    except OSError:
        return False
    if age > max_age_s:
        return True
    match = _TEMP_NAME.match(name)
    if match is None or match["host"] != _HOST:
        return False
    return not process_alive(int(match["pid"]))


def remove_stale_temp_files(folder: str | Path, max_age_s: float = STALE_AFTER_S) -> list[Path]:
    """Delete the leftovers of killed writers in ``folder`` (not its subfolders).

    Called by ``run`` for the results folder and by the writers of the tokenization
    cache, prediction files and table exports before they write. Returns what was removed.
    """
    folder = Path(folder)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    now = time.time()
    removed = []
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False) or not is_stale_temp_file(path, now, max_age_s):
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("cannot remove stale temporary file %s: %s", path, exc.strerror or exc)
            continue
        removed.append(path)
    if removed:
        log.info("removed %d temporary file(s) of interrupted writers in %s", len(removed), folder)
    return removed
