"""Atomic writes: whole files only, umask permissions, no symlink followed, no leftovers."""

from __future__ import annotations

import json
import math
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmark import atomic
from benchmark.atomic import (
    FileWriteError,
    atomic_create_bytes,
    atomic_target,
    atomic_write_json,
    atomic_write_text,
    atomic_writer,
    fsync_directory,
    remove_stale_temp_files,
)
from benchmark.data.examples import Example
from benchmark.data.tokenize import tokenize_examples
from benchmark.errors import BenchmarkError
from benchmark.filenames import file_stem
from benchmark.predictions import write_test_predictions
from benchmark.results.store import write_record_atomically
from benchmark.tasks.registry import get_task

DAY = 24 * 3600

# A writer that creates its temporary file through the helper, writes half a record,
# says where it is and then hangs mid-write until it is killed.
_HANGING_WRITER = """
import sys, time
from pathlib import Path
from benchmark import atomic
fd, temp = atomic._open_temp(Path(sys.argv[1]) / "0123456789abcdef.json")
import os
os.write(fd, b'{"run_id": "0123')
print(temp, flush=True)
time.sleep(600)
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def umask() -> Iterator[object]:
    """``umask(value)`` sets the process umask for the test; the old one comes back after."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


def _killed_writer_temp(folder: Path) -> Path:
    """Start a real writer, kill it with SIGKILL mid-write, reap it; its temp file stays."""
    child = subprocess.Popen([sys.executable, "-c", _HANGING_WRITER, str(folder)],
                             stdout=subprocess.PIPE, text=True)
    temp = Path(child.stdout.readline().strip())
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL and temp.is_file()
    return temp


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_permissions_follow_the_umask(tmp_path, umask, mask, expected) -> None:
    umask(mask)
    text = atomic_write_text(tmp_path / "report.html", "<p>hi</p>")
    record = tmp_path / "abc.json"
    write_record_atomically(record, {"run_id": "abc"})
    with atomic_writer(tmp_path / "cache.npz") as handle:
        handle.write(b"x")
    assert atomic_create_bytes(tmp_path / "new.json", b"{}")
    for path in (text, record, tmp_path / "cache.npz", tmp_path / "new.json"):
        assert _mode(path) == expected, path
    assert _temps(tmp_path) == []


def test_record_is_whole_json_and_replaces_the_old_one(tmp_path) -> None:
    path = tmp_path / "r.json"
    write_record_atomically(path, {"b": 1, "a": [1.5, None]})
    write_record_atomically(path, {"b": 2})
    assert path.read_text() == '{\n  "b": 2\n}\n'
    assert _temps(tmp_path) == []


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path) -> None:
    path = tmp_path / "r.json"
    atomic_write_json(path, {"ok": True})
    with pytest.raises(ValueError, match="JSON compliant"):
        atomic_write_json(path, {"loss": math.nan})
    with pytest.raises(RuntimeError, match="interrupted"), atomic_writer(path) as handle:
        handle.write(b'{"half":')
        raise RuntimeError("interrupted")
    assert json.loads(path.read_text()) == {"ok": True}
    assert _temps(tmp_path) == []


def test_unwritable_targets_give_one_clear_error(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(FileWriteError, match=r"cannot write .*a-file/r\.json: .*choose a folder"):
        atomic_write_text(blocker / "r.json", "x")
    with pytest.raises(BenchmarkError, match="File name too long"):
        atomic_write_text(tmp_path / ("x" * 300 + ".md"), "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_long_target_name_still_gets_a_valid_temp_name(tmp_path) -> None:
    path = tmp_path / ("y" * 240 + ".json")
    atomic_write_json(path, [1])
    assert json.loads(path.read_text()) == [1]


def test_symlink_at_the_target_is_replaced_not_written_through(tmp_path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "RTE.tsv").symlink_to(victim)
    # the predictable name the prediction writer used before it went through the helper
    (out / "RTE.tsv.tmp").symlink_to(victim)
    task = get_task("rte")
    examples = [Example(f"test-{i}", ("a", "b"), meta={"idx": i}) for i in range(3)]
    path = write_test_predictions(task, examples, [0, 1, 0], out)
    assert victim.read_text() == "precious"
    assert not path.is_symlink()
    lines = path.read_text().splitlines()
    assert lines == ["index\tprediction", "0\tentailment", "1\tnot_entailment", "2\tentailment"]


def test_temp_file_is_created_exclusively_in_the_target_folder(tmp_path) -> None:
    target = tmp_path / "sub" / "t.json"
    with atomic_target(target) as temp:
        assert temp.parent == target.parent and not temp.is_symlink()
        assert temp.name.startswith(f".t.json.{os.getpid()}@") and temp.name.endswith(".tmp")
        with pytest.raises(FileExistsError):  # the name is taken: O_EXCL refuses it
            os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        temp.write_text("[2]")
    assert target.read_text() == "[2]" and _temps(target.parent) == []


def test_directory_fsync_runs_on_a_real_folder(tmp_path) -> None:
    assert fsync_directory(tmp_path) is True
    assert fsync_directory(tmp_path / "missing") is False


def test_create_never_replaces(tmp_path) -> None:
    path = tmp_path / "r.json"
    assert atomic_create_bytes(path, b"first") is True
    assert atomic_create_bytes(path, b"second") is False
    assert path.read_bytes() == b"first"
    assert _temps(tmp_path) == []


def test_only_dead_or_old_writers_temps_are_removed(tmp_path) -> None:
    dead = _killed_writer_temp(tmp_path)
    fd, live = atomic._open_temp(tmp_path / "live.json")
    try:
        other_host = tmp_path / ".r.json.999999@00000000.abcdefgh.tmp"
        old_other_host = tmp_path / ".q.json.999999@00000000.abcdefgh.tmp"
        legacy_recent = tmp_path / ".0123456789abcdef.k2j3h4g5.tmp"
        legacy_old = tmp_path / ".fedcba9876543210.k2j3h4g5.tmp"
        record = tmp_path / "0123456789abcdef.json"
        not_hidden = tmp_path / "notes.tmp"
        for path in (other_host, old_other_host, legacy_recent, legacy_old, record, not_hidden):
            path.write_text("x")
        for path in (old_other_host, legacy_old, not_hidden):
            os.utime(path, (time.time() - 2 * DAY, time.time() - 2 * DAY))
        removed = remove_stale_temp_files(tmp_path)
        assert sorted(removed) == sorted([dead, old_other_host, legacy_old])
        left = {p.name for p in tmp_path.iterdir()}
        assert left == {live.name, other_host.name, legacy_recent.name, record.name,
                        not_hidden.name}
    finally:
        os.close(fd)
        live.unlink()


def test_next_run_removes_a_killed_writers_temp_and_writes_readable_records(
    tmp_path, data_dir, tiny_backbone, tiny_budget_flags
) -> None:
    output = tmp_path / "results"
    output.mkdir()
    dead = _killed_writer_temp(output)
    command = [sys.executable, "-m", "benchmark", "run", "--tasks", "rte", "--methods", "mtl",
               "--backbone", tiny_backbone, "--data-dir", str(data_dir), "--output", str(output),
               *tiny_budget_flags]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, umask=0o002)
    assert done.returncode == 0, done.stderr
    assert not dead.exists()
    [record] = output.glob("*.json")
    assert _mode(record) == 0o664
    assert json.loads(record.read_text())["method"] == "mtl"
    assert _temps(output) == []


def test_tokenization_cache_sweeps_stale_temps_and_uses_short_names(
    tmp_path, minilm_tokenizer, umask
) -> None:
    umask(0o002)
    cache = tmp_path / "cache"
    cache.mkdir()
    dead = _killed_writer_temp(cache)
    task = get_task("rte")
    examples = [Example(f"train-{i}", ("a cat", "an animal"), label=i % 2) for i in range(4)]
    features = tokenize_examples(examples, task, minilm_tokenizer, 16, cache)
    assert not dead.exists()
    assert features.cache_path.parent == cache and _mode(features.cache_path) == 0o664
    assert tokenize_examples(examples, task, minilm_tokenizer, 16, cache).cache_hit
    assert _temps(cache) == []


def test_file_stem_keeps_short_names_and_cuts_long_ones_with_a_hash() -> None:
    assert file_stem("comparison-glue-0") == "comparison-glue-0"
    assert file_stem("../a b/.c") == "a-b-.c"
    long_a, long_b = "s" * 300 + "a", "s" * 300 + "b"
    assert len(file_stem(long_a)) == 64 and file_stem(long_a) != file_stem(long_b)
    assert file_stem(long_a) == file_stem(long_a)
    assert file_stem("...") == "file"


def test_a_container_sharing_the_host_name_keeps_its_temps(tmp_path) -> None:
    """Its pids are not ours: a pid dead here may be its live writer, so only age counts."""
    assert atomic.writer_tag("boot:4026531836") != atomic.writer_tag("boot:4026532001")
    assert atomic._HOST == atomic.writer_tag(atomic.process_space())
    theirs = tmp_path / f".r.json.999999@{atomic.writer_tag('another-namespace')}.abcdefgh.tmp"
    theirs.write_text("x")
    assert remove_stale_temp_files(tmp_path) == [] and theirs.exists()
    os.utime(theirs, (time.time() - 2 * DAY, time.time() - 2 * DAY))
    assert remove_stale_temp_files(tmp_path) == [theirs]


def test_the_folder_clock_is_the_time_a_file_written_there_carries(tmp_path) -> None:
    """--overwrite compares record mtimes with this, so both must come from one clock."""
    folder = tmp_path / "results" / ".claims"
    before = atomic.folder_clock(folder)
    record = tmp_path / "results" / "record.json"
    record.write_text("{}")
    assert before <= record.stat().st_mtime <= atomic.folder_clock(folder)
    assert [p.name for p in folder.iterdir()] == []
