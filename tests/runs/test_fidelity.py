"""`--fidelity reference`: the reference code's choices, on the built objects."""

from __future__ import annotations

import pytest
import torch

from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.methods.registry import get_method
from benchmark.runs.plan import plan_runs
from benchmark.runs.settings import resolve_settings
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel
from benchmark.training.optimizer import build_optimizer
from benchmark.training.uncertainty import UncertaintyScorer


def _spec(tiny_backbone: str, data_dir, fidelity: str | None, tasks=("mrpc", "stsb")):
    flags = {"tasks": list(tasks), "methods": ["camtl"], "backbone": tiny_backbone,
             "data_dir": str(data_dir), "max_length": 32, "fidelity": fidelity}
    (spec,) = plan_runs(resolve_settings(None, None, flags))
    return spec


def _model(spec) -> MultiTaskModel:
    tasks = [get_task(t) for t in spec.tasks]
    method = get_method(spec.method)
    encoder = method.build_encoder(spec.backbone, tasks, spec.method_options, 32)
    return MultiTaskModel(encoder, tasks)


def _train_sets(spec, data_dir, tokenizer):
    return [
        tokenize_examples(load_split(get_task(t), "train", data_dir)[:40], get_task(t),
                          tokenizer, 32, None)
        for t in spec.tasks
    ]


def test_reference_mode_changes_training_and_the_run_id(tiny_backbone, data_dir):
    project, reference = (_spec(tiny_backbone, data_dir, f) for f in (None, "reference"))
    assert (project.train.weight_decay, reference.train.weight_decay) == (0.01, 0.0)
    assert (project.train.model_selection, reference.train.model_selection) == ("best", "best-dev")
    assert (project.train.scoring_mode, reference.train.scoring_mode) == ("eval", "train-fp32")
    assert reference.train.regression_scores_from == "mrpc"
    assert reference.method_options == {"reference_freezing": True}
    assert reference.run_id != project.run_id
    optimizer = build_optimizer(_model(reference), reference.train)
    decays = {g["weight_decay"] for g in optimizer.param_groups}
    assert decays == {0.0}


def test_reference_mode_freezes_the_attention_film_of_frozen_layers(tiny_backbone, data_dir):
    for fidelity, film_trains in ((None, True), ("reference", False)):
        encoder = _model(_spec(tiny_backbone, data_dir, fidelity)).encoder
        frozen = [s.index for s in encoder.layer_specs if s.frozen]
        film = [p for n, p in encoder.named_parameters()
                if any(n.startswith(f"layers.{i}.attention.self.block_bias.") for i in frozen)
                and ".film." in n]
        assert film and all(p.requires_grad == film_trains for p in film), fidelity


def test_reference_scoring_is_train_mode_fp32_and_copies_mrpc(
    tiny_backbone, data_dir, minilm_tokenizer
):
    spec = _spec(tiny_backbone, data_dir, "reference")
    model = _model(spec).train()
    train_sets = _train_sets(spec, data_dir, minilm_tokenizer)
    scorer = UncertaintyScorer(model, train_sets, 0, "fp32", scoring_mode="train-fp32",
                               regression_scores_from="mrpc", method=get_method(spec.method))
    # through CA-MTL's own scoring hook (int8 in eval mode): the reference's way, as asked
    assert (scorer.precision, scorer.regression_rule) == ("fp32", "copy mrpc")
    assert scorer.scoring.train_mode
    candidates = [(0, i) for i in range(8)] + [(1, i) for i in range(8)]
    torch.manual_seed(0)
    first = scorer(candidates)
    assert model.training  # scored as it trains
    assert list(first[8:]) == list(first[:8])  # STS-B's candidates carry MRPC's scores
    assert not (first == scorer(candidates)).all()  # a new dropout draw, a new score
    evaluated = UncertaintyScorer(model, train_sets, 0, "fp32", precision="fp32")
    assert (evaluated(candidates) == evaluated(candidates)).all()  # eval mode: no dropout
    assert evaluated.regression_rule == "average-task"


def test_copy_rule_falls_back_without_mrpc_and_says_so(tiny_backbone, data_dir, minilm_tokenizer):
    spec = _spec(tiny_backbone, data_dir, "reference", tasks=("rte", "stsb"))
    model = _model(spec)
    scorer = UncertaintyScorer(model, _train_sets(spec, data_dir, minilm_tokenizer), 0, "fp32",
                               scoring_mode="train-fp32", regression_scores_from="mrpc")
    assert scorer.regression_rule.startswith("average-task (mrpc is not")


def test_unknown_fidelity_is_one_clear_error(tiny_backbone, data_dir):
    from benchmark.errors import BenchmarkError

    with pytest.raises(BenchmarkError, match="fidelity"):
        _spec(tiny_backbone, data_dir, "faithful")


@pytest.mark.parametrize(("fidelity", "calibrated"), [(None, True), ("reference", False)])
def test_regression_heads_in_label_units_except_under_reference(
        tiny_backbone, data_dir, tmp_path, fidelity, calibrated):
    """The project's STS-B head predicts in units of its training labels (mean, std); the
    reference code's regresses the raw labels. Read off the kept checkpoint of a real run."""
    import json

    import numpy as np
    from safetensors.torch import load_file

    from benchmark.adaptation.source import checkpoint_folder
    from benchmark.cli.main import main

    spec = _spec(tiny_backbone, data_dir, fidelity, tasks=("stsb",))
    in_id = "regression_calibration" in spec.identity()["train"]
    assert in_id is not calibrated  # in the run id only when off, so earlier ids stay valid
    flags = ["--fidelity", fidelity] if fidelity else []
    assert main(["run", "--tasks", "stsb", "--methods", "mtl", "--backbone", tiny_backbone,
                 "--data-dir", str(data_dir), "--max-train-samples", "20",
                 "--max-eval-samples", "8", "--max-steps", "1", "--batch-size", "4",
                 "--max-length", "32", "--no-progress", "--keep-checkpoint",
                 "--output", str(tmp_path), *flags]) == 0
    (record,) = (json.loads(p.read_text()) for p in tmp_path.glob("*.json"))
    (weights,) = checkpoint_folder(tmp_path, record["run_id"]).glob("*.safetensors")
    state = load_file(weights)
    scale = state["heads.output_scale"].item()
    shift = state["heads.output_shift"].item()
    labels = np.array([e.label for e in load_split(get_task("stsb"), "train", data_dir)])
    if calibrated:
        assert 0.5 < scale < 2.5 and 1.0 < shift < 4.0  # the 20 labels' std and mean
        assert scale == pytest.approx(np.std(labels), rel=0.6)
    else:
        assert (scale, shift) == (1.0, 0.0)
