"""Claims: several workers share one results folder without training a run twice.

Before a worker trains a run it creates ``<results>/.claims/<run_id>.claim`` exclusively
(``atomic_create_bytes``: a hard link that fails if the file exists, so of several
workers exactly one wins). The claim is JSON: the worker's host, pid, start time, last
heartbeat and its timeout. While the run trains, a background thread rewrites the
heartbeat every ``timeout / 5`` seconds; the claim is removed when the record is written or
the run stops cleanly (an error, Ctrl-C). A worker that finds a claim skips the run.

A worker killed without cleanup (SIGKILL, out of memory, a dead node) leaves its claim.
It is *stale* once its heartbeat is older than the larger of the finder's timeout and the
owner's (recorded in the claim, so a worker started with a short timeout cannot take the
run of a live worker that heartbeats slowly), or at once when its owner ran on this machine
(same boot and pid namespace, recorded as ``process_space``) and its pid is gone: a run
restarted after a SIGKILL on one machine resumes without waiting for the timeout. A stale
claim is taken over without the claim file ever leaving its place (so a worker arriving
meanwhile never finds the run unclaimed):

1. read the claim's bytes and judge them stale;
2. create the lock ``<run_id>.claim.taking-<hash of those bytes>`` exclusively: of the
   takers that judged the same bytes stale, one succeeds, the others leave the run;
3. read the claim again: if it still holds those bytes, replace it by one's own
   (``os.replace``), else (the owner heartbeated, or it was released) give up; remove the
   lock.

A lock older than the timeout belongs to a taker killed within those milliseconds and is
cleared. What is left is a *live* worker judged dead (paused for longer than the timeout):
its next heartbeat sees the claim is no longer its own and logs it; the run may then be
trained twice, never with a torn record (records are written atomically). Heartbeats
compare wall clocks across hosts: the timeout must exceed the clock skew between them and
the longest pause of a live worker (a suspended laptop, a stalled network filesystem).

The periodic training state of a run sits beside its claim, ``<results>/.claims/<run_id>.state/``
(benchmark/training/train_state.py): whoever takes the run over resumes from it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from benchmark.atomic import (
    FileWriteError,
    atomic_create_bytes,
    atomic_write_bytes,
    process_alive,
    process_space,
    remove_stale_temp_files,
)
from benchmark.errors import BenchmarkError

log = logging.getLogger(__name__)

CLAIMS_FOLDER = ".claims"
DEFAULT_TIMEOUT_S = 300.0
"""Five minutes without a heartbeat: a worker is dead (heartbeats come every minute)."""
HEARTBEATS_PER_TIMEOUT = 5
_TAKING = ".taking-"
_DEAD = ".dead-"
_ATTEMPTS = 5


def claims_folder(output: Path) -> Path:
    return Path(output) / CLAIMS_FOLDER


def claim_path(output: Path, run_id: str) -> Path:
    """Where the claim of ``run_id`` lives (the run's resumable state will sit beside it)."""
    return claims_folder(output) / f"{run_id}.claim"


MAX_TIMEOUT_S = 7 * 24 * 3600.0
"""A week: longer would outlast any job, and the heartbeat thread's wait has a ceiling."""


def check_timeout(value: float) -> float:
    """A claim timeout must be a positive number of seconds, at most ``MAX_TIMEOUT_S``."""
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0 \
            or value > MAX_TIMEOUT_S:
        raise BenchmarkError(
            f"--claim-timeout must be a positive number of seconds up to {MAX_TIMEOUT_S:.0f} "
            f"(a week) (got {value!r}); the default {DEFAULT_TIMEOUT_S:.0f} s suits most "
            f"clusters"
        )
    return float(value)


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class ClaimInfo:
    """What a claim file says (``None`` fields: a claim that could not be read whole)."""

    path: Path
    raw: bytes
    owner: str | None
    host: str | None
    pid: int | None
    started: float | None
    heartbeat: float
    timeout_s: float | None
    process_space: str | None = None
    """Where the owner's pid means something (``process_space()``); None: unknown."""

    @property
    def holder(self) -> str:
        return f"{self.host or '?'}:{self.pid if self.pid is not None else '?'}"

    def age(self, now: float | None = None) -> float:
        """Seconds since the last heartbeat (negative if the owner's clock runs ahead)."""
        return (time.time() if now is None else now) - self.heartbeat

    def is_stale(self, timeout_s: float, now: float | None = None) -> bool:
        """No heartbeat for longer than the larger of ``timeout_s`` and the owner's, or an
        owner known dead: a process of this very machine and pid namespace that is gone
        (killed, out of memory), so a run restarted after a SIGKILL resumes at once."""
        return self.age(now) > max(timeout_s, self.timeout_s or 0.0) or self.owner_died_here()

    def owner_died_here(self) -> bool:
        """The owner ran in this process space and its pid is no longer alive. (A reused pid
        looks alive: the claim then waits for its timeout, which is safe.)"""
        return (self.process_space is not None and self.pid is not None
                and self.process_space == process_space() and not process_alive(self.pid))

    def describe(self, now: float | None = None) -> str:
        since = _iso(self.started) if self.started is not None else "an unknown time"
        return f"claimed by {self.holder} since {since} (last heartbeat {self.age(now):.0f} s ago)"


def read_claim(path: Path) -> ClaimInfo | None:
    """The claim at ``path``, or None if there is none.

    A claim that is not valid JSON (a filesystem without hard links fills it after
    creating it) counts from its file's modification time, and has no owner.
    """
    try:
        raw = path.read_bytes()
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BenchmarkError(
            f"cannot read the claim {path}: {exc.strerror or exc}; make the results folder "
            "readable to every worker"
        ) from exc
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return ClaimInfo(
            path,
            raw,
            str(data["owner"]),
            str(data["host"]),
            int(data["pid"]),
            float(data["started"]),
            float(data["heartbeat"]),
            float(data["timeout_s"]),
            str(data["process_space"]) if data.get("process_space") else None,
        )
    except (ValueError, KeyError, TypeError):
        return ClaimInfo(path, raw, None, None, None, None, mtime, None)


@dataclass(frozen=True)
class Busy:
    """A run another worker holds (or held: ``claim.is_stale`` says which)."""

    claim: ClaimInfo


class HeldClaim:
    """A claim this worker owns: heartbeats while entered, removed on exit."""

    def __init__(self, claims: Claims, run_id: str, data: dict[str, Any],
                 took_over: ClaimInfo | None) -> None:
        self.claims = claims
        self.run_id = run_id
        self.path = claim_path(claims.output, run_id)
        self.took_over = took_over
        self.lost_to: ClaimInfo | None = None
        self._data = data
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> HeldClaim:
        self._thread = threading.Thread(
            target=self._beat, name=f"claim-heartbeat-{self.run_id}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    def _beat(self) -> None:
        while not self._stop.wait(self.claims.heartbeat_s):
            try:
                if not self.heartbeat():
                    return
            except (OSError, BenchmarkError) as exc:  # a hiccup: the next beat tries again
                log.warning("cannot refresh the claim %s: %s", self.path, exc)

    def heartbeat(self) -> bool:
        """Rewrite the heartbeat if the claim is still ours; False once it is not."""
        current = read_claim(self.path)
        if current is None:  # removed (by hand?) while held: recreate it if nobody else has
            self._stamp()
            if atomic_create_bytes(self.path, self.claims.encode(self._data)):
                return True
            current = read_claim(self.path)
        if current is None or current.owner != self.owner:
            self.lost_to = current
            holder = current.holder if current is not None else "nobody"
            log.warning(
                "the claim of run %s was taken over by %s: this worker went longer than the "
                "claim timeout without a heartbeat (paused?); both may train it, the record "
                "is written whole by whichever finishes last",
                self.run_id,
                holder,
            )
            return False
        self._stamp()
        atomic_write_bytes(self.path, self.claims.encode(self._data))
        return True

    @property
    def owner(self) -> str:
        """This claim's token: who holds the file is decided by it, not by host and pid."""
        return str(self._data["owner"])

    def _stamp(self) -> None:
        self._data["heartbeat"] = time.time()
        self._data["heartbeat_at"] = _iso(self._data["heartbeat"])

    def release(self) -> None:
        """Stop the heartbeat and remove the claim, unless another worker holds it now."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        current = read_claim(self.path)
        if current is not None and current.owner == self.owner:
            self.path.unlink(missing_ok=True)


class Claims:
    """This worker's claims in one results folder."""

    def __init__(self, output: Path, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.output = Path(output)
        self.timeout_s = check_timeout(timeout_s)
        self.heartbeat_s = self.timeout_s / HEARTBEATS_PER_TIMEOUT
        self.host = socket.gethostname()
        self.pid = os.getpid()

    def encode(self, data: dict[str, Any]) -> bytes:
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")

    def _new_claim(self, run_id: str, label: str) -> dict[str, Any]:
        now = time.time()
        return {
            "run_id": run_id,
            "run": label,
            "owner": uuid.uuid4().hex,
            "host": self.host,
            "pid": self.pid,
            "process_space": process_space(),
            "started": now,
            "started_at": _iso(now),
            "heartbeat": now,
            "heartbeat_at": _iso(now),
            "heartbeat_s": self.heartbeat_s,
            "timeout_s": self.timeout_s,
        }

    def tidy(self) -> None:
        """Remove what killed workers left in the claims folder besides their claims."""
        folder = claims_folder(self.output)
        remove_stale_temp_files(folder)
        for dead in folder.glob(f"*{_DEAD}*"):  # a worker killed while clearing a dead lock
            try:
                if time.time() - dead.stat().st_mtime > 2 * self.timeout_s:
                    dead.unlink()
            except OSError:
                continue

    def look(self, run_id: str) -> ClaimInfo | None:
        """The claim on ``run_id`` now, if any (for a dry run's listing)."""
        return read_claim(claim_path(self.output, run_id))

    def acquire(self, run_id: str, label: str) -> HeldClaim | Busy:
        """Claim ``run_id``, taking over a stale claim; ``Busy`` if another worker holds it."""
        path = claim_path(self.output, run_id)
        data = self._new_claim(run_id, label)
        mine = self.encode(data)
        found: ClaimInfo | None = None
        for _ in range(_ATTEMPTS):
            try:
                if atomic_create_bytes(path, mine):
                    return HeldClaim(self, run_id, data, found)
            except FileWriteError as exc:
                raise BenchmarkError(
                    f"cannot claim run {run_id}: {exc}; every worker needs write access to "
                    f"{path.parent}"
                ) from None
            current = read_claim(path)
            if current is None:
                continue  # released (or moved aside) since: try to create it again
            if not current.is_stale(self.timeout_s):
                return Busy(current)
            found = current
            if self._take_over(current, mine):
                why = ("its process is gone from this machine" if current.owner_died_here()
                       else f"no heartbeat for {current.age():.0f} s, timeout "
                            f"{max(self.timeout_s, current.timeout_s or 0.0):.0f} s")
                log.warning("run %s: took over the claim of %s (%s): that worker is taken for "
                            "dead", run_id, current.holder, why)
                return HeldClaim(self, run_id, data, current)
        current = read_claim(path) or found
        if current is None:  # pragma: no cover - created and released five times meanwhile
            raise BenchmarkError(f"the claim of run {run_id} kept changing; run the command again")
        return Busy(current)

    def _take_over(self, stale: ClaimInfo, mine: bytes) -> bool:
        """Replace ``stale`` by ``mine`` unless another worker changed the claim first.

        Of the takers that judged these very bytes stale, the one that creates the lock
        named after them proceeds; the claim file stays in place throughout, so a worker
        arriving meanwhile never finds the run unclaimed.
        """
        path = stale.path
        lock = path.with_name(f"{path.name}{_TAKING}{hashlib.sha256(stale.raw).hexdigest()[:16]}")
        if not atomic_create_bytes(lock, f"{self.host}:{self.pid}\n".encode()):
            self._clear_dead_lock(lock)
            return False
        try:
            try:
                current = path.read_bytes()
            except FileNotFoundError:
                return False  # released meanwhile: the caller creates it afresh
            if current != stale.raw:
                return False  # the owner beat after all, or another taker won first
            atomic_write_bytes(path, mine)
            return True
        finally:
            lock.unlink(missing_ok=True)

    def _clear_dead_lock(self, lock: Path) -> None:
        """Remove a takeover lock whose taker died holding it (a takeover takes milliseconds).

        It is renamed aside first, so of several workers clearing it one does; if what was
        moved is not the lock judged dead (a new taker's), it is put back.
        """
        try:
            judged = lock.stat().st_mtime_ns
        except FileNotFoundError:
            return
        if time.time() - judged / 1e9 <= self.timeout_s:
            return
        dead = lock.with_name(f"{lock.name}{_DEAD}{uuid.uuid4().hex}")
        try:
            os.rename(lock, dead)
        except FileNotFoundError:
            return
        if dead.stat().st_mtime_ns != judged:
            try:
                os.link(dead, lock)
            except OSError:
                pass
        dead.unlink(missing_ok=True)
