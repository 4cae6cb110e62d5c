"""`run`: train and evaluate methods on a suite; one result record per (method, seed)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmark import interruption
from benchmark.atomic import folder_clock, remove_stale_temp_files
from benchmark.errors import BenchmarkError
from benchmark.results.store import finished_record, record_path
from benchmark.runs.claims import DEFAULT_TIMEOUT_S, Busy, Claims, check_timeout, claims_folder
from benchmark.runs.settings import Settings, profile_names, resolve_settings, setting_names
from benchmark.runs.shard import resolve_shard
from benchmark.runs.spec import RunSpec
from benchmark.runs.yaml_values import parse_scalar

if TYPE_CHECKING:
    from benchmark.runs.resume import EarlierRecords
    from benchmark.training.parallel import World

HELP = "train and evaluate methods on a suite and write result records"
EPILOG = """examples:
  python -m benchmark run --suite glue --profile smoke
  python -m benchmark run --suite glue --methods stl,camtl --seeds 12,13,14 --data-dir data/
  python -m benchmark run --tasks sst2,mrpc --methods mtl --max-train-samples 1000 --epochs 2
  python -m benchmark run --suite glue --profile smoke --dry-run      # print the run matrix only
  python -m benchmark run --config my_runs.yaml --method-option houlsby.bottleneck=32
  python -m benchmark run --suite glue --seeds 12,13,14 --shard 2/3   # job 2 of 3 (docs/cluster.md)
"""
log = logging.getLogger(__name__)


def scores_beside_baselines(record: dict) -> str:
    """``rte=52.5 (trivial 49.5)``: every score beside the score it must beat."""
    trivial = record.get("trivial_baseline") or {}
    parts = []
    for task, score in record["main_scores"].items():
        shown = "—" if score is None else f"{score:.1f}"
        base = (trivial.get(task) or {}).get("score")
        parts.append(f"{task}={shown}" + ("" if base is None else f" (trivial {base:.1f})"))
    return ", ".join(parts)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _seeds(value: str) -> list[int]:
    try:
        return [int(v) for v in _csv(value)]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"seeds must be integers like 12,13,14 ({exc})") from exc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_argument_group("what to run")
    what.add_argument("--suite", help="glue, superglue, glue+superglue (default: glue)")
    what.add_argument("--tasks", type=_csv, help="comma-separated task names (overrides the suite)")
    what.add_argument(
        "--methods",
        type=_csv,
        help="comma-separated methods (see `list methods`); default: every registered method",
    )
    what.add_argument("--seeds", type=_seeds, help="comma-separated seeds (default 12)")
    what.add_argument(
        "--backbone", help="embedded all-MiniLM-L6-v2 (default), a path, or a Hub name"
    )
    what.add_argument("--profile", choices=profile_names(), help="a named budget, e.g. smoke")
    what.add_argument("--config", help="YAML file of settings (same names as these flags)")
    what.add_argument("--user-tasks", action="append", help="YAML file declaring your own tasks")
    what.add_argument(
        "--method-option",
        action="append",
        default=[],
        metavar="METHOD.KEY=VALUE",
        help="set a method option, e.g. houlsby.bottleneck=32",
    )
    data = parser.add_argument_group("data and output")
    data.add_argument(
        "--data-dir", help="folder with glue_data/ and superglue/ (or $CAMTL_BENCH_DATA)"
    )
    data.add_argument("--output", help="results folder (default: results)")
    data.add_argument(
        "--skip-unavailable",
        action="store_true",
        default=None,
        help="skip tasks whose data is missing and record them as skipped",
    )
    data.add_argument("--max-train-samples", type=int, help="seeded subset of each training set")
    data.add_argument("--max-eval-samples", type=int, help="fixed subset of each evaluation split")
    data.add_argument("--train-fraction", type=float, help="fraction of training data (0, 1]")
    train = parser.add_argument_group("training")
    train.add_argument("--epochs", type=float)
    train.add_argument("--max-steps", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--max-length", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--precision", choices=["auto", "fp32", "bf16"])
    train.add_argument(
        "--model-selection",
        choices=["best", "best-dev", "last"],
        help="best: on a held-out slice of the training data (default); best-dev: the reference's "
        "per-metric maximum over dev evaluations (optimistic); last: the final evaluation",
    )
    train.add_argument(
        "--fidelity",
        choices=["project", "reference"],
        help="reference: the reference code's choices where this project differs (docs/results.md)",
    )
    train.add_argument("--sampler", help="override the methods' samplers (see `list samplers`)")
    train.add_argument(
        "--compile", action="store_true", default=None,
        help="torch.compile the encoder (another run id: its kernels round differently; "
        "worth it on GPUs, see the README's Performance)",
    )
    run = parser.add_argument_group("execution")
    run.add_argument("--dry-run", action="store_true", help="print the run matrix and exit")
    run.add_argument("--overwrite", action="store_true", default=None, help="redo finished runs")
    run.add_argument(
        "--shard",
        metavar="K/N",
        help="train only shard K of N of the run matrix (every N-th run by run id); default: "
        "the Slurm job array's task (SLURM_ARRAY_TASK_ID), else all runs (docs/cluster.md)",
    )
    run.add_argument(
        "--claim-timeout",
        metavar="SECONDS",
        default=str(DEFAULT_TIMEOUT_S),
        help="workers sharing a results folder claim each run; a claim without a heartbeat "
        f"for this long is a dead worker's and is taken over (default {DEFAULT_TIMEOUT_S:.0f}; "
        "heartbeats every fifth of it)",
    )
    run.add_argument(
        "--state-every-minutes",
        type=float,
        metavar="M",
        help="save a resumable training state every M minutes of training (default 10): a "
        "killed or preempted run started again resumes from it (docs/cluster.md)",
    )
    run.add_argument("--state-every-steps", type=int, metavar="N",
                     help="... and/or every N optimizer steps")
    run.add_argument(
        "--keep-checkpoint",
        action="store_true",
        default=None,
        help="keep each run's trained model(s) in safetensors under <output>/checkpoints/ "
        "(size in the record): what `adapt --from RUN_ID` starts from",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.add_argument(
        "--predict-test",
        action="store_true",
        default=None,
        help="also write GLUE/SuperGLUE server files for the test splits",
    )


def _method_options(pairs: list[str]) -> dict[str, dict[str, Any]]:
    options: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        method, dot, name = key.partition(".")
        if not sep or not dot or not method or not name:
            raise BenchmarkError(f"--method-option {pair!r} must look like METHOD.KEY=VALUE")
        options.setdefault(method, {})[name] = parse_scalar(value, f"--method-option {key}")
    return options


def check_output_folder(output: Path) -> None:
    """``--output`` must be a folder this user can write records to (or one that can be made)."""
    existing = next((p for p in (output, *output.absolute().parents) if p.exists()), None)
    if output.exists() and not output.is_dir():
        raise BenchmarkError(
            f"--output {output} is a file, not a results folder; pass a folder (a new one is "
            "created), e.g. --output results"
        )
    if existing is not None and not existing.is_dir():
        raise BenchmarkError(
            f"--output {output} cannot be created: {existing} is a file; pass a folder path"
        )
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise BenchmarkError(
            f"--output {output}: {existing} is not writable by this user; pass a folder you "
            "can write to, e.g. --output results"
        )


def _claim_timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BenchmarkError(
            f"--claim-timeout {text!r} is not a number of seconds; pass e.g. --claim-timeout 300"
        ) from None
    return check_timeout(value)


def execute(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    from benchmark.runs.plan import plan_runs  # imports torch: only when running

    return run_matrix(args, settings, plan_runs(settings))


def settings_from(args: argparse.Namespace) -> Settings:
    """The merged settings of `run`'s flags, with every flag-level check done first."""
    names = set(setting_names())  # every flag named like a setting is one, nothing else
    flags = {key: value for key, value in vars(args).items() if key in names}
    if args.method_option:
        flags["method_options"] = _method_options(args.method_option)
    if args.no_progress:
        flags["progress"] = False
    resolve_shard(args.shard)  # a bad --shard or Slurm variable stops before planning
    _claim_timeout(args.claim_timeout)
    settings = resolve_settings(args.profile, args.config, flags)
    check_output_folder(Path(settings.output))  # a bad --output must not wait for training
    return settings


def run_matrix(args: argparse.Namespace, settings: Settings, specs: list[RunSpec]) -> int:
    """Train the planned ``specs`` (this worker's shard of them), or list them (--dry-run)."""
    from benchmark.runs.preflight import check_first_rows

    shard = resolve_shard(args.shard)
    claim_timeout = _claim_timeout(args.claim_timeout)
    output = Path(settings.output)
    check_first_rows(settings, specs)  # a bad row stops the run (and a dry run) here
    planned = len(specs)
    if shard is not None:
        specs = shard.select(specs, lambda spec: spec.run_id)
        log.info("shard %s (from %s): %d of the %d planned runs", shard, shard.source,
                 len(specs), planned)
    world = _launched_world()
    if world.parallel and not world.is_main:  # the main process prints a dry run's matrix
        return 0 if args.dry_run else _follow(world, settings, specs)
    claims = Claims(output, claim_timeout)
    if args.dry_run:
        suite = specs[0].suite if specs else "-"
        part = f" (shard {shard} of {planned})" if shard is not None else ""
        print(f"{len(specs)} run(s) of suite {suite}{part} -> {output}/ "
              "(first rows of every split read)")
        for spec in specs:
            state, holder = "todo", ""
            if finished_record(output, spec.run_id, spec.identity()):
                state = "done"
            elif (claim := claims.look(spec.run_id)) is not None:
                stale = claim.is_stale(claim_timeout)
                stale = ", stale: the next run takes it over" if stale else ""
                state, holder = "claimed", f"  {claim.describe()}{stale}"
            print(f"  {spec.run_id}  [{state}]  {spec.label()}  sampler={spec.sampler}{holder}")
        for task, reason in specs[0].skipped_tasks if specs else ():
            print(f"  skipped {task}: {reason}")
        return 0
    from benchmark.runs.resume import (
        EarlierRecords,
        finished_runs,
        warn_without_test_predictions,
    )

    remove_stale_temp_files(output)  # leftovers of runs killed while writing a record
    claims.tidy()
    finished = {} if settings.overwrite else finished_runs(specs, output)  # checked up front
    if settings.predict_test:
        warn_without_test_predictions(finished)
    sweep = _Sweep(settings, claims, EarlierRecords(output), len(specs), world)
    busy: list[tuple[int, RunSpec]] = []
    for number, spec in enumerate(specs, 1):
        if spec.run_id in finished:
            log.info("[%d/%d] %s: already finished (%s), skipped", number, len(specs),
                     spec.label(), spec.run_id)
            continue
        if sweep.attempt(number, spec) == "busy":
            busy.append((number, spec))
    # Claims that went stale during the pass are a dead worker's: take them over now.
    held_by_others = [(n, s) for n, s in busy if sweep.attempt(n, s) == "busy"]
    # The other processes of this launch stop following. Only here, on success: after an
    # error they may be inside a collective of the run, and the launcher stops them when
    # this process exits with the error (as it stops this one when one of them fails).
    world.broadcast(None)
    done = sweep.trained
    print(
        f"{done} run(s) trained, {len(specs) - done - len(held_by_others)} already finished; "
        f"records in {output}/"
    )
    if held_by_others:
        print(
            f"{len(held_by_others)} run(s) skipped, claimed by other workers that will finish "
            f"them: {', '.join(s.run_id for _, s in held_by_others)}. Run the same command "
            "again later to fill any gaps: a dead worker's claim is taken over once it has had "
            f"no heartbeat for {claims.timeout_s:.0f} s (--claim-timeout)"
        )
    return 0


def _launched_world() -> World:
    """This process's world; a launch of several processes sets up its group first (the
    process's Accelerator) and keeps the logs to the main process."""
    from benchmark.training.parallel import World, current_world, launched_in_parallel

    if not launched_in_parallel():
        return World()
    from benchmark.training.loop import process_accelerator

    process_accelerator()
    world = current_world()
    if not world.is_main:
        logging.getLogger("benchmark").setLevel(logging.ERROR)
    else:
        log.info("one run over %d processes (%s backend): the main process writes",
                 world.size, world.backend)
    return world


def _follow(world: World, settings: Settings, specs: list[RunSpec]) -> int:
    """A non-main process of a launch: train each run the main process announces, writing
    nothing, until it announces the end."""
    from benchmark.runs.execute import execute_run

    by_id = {spec.run_id: spec for spec in specs}
    while (run_id := world.broadcast(None)) is not None:
        execute_run(by_id[run_id], settings.data_dir, Path(settings.output),
                    settings.predict_test, settings.keep_checkpoint, writes=False)
    return 0


class _Sweep:
    """Claims a run, trains it unless another worker finished it meanwhile, releases it."""

    def __init__(
        self, settings: Settings, claims: Claims, earlier: EarlierRecords, total: int,
        world: World,
    ) -> None:
        self.settings = settings
        self.world = world
        self.output = Path(settings.output)
        self.claims = claims
        self.earlier = earlier
        self.total = total
        self.trained = 0
        # the clock record mtimes are compared with
        self.started = folder_clock(claims_folder(self.output))

    def attempt(self, number: int, spec: RunSpec) -> str:
        """``trained``, ``finished`` (by another worker) or ``busy`` (claimed by one)."""
        held = self.claims.acquire(spec.run_id, spec.label())
        if isinstance(held, Busy):
            log.info("[%d/%d] %s: %s, skipped", number, self.total, spec.label(),
                     held.claim.describe())
            return "busy"
        with held:
            if self._finished_meanwhile(spec):
                log.info("[%d/%d] %s: finished by another worker (%s), skipped", number,
                         self.total, spec.label(), spec.run_id)
                return "finished"
            self._train(number, spec)
        return "trained"

    def _finished_meanwhile(self, spec: RunSpec) -> bool:
        """A record written since the up-front check wins over our claim (with --overwrite:
        one written after this worker started, by another worker of the same sweep)."""
        if not self.settings.overwrite:
            return finished_record(self.output, spec.run_id, spec.identity()) is not None
        path = record_path(self.output, spec.run_id)
        try:
            return path.stat().st_mtime >= self.started
        except FileNotFoundError:
            return False

    def _train(self, number: int, spec: RunSpec) -> None:
        from benchmark.runs.execute import execute_run, run_states  # heavy: only to train

        settings = self.settings
        reason = None if settings.overwrite else self.earlier.retrain_reason(spec)
        if reason:
            log.info("[%d/%d] %s: %s", number, self.total, spec.label(), reason)
        states = run_states(self.output, spec)
        if settings.overwrite:
            states.remove()  # redo means from the first step
        elif states.exists():
            log.info("[%d/%d] %s: resuming from the training state saved in %s", number,
                     self.total, spec.label(), states.folder)
        log.info("[%d/%d] %s (run %s)", number, self.total, spec.label(), spec.run_id)
        self.world.broadcast(spec.run_id)  # the other processes of this launch train it too
        record = execute_run(spec, settings.data_dir, self.output, settings.predict_test,
                             settings.keep_checkpoint)
        self.trained += 1
        scores = scores_beside_baselines(record)
        log.info(
            "[%d/%d] %s finished in %.0fs: %s",
            number,
            self.total,
            spec.method,
            record["training"]["wall_time_s"],
            scores,
        )
        interruption.after_record()  # a test's planned Ctrl-C (CAMTL_BENCH_INTERRUPT_*)
