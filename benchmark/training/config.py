"""Training hyper-parameters: one dataclass, recorded verbatim in every result."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, get_args

from benchmark.errors import BenchmarkError

DropoutMasks = Literal["int16", "torch"]
"""``int16``: CPU dropout masks from 16-bit slices of random words; ``torch``: torch's own."""


@dataclass(frozen=True)
class TrainConfig:
    """Defaults follow the reference code (AdamW 2e-5, 10% warm-up, clip 1.0, L=128)."""

    epochs: float = 3.0
    batch_size: int = 32
    eval_batch_size: int = 128
    learning_rate: float = 2e-5
    weight_decay: float = 0.01
    """BERT's fine-tuning convention (not on biases and LayerNorm weights); the reference code
    uses 0.0 (``fidelity: reference``)."""
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    max_length: int = 128
    max_steps: int | None = None
    precision: Literal["fp32", "bf16"] = "fp32"
    model_selection: Literal["best", "best-dev", "last"] = "best"
    """``best``: the evaluation with the highest mean task score on a held-out slice of the
    training data (``selection_fraction``); ``best-dev``: the reference code's choice, each
    metric's maximum over the dev evaluations (optimistic: selected on the reported split);
    ``last``: the final evaluation."""
    selection_fraction: float = 0.1
    """Share of each task's training examples (after the budget) held out for ``best``,
    clamped to ``SELECTION_MIN``..``SELECTION_MAX`` examples (benchmark/runs/prepare.py)."""
    fidelity: Literal["project", "reference"] = "project"
    """``reference`` reproduces the reference code's choices (benchmark/training/fidelity.py)."""
    scoring_mode: Literal["eval", "train-fp32"] = "eval"
    """MT-Uncertainty scoring: eval mode (dropout off, fast precision) or, as the reference
    code, train mode with dropout on, in fp32."""
    regression_scores_from: str | None = None
    """MT-Uncertainty: a task whose candidate scores regression candidates copy (the reference
    copies MRPC's onto STS-B); None uses camtl's average-task rule."""
    uncertainty_warmup: float = 0.1
    """MT-Uncertainty: the share of the steps (like ``warmup_ratio``) whose batch is drawn at
    random from the candidates, unscored, before the uncertainty ranking starts. Freshly
    initialised heads give every task a normalised entropy of ~1.0, so the ranking starts on
    ties that the m_i/M weighting turns into winner-takes-all: without a warm-up one task can
    hold every slot from step 1 and the others never train (measured: CoLA 0 of 320 updates
    on the learn profile). The paper and the reference code have none: ``fidelity: reference``
    sets 0."""
    uncertainty_epoch: Literal["sum", "largest-x-tasks"] = "sum"
    """MT-Uncertainty's epoch: ``sum`` of the tasks' batches, as every other joint sampler, so
    methods compared at one budget take the same number of steps; ``largest-x-tasks``, the
    reference code's (largest task's batches x T: with one task three times the others', a
    CA-MTL epoch is 3T/(T+2) times an MTL one; ``fidelity: reference`` sets it)."""
    regression_calibration: bool = True
    """Regression heads predict in units of their training labels' mean and std (the head's
    output times the std, plus the mean; ``MultiTaskHeads.calibrate_regression``). A fresh
    linear head on BERT's tanh pooler starts near 0 and must learn STS-B's 0..5 range before
    it can learn anything else: at laptop budgets it stays at baseline without this. The
    reference code regresses the raw labels (``fidelity: reference`` sets false)."""
    evaluations_per_epoch: int = 1
    """Dev evaluations per epoch, the last one after the final step; ``0``: only that final
    one. ``model_selection: last`` reads nothing but the final evaluation, so 0 saves the
    others' time (on a 2-core CPU in fp32 about two thirds of a 3-epoch run's evaluation
    time) at the cost of the learning curve; ``best`` and ``best-dev`` need >= 1."""
    fused_optimizer: bool = True
    """AdamW as torch's fused kernel (CPU and CUDA): the same update rule as torch's default
    kernel, rounded differently (~1 ulp per step), and on a 2-core CPU ~5x faster per
    optimizer step, a fifth of a MiniLM training step (README, "Where the time goes");
    ``false`` runs the default kernel."""
    dropout_masks: DropoutMasks = "int16"
    """Training on a CPU: dropout masks cut from 64-bit random words (``int16``, the same
    distribution with p rounded to a multiple of 1/65,536) or torch's per-element Bernoulli
    draws (``torch``, a sixth of a MiniLM step at length 128 on 2 cores; benchmark/training/
    dropout_masks.py). Either way the draws come from torch's seeded generator; the two give
    different draws, so they are different runs (``torch`` keeps the ids of runs recorded
    before the setting existed). No effect on a GPU or with ``compile``, but the id does not
    know the device: a GPU run at ``int16`` has another id than the same run at ``torch``."""
    group_by_length: bool = True
    temperature: float = 2.0
    progress: bool = True
    state_every_minutes: float | None = 10.0
    """Save a resumable training state every this many minutes of training (None: not by
    time), so a killed run resumes where it was (benchmark/training/train_state.py). Not
    part of the run's identity: saving does not change what the run computes."""
    state_every_steps: int | None = None
    """... and/or every this many optimizer steps (None: not by steps)."""
    forgetting: bool = True
    """Measure after training how much of the pretrained encoder's ability remains (STS-B
    zero-shot, masked-LM loss, CKA; the record's ``forgetting``, docs/results.md). Seconds
    per trained encoder on a CPU; ``forgetting: false`` in a profile or config skips it."""
    tf32: bool = True
    """On CUDA, float32 matmuls on the tensor cores in TF32 (10-bit mantissa products, float32
    sums; several times the IEEE float32 throughput on Ampere and later GPUs). Changes
    nothing on a CPU. ``false`` keeps IEEE float32 on a GPU (``--precision fp32`` runs that
    must match a CPU run more closely)."""
    compile: bool = False
    """``torch.compile`` the encoder (dynamic shapes). Its kernels round differently from the
    eager ones, so a compiled run is another run (its own id); the first steps of each new
    shape include compilation. Measured by tests/benchmarks/test_gpu_speed.py."""
    deterministic: bool = True
    """torch's deterministic kernels: the same seed gives the same record, bit for bit.
    Without them CA-MTL runs drift by ~1e-8 between processes, and MT-Uncertainty turns
    that into different batches (measured: SST-2 43.8 vs 53.1 on the smoke profile)."""

    def __post_init__(self) -> None:
        problems = []
        if self.epochs <= 0 and not self.max_steps:
            problems.append(f"epochs must be > 0 (got {self.epochs})")
        if self.batch_size < 1 or self.eval_batch_size < 1:
            problems.append("batch sizes must be >= 1")
        if not 0 <= self.warmup_ratio < 1:
            problems.append(f"warmup_ratio must be in [0, 1) (got {self.warmup_ratio})")
        if self.learning_rate <= 0:
            problems.append(f"learning_rate must be > 0 (got {self.learning_rate})")
        if self.max_length < 8 or self.max_length > 512:
            problems.append(f"max_length must be in 8..512 (got {self.max_length})")
        if self.dropout_masks not in get_args(DropoutMasks):
            problems.append(f"dropout_masks must be {' or '.join(get_args(DropoutMasks))} "
                            f"(got {self.dropout_masks!r})")
        if self.precision not in ("fp32", "bf16"):
            problems.append(f"precision must be fp32 or bf16 (got {self.precision!r})")
        if self.model_selection not in ("best", "best-dev", "last"):
            problems.append(
                f"model_selection must be best, best-dev or last (got {self.model_selection!r})"
            )
        if not 0 <= self.uncertainty_warmup < 1:
            problems.append(
                f"uncertainty_warmup must be in [0, 1) (got {self.uncertainty_warmup})")
        if not 0 < self.selection_fraction < 1:
            problems.append(f"selection_fraction must be in (0, 1) (got {self.selection_fraction})")
        if self.state_every_minutes is not None and not self.state_every_minutes > 0:
            problems.append(
                f"state_every_minutes must be > 0 or null (got {self.state_every_minutes})")
        if self.state_every_steps is not None and self.state_every_steps < 1:
            problems.append(
                f"state_every_steps must be >= 1 or null (got {self.state_every_steps})")
        if self.evaluations_per_epoch < 0:
            problems.append(
                f"evaluations_per_epoch must be >= 0 (got {self.evaluations_per_epoch})")
        elif self.evaluations_per_epoch == 0 and self.model_selection != "last":
            problems.append(
                f"model_selection {self.model_selection} chooses among evaluations, but "
                "evaluations_per_epoch 0 evaluates once, after the last step: set "
                "evaluations_per_epoch >= 1, or model_selection last")
        if problems:
            raise BenchmarkError("impossible training config: " + "; ".join(problems))

    def as_dict(self) -> dict:
        return asdict(self)
