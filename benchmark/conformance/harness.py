"""The end-to-end rule: a short real run through the harness writes a valid, complete record."""

from __future__ import annotations

from benchmark.conformance.context import ConformanceContext
from benchmark.conformance.rule import ConformanceFailure
from benchmark.methods.registry import method_provenance
from benchmark.results.validate import record_problems
from benchmark.runs.execute import execute_run
from benchmark.runs.plan import method_train_config
from benchmark.runs.spec import Budget, RunSpec
from benchmark.training.config import TrainConfig

SEED = 12
BUDGET = Budget(max_train_samples=16, max_eval_samples=8)


def run_spec(name: str, ctx: ConformanceContext) -> RunSpec:
    """The run the rule makes: both bundled tasks, the method's own sampler and training
    overrides, a tiny budget."""
    method = ctx.method(name)
    options = method.resolve_options(None)
    train = TrainConfig(epochs=1, batch_size=8, max_length=ctx.max_length, progress=False)
    return RunSpec(
        method=name,
        method_options=options,
        suite="custom",
        tasks=tuple(t.name for t in ctx.tasks),
        seed=SEED,
        backbone=ctx.backbone,
        sampler=method.default_sampler if method.joint else "sequential",
        budget=BUDGET,
        train=method_train_config(train, method, options),  # as `run` applies them
    )


def runs_through_the_harness(name: str, ctx: ConformanceContext) -> None:
    """Train, evaluate and record one run; the record validates and says who made it:
    label, family, and the distribution, version and declared libraries of the method."""
    cls = type(ctx.method(name))
    output = ctx.scratch("results")
    spec = run_spec(name, ctx)
    record = execute_run(spec, str(ctx.data_dir), output)
    problems = record_problems(record)
    if problems:
        raise ConformanceFailure("the record does not validate: " + "; ".join(problems[:4]))
    if not (output / f"{record['run_id']}.json").is_file():
        raise ConformanceFailure(f"no record file {record['run_id']}.json was written")
    expected = {
        "method_label": cls.label or name,
        "method_family": cls.family,
        "method_provenance": method_provenance(name),
    }
    for key, value in expected.items():
        if record.get(key) != value:
            raise ConformanceFailure(f"record {key} is {record.get(key)!r}, expected {value!r}")
    missing = [t.name for t in ctx.tasks if record["main_scores"].get(t.name) is None]
    if missing:
        raise ConformanceFailure(f"no main score for {', '.join(missing)}")
    if record["training"]["steps"] < 1 or record["parameters"]["trainable"] < 1:
        raise ConformanceFailure("the run made no training step or trained no parameter")
