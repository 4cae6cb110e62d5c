"""Claims on real files: one winner per run, heartbeats, and the takeover of a dead worker's claim.

The races run in forked processes released together by a barrier, so every contender
really tries at the same moment; each round repeats the race on a fresh claim.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from benchmark.errors import BenchmarkError
from benchmark.runs.claims import (
    Busy,
    Claims,
    HeldClaim,
    check_timeout,
    claim_path,
    process_space,
    read_claim,
)

RUN = "0123456789abcdef"


def _plant(output: Path, *, heartbeat_age_s: float, timeout_s: float = 1.0,
           host: str = "node-17", pid: int = 4242, space: str | None = None) -> Path:
    """A claim as another worker (on another host, unless ``space`` says this one's) would
    have left it."""
    now = time.time()
    path = claim_path(output, RUN)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "run_id": RUN, "run": "mtl seed=1", "owner": "f" * 32, "host": host, "pid": pid,
        "started": now - 3600, "heartbeat": now - heartbeat_age_s, "timeout_s": timeout_s,
        "process_space": space,
    }))  # fmt: skip
    return path


def test_one_claim_per_run_with_owner_details_and_removed_on_release(tmp_path):
    first, second = Claims(tmp_path, 60), Claims(tmp_path, 60)
    held = first.acquire(RUN, "mtl seed=1")
    assert isinstance(held, HeldClaim)
    content = json.loads(claim_path(tmp_path, RUN).read_text())
    assert content["host"] == first.host and content["pid"] == os.getpid()
    assert content["started"] <= content["heartbeat"] <= time.time()
    assert content["timeout_s"] == 60 and content["heartbeat_s"] == 12
    busy = second.acquire(RUN, "mtl seed=1")
    assert isinstance(busy, Busy)
    assert busy.claim.describe().startswith(f"claimed by {first.host}:{os.getpid()} since ")
    with held:
        pass
    assert not claim_path(tmp_path, RUN).exists()
    assert isinstance(second.acquire(RUN, "mtl seed=1"), HeldClaim), "free again after release"


def test_the_heartbeat_thread_refreshes_the_claim_while_held(tmp_path):
    claims = Claims(tmp_path, 0.5)  # a beat every 0.1 s
    held = claims.acquire(RUN, "mtl seed=1")
    assert isinstance(held, HeldClaim)
    path = claim_path(tmp_path, RUN)
    before = json.loads(path.read_text())["heartbeat"]
    with held:
        time.sleep(0.45)
        during = json.loads(path.read_text())
        # held for longer than its own timeout, yet never stale to another worker
        assert not read_claim(path).is_stale(0.5)
    assert during["heartbeat"] > before
    assert during["owner"] == held.owner
    assert not path.exists()


def test_a_stale_claim_is_taken_over_and_a_live_one_is_not(tmp_path, caplog):
    _plant(tmp_path, heartbeat_age_s=0.2, timeout_s=1.0)
    assert isinstance(Claims(tmp_path, 1.0).acquire(RUN, "mtl"), Busy)
    _plant(tmp_path, heartbeat_age_s=5.0, timeout_s=1.0)
    with caplog.at_level(logging.WARNING):
        held = Claims(tmp_path, 1.0).acquire(RUN, "mtl")
    assert isinstance(held, HeldClaim)
    assert held.took_over is not None and held.took_over.holder == "node-17:4242"
    assert "took over the claim of node-17:4242 (no heartbeat for 5 s" in caplog.text
    assert json.loads(claim_path(tmp_path, RUN).read_text())["pid"] == os.getpid()
    assert sorted(p.name for p in claim_path(tmp_path, RUN).parent.iterdir()) == [f"{RUN}.claim"]


def test_a_takeover_lock_left_by_a_killed_taker_is_cleared_once_old(tmp_path):
    claim = _plant(tmp_path, heartbeat_age_s=30.0)
    digest = hashlib.sha256(claim.read_bytes()).hexdigest()[:16]
    lock = claim.with_name(f"{claim.name}.taking-{digest}")
    lock.write_text("node-3:77\n")  # a taker killed between its lock and its claim
    assert isinstance(Claims(tmp_path, 1.0).acquire(RUN, "mtl"), Busy), "a fresh lock: in progress"
    os.utime(lock, (time.time() - 10, time.time() - 10))
    assert isinstance(Claims(tmp_path, 1.0).acquire(RUN, "mtl"), HeldClaim)
    assert sorted(p.name for p in claim.parent.iterdir()) == [claim.name]


def test_a_short_timeout_cannot_take_the_run_of_a_slow_heartbeating_worker(tmp_path):
    _plant(tmp_path, heartbeat_age_s=100.0, timeout_s=600.0)  # beats every 120 s: alive
    busy = Claims(tmp_path, 1.0).acquire(RUN, "mtl")
    assert isinstance(busy, Busy) and not busy.claim.is_stale(1.0)


def test_an_unreadable_claim_counts_from_its_file_time(tmp_path):
    path = claim_path(tmp_path, RUN)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")  # created, not yet filled (a filesystem without hard links)
    assert isinstance(Claims(tmp_path, 1.0).acquire(RUN, "mtl"), Busy)
    os.utime(path, (time.time() - 10, time.time() - 10))
    assert isinstance(Claims(tmp_path, 1.0).acquire(RUN, "mtl"), HeldClaim)


def test_a_worker_whose_claim_was_taken_over_stops_beating_and_leaves_it(tmp_path, caplog):
    paused = Claims(tmp_path, 1.0).acquire(RUN, "mtl")
    assert isinstance(paused, HeldClaim)
    stale = time.time() - 5
    data = json.loads(claim_path(tmp_path, RUN).read_text())
    claim_path(tmp_path, RUN).write_text(json.dumps({**data, "heartbeat": stale}))
    taker = Claims(tmp_path, 1.0).acquire(RUN, "mtl")
    assert isinstance(taker, HeldClaim)
    with caplog.at_level(logging.WARNING):
        assert paused.heartbeat() is False
    assert "was taken over by" in caplog.text
    paused.release()
    assert json.loads(claim_path(tmp_path, RUN).read_text())["owner"] == taker.owner


def _contend(output: str, barrier, results) -> None:
    claims = Claims(Path(output), 1.0)
    barrier.wait()
    outcome = claims.acquire(RUN, "mtl")
    results.put("won" if isinstance(outcome, HeldClaim) else "busy")


@pytest.mark.parametrize("stale", [False, True], ids=["fresh-run", "stale-claim"])
def test_of_many_simultaneous_contenders_exactly_one_wins(tmp_path, stale):
    context = multiprocessing.get_context("fork")
    contenders, rounds = 6, 8
    for round_ in range(rounds):
        output = tmp_path / str(round_)
        if stale:
            _plant(output, heartbeat_age_s=30.0)
        barrier, results = context.Barrier(contenders), context.Queue()
        workers = [context.Process(target=_contend, args=(str(output), barrier, results))
                   for _ in range(contenders)]
        for worker in workers:
            worker.start()
        outcomes = sorted(results.get(timeout=60) for _ in workers)
        for worker in workers:
            worker.join(timeout=60)
        assert outcomes == ["busy"] * (contenders - 1) + ["won"], f"round {round_}: {outcomes}"
        winner = read_claim(claim_path(output, RUN))
        assert winner is not None and winner.host != "node-17"
        assert [p.name for p in claim_path(output, RUN).parent.iterdir()] == [f"{RUN}.claim"]


@pytest.mark.parametrize("value", [0, -5, float("nan"), float("inf")])
def test_a_claim_timeout_must_be_a_positive_number(value):
    with pytest.raises(BenchmarkError, match="--claim-timeout must be a positive number"):
        check_timeout(value)


def _dead_pid() -> int:
    child = multiprocessing.get_context("fork").Process(target=lambda: None)
    child.start()
    child.join()
    return child.pid


def test_a_claim_of_a_dead_process_of_this_machine_is_taken_over_at_once(tmp_path, caplog):
    here = process_space()
    assert here is not None, "Linux tells its boot and pid namespace"
    _plant(tmp_path, heartbeat_age_s=0.0, timeout_s=600.0, pid=os.getpid(), space=here)
    assert isinstance(Claims(tmp_path, 600.0).acquire(RUN, "mtl"), Busy), "its owner lives"
    _plant(tmp_path, heartbeat_age_s=0.0, timeout_s=600.0, pid=_dead_pid(), space="elsewhere")
    assert isinstance(Claims(tmp_path, 600.0).acquire(RUN, "mtl"), Busy), (
        "a pid of another machine says nothing: only the heartbeat does")
    dead = _dead_pid()
    _plant(tmp_path, heartbeat_age_s=0.0, timeout_s=600.0, pid=dead, space=here)
    with caplog.at_level(logging.WARNING):
        held = Claims(tmp_path, 600.0).acquire(RUN, "mtl")
    assert isinstance(held, HeldClaim)
    assert f"took over the claim of node-17:{dead} (its process is gone from this machine)" in (
        caplog.text)
