"""The one training loop, for single-task and multi-task training alike.

Accelerate owns device placement, with one ``Accelerator`` per process
(``process_accelerator``); each run applies its own precision (fp32 or bf16 autocast),
so runs of both precisions share a process. The sampler decides which examples form
each batch; the loop steps, clips, schedules, evaluates on every task's dev split a
fixed number of times per epoch, or only after the last step (``evaluations_per_epoch``; and
on the held-out selection slice for ``best``), and keeps the evaluation
``benchmark.training.selection`` selects as the run's result.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import time
from collections.abc import Sequence

import torch
from accelerate import Accelerator
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from benchmark import interruption
from benchmark.data.collate import collate
from benchmark.data.tokenize import TokenizedExample
from benchmark.errors import TrainingError
from benchmark.methods.interface import Method
from benchmark.metrics import main_score
from benchmark.training.config import TrainConfig
from benchmark.training.device import compile_encoder, to_device
from benchmark.training.dropout_masks import dropout_masks
from benchmark.training.evaluate import (
    EvalSet,
    autocast_for,
    evaluate,
    evaluate_with_predictions,
)
from benchmark.training.heads import MultiTaskModel, multitask_loss, task_losses
from benchmark.training.length_groups import group_loss, length_groups, loss_units
from benchmark.training.optimizer import build_optimizer
from benchmark.training.outcome import TrainOutcome
from benchmark.training.parallel import current_world
from benchmark.training.part_state import finished_part, resume_part, state_contents
from benchmark.training.progress import LoopProgress
from benchmark.training.samplers import SamplerContext, make_sampler
from benchmark.training.selection import CheckpointSelector, slice_scores
from benchmark.training.train_state import (
    PartState,
    SavePolicy,
    random_state,
    trainable_weights,
)
from benchmark.training.uncertainty import UncertaintyScorer
from benchmark.training.usage import DataUsage, run_length_encode, starved_tasks

log = logging.getLogger(__name__)


@functools.cache
def process_accelerator() -> Accelerator:
    """The process's one ``Accelerator``: device placement (and, later, data parallelism).

    Accelerate keeps its state in process-wide singletons and refuses another mixed
    precision once one is set: with an ``Accelerator`` per run, a process that trained an
    fp32 run could not train a bf16 run, nor the reverse. So this accelerator carries no
    precision; ``train_and_evaluate`` applies each run's own with ``autocast_for``.
    """
    try:
        return Accelerator(mixed_precision="no", cpu=not torch.cuda.is_available())
    except ValueError as exc:  # other code in this process set up accelerate with a precision
        raise TrainingError(
            f"accelerate was already set up in this process by other code ({exc}); the "
            "training loop applies each run's precision itself (TrainConfig.precision), so "
            "create no Accelerator with mixed_precision before training, or train in a new "
            "process"
        ) from exc


def _set_determinism(enabled: bool) -> None:
    """Deterministic kernels (warn-only where an op has none, e.g. some CUDA kernels)."""
    if enabled:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS needs it
    torch.use_deterministic_algorithms(enabled, warn_only=True)


def train_and_evaluate(
    model: MultiTaskModel,
    train_sets: Sequence[Sequence[TokenizedExample]],
    eval_sets: Sequence[EvalSet],
    cfg: TrainConfig,
    sampler_name: str,
    seed: int,
    pad_token_id: int,
    selection_sets: Sequence[EvalSet] = (),
    method: Method | None = None,
    state: PartState | None = None,
    carried_tasks: Sequence[int] = (),
) -> TrainOutcome:
    """Train ``model`` on ``train_sets`` (one per task, in model.tasks order) and evaluate.

    ``selection_sets``: the held-out slices ``model_selection="best"`` selects on;
    ``method``: whose ``candidate_scoring`` hook runs MT-Uncertainty scoring (None: the default);
    ``state``: where this training's resumable state is saved (``cfg.state_every_*``) and
    resumed from when one is there; ``carried_tasks``: indices of tasks the model carries
    from a source model without training them (domain adaptation): their training sets are
    empty, and usage and schedule leave them out.
    """
    if cfg.model_selection == "best" and not selection_sets:
        raise TrainingError(
            "model_selection best selects on held-out slices of the training data, but none "
            "were given; pass selection_sets, or use model_selection best-dev or last"
        )
    for index, (task, data) in enumerate(zip(model.tasks, train_sets, strict=True)):
        if not data and index not in carried_tasks:
            raise TrainingError(
                f"task {task.name!r} has an empty training set; check the data files or raise "
                "--max-train-samples"
            )
    interruption.check_environment()
    accelerator = process_accelerator()
    masks = "torch" if cfg.compile else cfg.dropout_masks
    try:
        with dropout_masks(masks, accelerator.device):
            return _train(
                accelerator, model, train_sets, eval_sets, cfg, sampler_name, seed,
                pad_token_id, selection_sets, method, state,
            )
    finally:
        accelerator.free_memory()  # it outlives the run: let go of this run's model and optimizer


def _train(
    accelerator: Accelerator,
    model: MultiTaskModel,
    train_sets: Sequence[Sequence[TokenizedExample]],
    eval_sets: Sequence[EvalSet],
    cfg: TrainConfig,
    sampler_name: str,
    seed: int,
    pad_token_id: int,
    selection_sets: Sequence[EvalSet],
    method: Method | None = None,
    state: PartState | None = None,
) -> TrainOutcome:
    """The run itself, on the process's ``accelerator``; resumed from ``state`` if saved."""
    started = time.perf_counter()
    saved = state.load() if state is not None else None
    if saved is not None and saved["finished"]:
        return finished_part(model, state, saved)
    _set_determinism(cfg.deterministic)
    torch.manual_seed(seed)
    sampler = make_sampler(
        sampler_name,
        SamplerContext(
            lengths=[[f.length for f in data] for data in train_sets],
            batch_size=cfg.batch_size,
            seed=seed,
            group_by_length=cfg.group_by_length,
            temperature=cfg.temperature,
            uncertainty_epoch=cfg.uncertainty_epoch,
        ),
    )
    steps_per_epoch = sampler.steps_per_epoch()
    total_steps = cfg.max_steps or max(1, math.ceil(cfg.epochs * steps_per_epoch))
    sampler.ctx.warmup_steps = int(cfg.uncertainty_warmup * total_steps)
    optimizer = build_optimizer(model, cfg, accelerator.device)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(cfg.warmup_ratio * total_steps), total_steps
    )
    world = current_world()
    if world.parallel:  # gradients are summed by reduce_gradients, not by a DDP wrapper
        model.to(accelerator.device)
        world.same_weights(model)
        trainable = [p for p in model.parameters() if p.requires_grad]
    else:
        model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    if cfg.compile:
        compile_encoder(model)
    eval_points = _evaluation_steps(steps_per_epoch, total_steps, cfg.evaluations_per_epoch)
    names = [t.name for t in model.tasks]
    scorer = (
        UncertaintyScorer(
            model, train_sets, pad_token_id, cfg.precision,
            scoring_mode=cfg.scoring_mode, regression_scores_from=cfg.regression_scores_from,
            method=method,
        )
        if sampler.mixes_tasks
        else None
    )
    progress = LoopProgress.start(DataUsage(names, [len(d) for d in train_sets]),
                                  CheckpointSelector(cfg.model_selection, model.tasks))
    if saved is not None:
        resume_part(state, saved, model, optimizer, scheduler, sampler, progress, total_steps)
    world.own_dropout(seed, progress.step)  # after a resume too: the saved state is main's
    policy = SavePolicy(cfg.state_every_steps, cfg.state_every_minutes)
    last_saved = time.monotonic()
    times = progress.times
    mark = time.perf_counter()  # the gap until the sampler yields a batch is its scoring
    bar = tqdm(total=total_steps, initial=progress.step, desc=f"train {'+'.join(names)}",
               disable=not (cfg.progress and world.is_main))
    model.train()
    while progress.step < total_steps:
        for batch_items in sampler.epoch(scorer):
            step_started = time.perf_counter()
            times.add("score_s", step_started - mark)
            if progress.step >= total_steps:
                break
            if scorer is not None:
                progress.usage.record_seen(sampler.last_candidates)
            else:
                progress.usage.record_seen(batch_items)
            items = [(task, train_sets[task][index]) for task, index in batch_items]
            if world.parallel:  # this process's shard, weighted as part of the whole batch
                loss = _forward_backward(model, world.shard(items), pad_token_id,
                                         cfg.precision, accelerator, items)
                loss = world.reduce_gradients(trainable, loss)
            else:
                loss = _forward_backward(model, items, pad_token_id, cfg.precision,
                                         accelerator)
            loss_value = loss.item()  # the step's one wait for the device: the logged loss
            if not math.isfinite(loss_value):
                tasks_in_batch = sorted({names[t] for t, _ in batch_items})
                raise TrainingError(
                    f"the loss became {loss_value} at step {progress.step + 1} (tasks "
                    f"{tasks_in_batch}); lower --learning-rate, use --precision fp32, or check "
                    "the labels"
                )
            accelerator.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            progress.record_step(batch_items, loss_value)
            bar.update(1)
            times.add("train_s", time.perf_counter() - step_started)
            if progress.step in eval_points:
                _evaluate_step(model, eval_sets, selection_sets, cfg, pad_token_id,
                               steps_per_epoch, progress)
            if state is not None and world.is_main and progress.step < total_steps and \
                    policy.due(progress.step, last_saved):
                with times.phase("state_s"):
                    state.save(state_contents(model, optimizer, scheduler, sampler, progress,
                                               time.perf_counter() - started))
                last_saved = time.monotonic()
            interruption.after_step()
            mark = time.perf_counter()
    bar.close()
    step = progress.step
    starved = _warn_starved(names, progress.usage.available, progress.task_rows, step,
                            sampler_name)
    selector = progress.selector
    if progress.best_state is not None and selector.step != step:
        model.load_state_dict(progress.best_state, strict=False)  # frozen weights never changed
    assert selector.step >= 0
    outcome = TrainOutcome(
        metrics=selector.metrics,
        main_scores=selector.scores,
        selected_step=selector.step,
        steps=step,
        history=progress.history,
        task_schedule={n: run_length_encode(s) for n, s, size in
                       zip(names, progress.task_steps, progress.usage.available, strict=True)
                       if size},  # a carried task (no examples) was never scheduled
        data_usage=progress.usage.as_record(),
        wall_time_s=progress.earlier_wall_s + time.perf_counter() - started,
        scoring_precision=scorer.precision if scorer is not None else None,
        regression_rule=scorer.regression_rule if scorer is not None else None,
        example_predictions=progress.selected_predictions,
        starved_tasks=starved,
        timing=times.as_record(),
    )
    if state is not None and world.is_main:
        with times.phase("state_s"):
            state.save({"finished": True, "outcome": outcome.as_state(),
                        "weights": trainable_weights(model), "random": random_state()})
    return outcome


def _evaluation_steps(steps_per_epoch: int, total_steps: int, per_epoch: int) -> set[int]:
    """The steps after which dev is evaluated: ``per_epoch`` times an epoch, and always after
    the last step (the only one when ``per_epoch`` is 0)."""
    if per_epoch == 0:
        return {total_steps}
    every = max(1, steps_per_epoch // per_epoch)
    return set(range(every, total_steps + 1, every)) | {total_steps}


def _evaluate_step(model: MultiTaskModel, eval_sets: Sequence[EvalSet],
                   selection_sets: Sequence[EvalSet], cfg: TrainConfig, pad_token_id: int,
                   steps_per_epoch: int, progress: LoopProgress) -> None:
    """One evaluation: dev (and the selection slice for ``best``), into the history; the
    selector decides whether this step's weights and predictions are the run's result."""
    times, step = progress.times, progress.step
    with times.phase("eval_s"):
        metrics, predictions = evaluate_with_predictions(
            model, eval_sets, cfg.eval_batch_size, pad_token_id, cfg.precision
        )
    scores = {t: main_score(_task(model, t), m) for t, m in metrics.items()}
    entry = {
        "step": step,
        "epoch": round(step / steps_per_epoch, 4),
        "train_loss": progress.take_running_loss(),
        "main_scores": scores,
    }
    selection_scores = None
    if cfg.model_selection == "best":
        with times.phase("selection_s"):
            selection_scores = slice_scores(model.tasks, evaluate(
                model, selection_sets, cfg.eval_batch_size, pad_token_id, cfg.precision,
            ))  # fmt: skip
        entry["selection_scores"] = selection_scores
    progress.history.append(entry)
    log.info("step %d: %s", step, _format_scores(scores))
    if progress.selector.consider(step, metrics, scores, selection_scores):
        progress.selected_predictions = predictions
        if cfg.model_selection != "last":
            progress.best_state = {
                n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad
            }


def _forward_backward(model: MultiTaskModel, items: list, pad_token_id: int, precision: str,
                      accelerator: Accelerator, batch_items: list | None = None
                      ) -> torch.Tensor:
    """The step's loss (on the device), its gradients accumulated: one pass, or one per
    length group of a batch whose rows differ much in length (``length_groups``: the same
    gradient). Nothing here waits for the device; the caller reads the loss once and raises
    on a non-finite one before the optimizer steps. ``batch_items``: the whole batch when
    ``items`` are one process's shard of it (weighted as its part of that batch)."""
    groups = length_groups(items) if items else []
    whole = batch_items is None and len(groups) == 1
    batch_units = None if whole else loss_units(batch_items or items, model.tasks)
    total = torch.zeros((), device=accelerator.device)
    for group in groups:
        part = items if len(groups) == 1 else [items[i] for i in group]
        batch = to_device(collate(part, pad_token_id), accelerator.device)
        with autocast_for(precision, accelerator.device):  # this run's precision
            logits = model(batch).float()  # fp32 losses
            loss = (multitask_loss(logits, batch, model.tasks) if whole else
                    group_loss(task_losses(logits, batch, model.tasks),
                               loss_units(part, model.tasks), batch_units))
        accelerator.backward(loss)
        total = total + loss.detach()
    return total


def _warn_starved(
    names: Sequence[str], available: Sequence[int], trained: Sequence[int], steps: int,
    sampler_name: str,
) -> dict[str, dict[str, float | int | str]]:
    """``starved_tasks`` of this run, each said in the log: its scores barely reflect training."""
    starved = starved_tasks(names, available, trained, sum(trained))
    way_out = "raise --max-steps or --epochs"
    if sampler_name != "proportional":
        way_out += ", or use --sampler proportional"
    for name, entry in starved.items():
        log.warning(
            "task %s was trained on %d of the %d examples of %d steps (proportional share "
            "%.1f): starved by the %s sampler, so its scores say little about the method; %s",
            name, entry["updates"], sum(trained), steps, entry["proportional_share"],
            sampler_name, way_out,
        )
    return starved


def _task(model: MultiTaskModel, name: str):
    return next(t for t in model.tasks if t.name == name)


def _format_scores(scores: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.1f}" for k, v in scores.items())
