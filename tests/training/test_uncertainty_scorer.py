"""The harness's MT-Uncertainty scorer on real candidates with the real MiniLM CA-MTL model.

Chunking, length sorting and eval mode must not change a score (checked against scoring
every candidate on its own); int8 may move near-ties but must pick a batch that is as
uncertain as the fp32 pick; and scoring must leave the model as it found it.
"""

import pytest
import torch
from torch import nn

from baselines.camtl_method import CaMtl
from baselines.mtl import StandardMultiTask
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.tasks.registry import get_task
from benchmark.training.evaluate import task_outputs
from benchmark.training.heads import MultiTaskModel
from benchmark.training.uncertainty import UncertaintyScorer
from camtl import mt_uncertainty_scores, select_most_uncertain
from camtl.backbones import DEFAULT_BACKBONE
from camtl.quantized import int8_available

TASKS = ("sst2", "stsb", "rte", "copa")  # classification, regression, pairs, multiple choice
PER_TASK = 16


@pytest.fixture(scope="module")
def train_sets(data_dir, minilm_tokenizer):
    tasks = [get_task(t) for t in TASKS]
    return tasks, [
        tokenize_examples(
            load_split(t, "train", data_dir)[:PER_TASK], t, minilm_tokenizer, 64, None
        )
        for t in tasks
    ]


def _model(method, tasks) -> MultiTaskModel:
    torch.manual_seed(0)
    model = MultiTaskModel(method.build_encoder(DEFAULT_BACKBONE, tasks, {}, 64), tasks)
    with torch.no_grad():  # informative heads, as after some training: varied entropies
        for head in model.heads.heads:
            head.weight.normal_(std=0.5)
    return model.train()


CANDIDATES = [(task, index) for task in range(len(TASKS)) for index in range(PER_TASK)]


def _one_by_one_scores(model, tasks, features, pad_id) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        outputs = [
            task_outputs(model, [(t, features[t][i])], pad_id, "fp32")[0].reshape(-1)
            for t, i in CANDIDATES
        ]
    model.train()
    logits = torch.full((len(outputs), max(o.numel() for o in outputs) + 1), -1e4)
    for row, out in enumerate(outputs):
        logits[row, : out.numel()] = out
    classes = [2, 1, 2, max(len(f.input_ids) for f in features[3])]
    return mt_uncertainty_scores(logits, torch.tensor([t for t, _ in CANDIDATES]), classes)


def test_fp32_scores_equal_scoring_each_candidate_alone(train_sets, minilm_tokenizer):
    tasks, features = train_sets
    model = _model(CaMtl(), tasks)
    scorer = UncertaintyScorer(
        model, features, minilm_tokenizer.pad_token_id, "fp32", precision="fp32"
    )
    scores = torch.from_numpy(scorer(CANDIDATES))
    expected = _one_by_one_scores(model, tasks, features, minilm_tokenizer.pad_token_id)
    torch.testing.assert_close(scores, expected.float(), atol=1e-4, rtol=1e-4)
    assert scores.std() > 0.01  # the heads discriminate: the comparison is not between constants


@pytest.mark.skipif(not int8_available(), reason="this torch build has no int8 linear kernels")
def test_int8_is_the_default_for_camtl_and_picks_an_equally_uncertain_batch(
    train_sets, minilm_tokenizer
):
    tasks, features = train_sets
    model = _model(CaMtl(), tasks)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    linears = sum(isinstance(m, nn.Linear) for m in model.modules())
    fast = UncertaintyScorer(model, features, minilm_tokenizer.pad_token_id, "fp32")
    exact = UncertaintyScorer(
        model, features, minilm_tokenizer.pad_token_id, "fp32", precision="fp32"
    )
    assert fast.precision == "int8"
    int8_scores = torch.from_numpy(fast(CANDIDATES))
    fp32_scores = torch.from_numpy(exact(CANDIDATES))
    k = 16
    kept = fp32_scores[select_most_uncertain(int8_scores, k)].sum()
    best = fp32_scores[select_most_uncertain(fp32_scores, k)].sum()
    assert kept / best >= 0.98, (kept, best)
    # the model is left as found: train mode, fp32 linears back in place, weights untouched
    assert model.training
    assert sum(isinstance(m, nn.Linear) for m in model.modules()) == linears
    assert all(torch.equal(p, before[n]) for n, p in model.named_parameters())


def test_other_encoders_score_in_the_training_precision(train_sets, minilm_tokenizer):
    tasks, features = train_sets
    model = _model(StandardMultiTask(), tasks)
    scorer = UncertaintyScorer(model, features, minilm_tokenizer.pad_token_id, "fp32")
    assert scorer.precision == "fp32"
    assert scorer(CANDIDATES).shape == (len(CANDIDATES),)
