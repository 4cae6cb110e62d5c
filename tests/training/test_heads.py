"""Shared task heads and the multi-task loss on a hand-built mixed batch."""

import torch
import torch.nn.functional as F

from benchmark.tasks.spec import TaskSpec
from benchmark.training.heads import TaskHeads, example_outputs, multitask_loss


def _task(name, task_type, labels=None):
    return TaskSpec(
        name=name,
        suite="t",
        task_type=task_type,
        text_fields=("a",),
        label_field="label",
        labels=labels,
        metrics=("accuracy",),
        main_score="accuracy",
        splits=("train",),
        local=None,
        hub=None,
    )


TASKS = [
    _task("cls3", "classification", ("a", "b", "c")),
    _task("reg", "regression"),
    _task("mc", "multiple_choice"),
]


def _batch():
    # examples: 0 cls3, 1 reg, 2 mc (2 choices), 3 mc (3 choices), 4 cls3
    task_ids = torch.tensor([0, 1, 2, 2, 2, 2, 2, 0])
    row_example = torch.tensor([0, 1, 2, 2, 3, 3, 3, 4])
    return {
        "task_ids": task_ids,
        "row_example": row_example,
        "example_task": torch.tensor([0, 1, 2, 2, 0]),
        "labels": torch.tensor([2.0, 3.5, 1.0, 2.0, 0.0]),
    }


def test_heads_on_a_mixed_batch_equal_each_task_head_applied_alone():
    torch.manual_seed(0)
    heads = TaskHeads(16, [3, 1, 1]).eval()
    pooled = torch.randn(8, 16)
    task_ids = _batch()["task_ids"]
    logits = heads(pooled, task_ids)
    assert logits.shape == (8, 3)
    for row in range(8):
        head = heads.heads[int(task_ids[row])]
        expected = head(pooled[row])
        torch.testing.assert_close(logits[row, : head.out_features], expected)
        assert torch.all(logits[row, head.out_features :] == 0)


def test_multiple_choice_rows_are_regrouped_per_example_with_padding():
    logits = torch.arange(8 * 3, dtype=torch.float).reshape(8, 3)
    scores, example_ids = example_outputs(logits, _batch(), TASKS[2], 2)
    assert example_ids.tolist() == [2, 3]
    assert scores[0, :2].tolist() == [6.0, 9.0] and scores[0, 2] == float("-inf")
    assert scores[1].tolist() == [12.0, 15.0, 18.0]


def test_loss_is_the_mean_of_the_per_task_losses():
    torch.manual_seed(1)
    logits = torch.randn(8, 3)
    batch = _batch()
    loss = multitask_loss(logits, batch, TASKS)
    cls = F.cross_entropy(logits[[0, 7]], torch.tensor([2, 0]))
    reg = F.mse_loss(logits[1, 0], torch.tensor(3.5))
    mc_scores = torch.stack(
        [
            torch.cat([logits[[2, 3], 0], torch.tensor([float("-inf")])]),
            logits[[4, 5, 6], 0],
        ]
    )
    mc = F.cross_entropy(mc_scores, torch.tensor([1, 2]))
    torch.testing.assert_close(loss, (cls + reg + mc) / 3)


def test_calibrated_regression_head_speaks_in_label_units():
    torch.manual_seed(0)
    heads = TaskHeads(16, [3, 1]).eval()
    pooled = torch.randn(4, 16)
    task_ids = torch.tensor([0, 1, 1, 0])
    before = heads(pooled, task_ids)
    heads.calibrate_regression(1, mean=2.5, std=1.5)
    after = heads(pooled, task_ids)
    torch.testing.assert_close(after[[1, 2], 0], before[[1, 2], 0] * 1.5 + 2.5)
    torch.testing.assert_close(after[[0, 3]], before[[0, 3]])  # classification untouched
