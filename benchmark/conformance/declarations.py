"""Rules on what a method declares: its name, label, family, sampler, dependencies, options."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from benchmark.conformance.context import ConformanceContext
from benchmark.conformance.rule import ConformanceFailure
from benchmark.errors import BenchmarkError
from benchmark.families import METHOD_FAMILIES
from benchmark.methods.registry import discover_methods
from benchmark.training.samplers import SAMPLERS

UNKNOWN_OPTION = "no_such_option_for_conformance"


def _nonempty_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def declares_name_and_summary(name: str, ctx: ConformanceContext) -> None:
    """``name`` is the registered name (records and checkpoints use it) and a summary is set."""
    cls = type(ctx.method(name))
    declared = getattr(cls, "name", None)
    if declared != name:
        raise ConformanceFailure(
            f"the class's name is {declared!r} but it is registered as {name!r}; set "
            f"name = {name!r} (records, checkpoints and --method-option use the name)"
        )
    if not _nonempty_text(getattr(cls, "summary", None)):
        raise ConformanceFailure("summary is not set: one line for `python -m benchmark list`")


def declares_label_and_family(name: str, ctx: ConformanceContext) -> None:
    """A display label of its own and a family from the known set, for the reports' rows."""
    cls = type(ctx.method(name))
    if not _nonempty_text(cls.label):
        raise ConformanceFailure(
            'label is not set: give the class a display label for reports, e.g. '
            'label = "BitFit (bias terms only)"'
        )
    if cls.family not in METHOD_FAMILIES:
        raise ConformanceFailure(
            f"family is {cls.family!r}; set family to one of {', '.join(METHOD_FAMILIES)} "
            "(reports group and order rows by it)"
        )
    twins = sorted(
        other for other, entry in discover_methods().items()
        if other != name and getattr(entry.method_class, "label", None) == cls.label
    )
    if twins:
        raise ConformanceFailure(
            f"label {cls.label!r} is also the label of {', '.join(twins)}: reports could not "
            "tell the rows apart (a subclass must set its own label)"
        )


def declares_training_mode(name: str, ctx: ConformanceContext) -> None:
    """``joint`` is a bool and ``default_sampler`` a registered sampler."""
    cls = type(ctx.method(name))
    if not isinstance(cls.joint, bool):
        raise ConformanceFailure(f"joint is {cls.joint!r}; set it to True or False")
    if cls.default_sampler not in SAMPLERS:
        raise ConformanceFailure(
            f"default_sampler {cls.default_sampler!r} is not a sampler; use one of "
            f"{', '.join(SAMPLERS)}"
        )


def dependencies_installed(name: str, ctx: ConformanceContext) -> None:
    """Every declared dependency is an installed distribution, so its version can be recorded."""
    declared = type(ctx.method(name)).dependencies
    if isinstance(declared, str) or not all(isinstance(d, str) for d in declared):
        raise ConformanceFailure(
            f"dependencies is {declared!r}; declare a tuple of distribution names, e.g. "
            '("peft",)'
        )
    for dependency in declared:
        try:
            version(dependency)
        except PackageNotFoundError:
            raise ConformanceFailure(
                f"declared dependency {dependency!r} is not an installed distribution: install "
                "it, or fix the name (the name pip installs it under)"
            ) from None


def options_resolve(name: str, ctx: ConformanceContext) -> None:
    """Defaults resolve to themselves and an unknown option name is refused by name."""
    method = ctx.method(name)
    defaults = dict(method.option_defaults)
    for given in (None, defaults):
        resolved = method.resolve_options(given)
        if resolved != defaults:
            raise ConformanceFailure(
                f"resolve_options({given!r}) gave {resolved!r}, not the declared defaults "
                f"{defaults!r}"
            )
    try:
        method.resolve_options({UNKNOWN_OPTION: 1})
    except BenchmarkError as exc:
        if UNKNOWN_OPTION not in str(exc):
            raise ConformanceFailure(
                f"an unknown option was refused without naming it: {exc}"
            ) from None
    else:
        raise ConformanceFailure(
            f"resolve_options accepted the unknown option {UNKNOWN_OPTION!r}: a misspelt "
            "--method-option would be ignored silently; raise BenchmarkError naming it"
        )
