"""The public interface every method (built-in or third-party) implements.

A method decides three things: how its encoder is built from a backbone for a
list of tasks, which of the encoder's parameters it trains, and whether it
trains one model for all tasks (``joint``) or one model per task. Task heads,
the training loop, samplers, evaluation and result records belong to the
harness, so methods differ only in the encoder, what they train and, through
``candidate_scoring``, how MT-Uncertainty candidates are run.

``INTERFACE_VERSION`` is the version of this contract (docs/plugins.md lists the changes);
an encoder written for an older one is refused by name before anything trains
(``checked_encoder``).
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from torch import Tensor, nn

from benchmark.errors import BenchmarkError
from benchmark.methods.scoring import CandidateScoring, ScoringRequest
from benchmark.tasks.spec import TaskSpec
from benchmark.value_types import describe, fits, kind_of

ENTRY_POINT_GROUP = "camtl_bench.methods"
"""Installed packages register methods under this entry-point group."""

INTERFACE_VERSION = 2
"""1: ``Encoder.forward`` returned the pooled ``[rows, hidden]`` tensor. 2: it takes
``all_positions`` and returns an ``EncoderOutput`` (token states and pooled vector);
``Method.candidate_scoring`` says how MT-Uncertainty candidates are scored."""


@dataclass(frozen=True)
class EncoderOutput:
    """What ``Encoder.forward`` gives for a batch: every row's token states and pooled vector.

    ``pooled [rows, hidden]``: what the heads of pooled tasks (classification, regression,
    multiple choice) read, always.
    ``tokens [rows, positions, hidden]``: the top layer's per-token states. With
    ``all_positions=True`` positions is the batch's length (every input position). Without it an
    encoder may compute fewer positions: CA-MTL's top layer runs on [CLS] only, so its
    ``tokens`` is then ``[rows, 1, hidden]``, the [CLS] state. Code that reads token states
    asks for all positions.
    """

    tokens: Tensor
    pooled: Tensor


class Encoder(nn.Module):
    """A task-conditioned encoder giving token states and one pooled vector per row.

    ``task_ids`` holds the task index (0..T-1, in the order of the task list the
    encoder was built for) of every row; encoders that are not conditioned on the
    task ignore it. ``all_positions``: the harness sets it for batches of token-level tasks
    (spans, tags), which read every position's state; an encoder that computes every
    position anyway ignores it.
    """

    hidden_size: int

    def forward(  # noqa: D401 - signature documentation
        self,
        input_ids: Tensor,
        attention_mask: Tensor,
        token_type_ids: Tensor,
        task_ids: Tensor,
        all_positions: bool = False,
    ) -> EncoderOutput:
        raise NotImplementedError


def _takes_all_positions(encoder: nn.Module) -> bool:
    """Whether the encoder's forward accepts the ``all_positions`` keyword (interface 2)."""
    try:
        parameters = inspect.signature(encoder.forward).parameters.values()
    except (AttributeError, TypeError, ValueError):  # judged by its output when it runs
        return True
    return any(
        p.name == "all_positions" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    )


def old_interface_message(method_name: str | None, encoder: nn.Module, found: str) -> str:
    """Why an encoder written for plugin interface 1 is refused, and what to change."""
    who = f"method {method_name!r}: " if method_name else ""
    return (
        f"{who}encoder {type(encoder).__name__} {found} (plugin interface 1); camtl-bench "
        f"implements interface {INTERFACE_VERSION}: forward(input_ids, attention_mask, "
        "token_type_ids, task_ids, all_positions=False) returns "
        "benchmark.methods.EncoderOutput(tokens=[rows, length, hidden], pooled=[rows, hidden]), "
        "e.g. EncoderOutput(out.last_hidden_state, out.pooler_output); see docs/plugins.md"
    )


def check_encoder_interface(method_name: str | None, encoder: nn.Module) -> None:
    """Refuse an encoder whose forward lacks ``all_positions`` (interface 1), by name."""
    if not _takes_all_positions(encoder):
        raise BenchmarkError(
            old_interface_message(method_name, encoder, "has no all_positions argument")
        )


def encoder_output(
    output: Any, encoder: nn.Module, method_name: str | None = None
) -> EncoderOutput:
    """``output`` of ``encoder``'s forward, refused when it is not an ``EncoderOutput``."""
    if isinstance(output, EncoderOutput):
        return output
    found = f"returned a {type(output).__name__}, not an EncoderOutput"
    raise BenchmarkError(old_interface_message(method_name, encoder, found))


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

    def check_build(self, backbone_config: Mapping[str, Any], options: Mapping[str, Any],
                    max_length: int) -> None:
        """Refuse, in planning and so before any run trains, settings this method cannot build
        an encoder from (raise ``BenchmarkError`` naming the setting and the way out).
        ``backbone_config``: the backbone's config.json as a dict. Default: none refused."""
        return None

    def task_specific_parameter_count(self, encoder: Encoder, task_index: int) -> int:
        """Encoder parameters that serve one task only (its embedding row, say); heads excluded."""
        return 0

    def candidate_scoring(self, encoder: Encoder, request: ScoringRequest) -> CandidateScoring:
        """How the MT-Uncertainty sampler runs this method's model over candidates.

        Scoring only ranks candidates, so a method may score them more cheaply than it trains
        (CA-MTL: int8 linears on CPUs). The default: eval mode in the training precision, or,
        for ``scoring_mode="train-fp32"`` (``--fidelity reference``), train mode in fp32.
        """
        return CandidateScoring.default(request)


def checked_encoder(
    method: Method,
    backbone: str,
    tasks: Sequence[TaskSpec],
    options: Mapping[str, Any],
    max_length: int,
) -> Encoder:
    """``method.build_encoder(...)``, refused by name if it implements an older interface.

    The harness builds encoders through this, so a plugin written for interface 1 stops
    with what to change before anything trains.
    """
    encoder = method.build_encoder(backbone, tasks, options, max_length)
    check_encoder_interface(method.name, encoder)
    return encoder
