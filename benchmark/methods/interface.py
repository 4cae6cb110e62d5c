"""The public interface every method (built-in or third-party) implements.

A method decides three things: how its encoder is built from a backbone for a
list of tasks, which of the encoder's parameters it trains, and whether it
trains one model for all tasks (``joint``) or one model per task. Task heads,
the training loop, samplers, evaluation and result records belong to the
harness, so methods differ only in the encoder and what they train.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from torch import Tensor, nn

from benchmark.errors import BenchmarkError
from benchmark.tasks.spec import TaskSpec
from benchmark.value_types import describe, fits, kind_of

ENTRY_POINT_GROUP = "camtl_bench.methods"
"""Installed packages register methods under this entry-point group."""


class Encoder(nn.Module):
    """A task-conditioned sentence encoder returning one pooled vector per row.

    ``task_ids`` holds the task index (0..T-1, in the order of the task list the
    encoder was built for) of every row; encoders that are not conditioned on the
    task ignore it.
    """

    hidden_size: int

    def forward(  # noqa: D401 - signature documentation
        self,
        input_ids: Tensor,
        attention_mask: Tensor,
        token_type_ids: Tensor,
        task_ids: Tensor,
    ) -> Tensor:
        raise NotImplementedError


class Method(ABC):
    """A benchmarked method. Subclasses set the class attributes and ``build_encoder``."""

    name: ClassVar[str]
    summary: ClassVar[str]
    label: ClassVar[str] = ""
    """How reports name the method's rows ("Houlsby adapters"); records carry it."""
    family: ClassVar[str | None] = None
    """One of ``benchmark.families.METHOD_FAMILIES``; reports group and order rows by it."""
    dependencies: ClassVar[tuple[str, ...]] = ()
    """Distributions the method relies on beyond the harness (``("adapters",)``): their
    installed versions are recorded with every run of the method."""
    joint: ClassVar[bool] = True
    """True: one model serves every task. False: the harness trains one model per task."""
    default_sampler: ClassVar[str] = "proportional"
    backbone_model_types: ClassVar[tuple[str, ...]] = ("bert",)
    """``model_type`` values of the backbones the encoder can be built on; plan refuses others
    before anything loads."""
    option_defaults: ClassVar[Mapping[str, Any]] = {}
    option_types: ClassVar[Mapping[str, Any]] = {}
    """Optional declared type of an option (``float``, ``int | None``, ``(int, float)``);
    an option without one must have its default's type (an int default takes ints only)."""
    train_options: ClassVar[tuple[str, ...]] = ()
    """Options that are training settings (``TrainConfig`` fields, e.g. houlsby's
    ``learning_rate``): plan applies them over the run's training config once, so the run id,
    tokenization, encoder and record all see the same values."""

    fidelity_options: ClassVar[Mapping[str, Any]] = {}
    """Options that ``--fidelity reference`` sets (the reference code's choices for this
    method); options given by the user win over them."""

    def resolve_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        """Merge user options over the defaults, refusing names the method does not know."""
        merged = dict(self.option_defaults)
        for key, value in (options or {}).items():
            if key not in merged:
                known = ", ".join(sorted(merged)) or "none"
                raise BenchmarkError(
                    f"method {self.name!r} has no option {key!r} (known options: {known})"
                )
            self.check_option(key, value)
            merged[key] = value
        return merged

    def check_option(self, key: str, value: Any) -> None:
        """Refuse a value of the wrong type (``bottleneck=2.5``, ``learning_rate=abc``, NaN)
        before it trains something other than the record says."""
        default = self.option_defaults.get(key)
        expected = self.option_types.get(key, Any if default is None else type(default))
        if fits(value, expected):
            return
        example = default if default is not None else "VALUE"
        raise BenchmarkError(
            f"method {self.name!r} option {key!r} is {kind_of(value)} ({value!r}), expected "
            f"{describe(expected)}; e.g. --method-option {self.name}.{key}={example}"
        )

    def train_overrides(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """The resolved options that override training settings (those in ``train_options``)."""
        return {name: options[name] for name in self.train_options if name in options}

    @abstractmethod
    def build_encoder(
        self,
        backbone: str,
        tasks: Sequence[TaskSpec],
        options: Mapping[str, Any],
        max_length: int,
    ) -> Encoder:
        """Build the encoder for ``tasks`` with ``requires_grad`` set as the method trains it."""

    def task_specific_parameter_count(self, encoder: Encoder, task_index: int) -> int:
        """Encoder parameters that serve one task only (its embedding row, say); heads excluded."""
        return 0
