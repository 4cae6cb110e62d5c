"""The harness's MT-Uncertainty scorer on real candidates with the real MiniLM CA-MTL model.

Chunking, length sorting and eval mode must not change a score (checked against scoring
every candidate on its own, with the camtl library's formula); int8 (CA-MTL's own path, behind
its ``candidate_scoring`` hook) may move near-ties but must pick a batch that is as uncertain
as the fp32 pick; scoring must leave the model as it found it; and the method's hook, not the
encoder's class, decides how the candidates run.
"""

import contextlib
import json

import pytest
import torch
from torch import nn

from baselines.camtl_method import CaMtl
from baselines.mtl import StandardMultiTask
from benchmark.cli.main import main
from benchmark.data.loading import load_split
from benchmark.data.tokenize import tokenize_examples
from benchmark.methods.scoring import CandidateScoring
from benchmark.tasks.registry import get_task
from benchmark.training.evaluate import task_outputs
from benchmark.training.heads import MultiTaskModel
from benchmark.training.uncertainty import UncertaintyScorer
from camtl import default_precision, mt_uncertainty_scores, select_most_uncertain
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
    rows_run: list[int] = []
    hook = model.encoder.register_forward_pre_hook(
        lambda _module, args, kwargs: rows_run.append(len(kwargs.get("input_ids", args[0]))),
        with_kwargs=True,
    )
    try:
        scores = torch.from_numpy(scorer(CANDIDATES))
    finally:
        hook.remove()
    # STS-B's candidates take quantiles of the others' scores: they are never run (SST-2
    # and RTE run a row per candidate, COPA a row per choice)
    copa_rows = sum(len(f.input_ids) for f in features[3])
    assert sum(rows_run) == 2 * PER_TASK + copa_rows
    expected = _one_by_one_scores(model, tasks, features, minilm_tokenizer.pad_token_id)
    torch.testing.assert_close(scores, expected.float(), atol=1e-4, rtol=1e-4)
    assert scores.std() > 0.01  # the heads discriminate: the comparison is not between constants


@pytest.mark.skipif(not int8_available(), reason="this torch build has no int8 linear kernels")
@pytest.mark.parametrize("insisted", [None, "int8", "bf16"])
def test_camtl_scores_in_reduced_precision_and_picks_an_equally_uncertain_batch(
    train_sets, minilm_tokenizer, insisted
):
    """None: CA-MTL's own choice (bf16 on CPUs with bf16 units, else int8)."""
    tasks, features = train_sets
    model = _model(CaMtl(), tasks)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    linears = sum(isinstance(m, nn.Linear) for m in model.modules())
    fast = UncertaintyScorer(model, features, minilm_tokenizer.pad_token_id, "fp32",
                             precision=insisted, method=CaMtl())
    exact = UncertaintyScorer(
        model, features, minilm_tokenizer.pad_token_id, "fp32", precision="fp32", method=CaMtl()
    )
    assert fast.precision == (insisted or default_precision("cpu")) and exact.precision == "fp32"
    # without the method the harness knows no reduced path: the encoder's class decides nothing
    assert UncertaintyScorer(model, features, 0, "fp32").precision == "fp32"
    fast_scores = torch.from_numpy(fast(CANDIDATES))
    fp32_scores = torch.from_numpy(exact(CANDIDATES))
    k = 16
    kept = fp32_scores[select_most_uncertain(fast_scores, k)].sum()
    best = fp32_scores[select_most_uncertain(fp32_scores, k)].sum()
    assert kept / best >= 0.98, (kept, best)
    # the model is left as found: train mode, fp32 linears back in place, weights untouched
    assert model.training
    assert sum(isinstance(m, nn.Linear) for m in model.modules()) == linears
    assert all(torch.equal(p, before[n]) for n, p in model.named_parameters())


def test_other_methods_score_in_the_training_precision(train_sets, minilm_tokenizer):
    tasks, features = train_sets
    model = _model(StandardMultiTask(), tasks)
    scorer = UncertaintyScorer(
        model, features, minilm_tokenizer.pad_token_id, "fp32", method=StandardMultiTask()
    )
    assert (scorer.precision, scorer.scoring.train_mode) == ("fp32", False)
    assert scorer(CANDIDATES).shape == (len(CANDIDATES),)
    bf16 = UncertaintyScorer(model, features, 0, "bf16", method=StandardMultiTask())
    assert bf16.precision == "bf16"
    with pytest.raises(ValueError, match="int8 scoring is a method's own path"):
        UncertaintyScorer(model, features, 0, "fp32", precision="int8",
                          method=StandardMultiTask())


class _HeadsMuted(CandidateScoring):
    """Scores with the heads' weights zeroed: every distribution uniform, every score equal."""

    def __init__(self, model: MultiTaskModel) -> None:
        super().__init__("fp32")
        self.model = model

    @contextlib.contextmanager
    def context(self, device):
        saved = [head.weight.detach().clone() for head in self.model.heads.heads]
        with torch.no_grad():
            for head in self.model.heads.heads:
                head.weight.zero_()
        try:
            yield
        finally:
            with torch.no_grad():
                for head, weight in zip(self.model.heads.heads, saved, strict=True):
                    head.weight.copy_(weight)


def test_a_method_overriding_the_hook_changes_the_chosen_candidates(
    train_sets, minilm_tokenizer
):
    tasks, features = train_sets
    model = _model(StandardMultiTask(), tasks)
    classification = [(t, i) for t, i in CANDIDATES if tasks[t].task_type != "regression"]

    class MutedScoring(StandardMultiTask):
        def candidate_scoring(self, encoder, request):
            assert encoder is model.encoder and request.mode == "eval"
            return _HeadsMuted(model)

    pad = minilm_tokenizer.pad_token_id
    default = UncertaintyScorer(model, features, pad, "fp32", method=StandardMultiTask())
    muted = UncertaintyScorer(model, features, pad, "fp32", method=MutedScoring())
    k = 8
    default_pick = select_most_uncertain(torch.from_numpy(default(classification)), k).tolist()
    muted_scores = torch.from_numpy(muted(classification))
    torch.testing.assert_close(muted_scores, torch.ones_like(muted_scores))  # uniform: H = 1
    muted_pick = select_most_uncertain(muted_scores, k).tolist()
    assert muted_pick == list(range(k))  # all tied: the first k drawn
    assert set(default_pick) != set(muted_pick)
    assert all(h.weight.abs().sum() > 0 for h in model.heads.heads)  # context restored


@pytest.mark.parametrize(
    ("method", "expected"),
    [("camtl", default_precision("cpu")), ("mtl", "training precision")],
)
def test_a_run_records_the_precision_its_methods_hook_chose(
    method, expected, tiny_backbone, data_dir, tmp_path
):
    """execute -> loop -> scorer: the run's own method is asked, and its answer recorded."""
    code = main(["run", "--tasks", "rte,mrpc", "--methods", method, "--sampler", "mt-uncertainty",
                 "--backbone", tiny_backbone, "--data-dir", str(data_dir), "--output",
                 str(tmp_path), "--max-train-samples", "8", "--max-eval-samples", "8",
                 "--max-steps", "2", "--batch-size", "4", "--max-length", "32", "--no-progress",
                 "--seeds", "12"])
    assert code == 0
    (record_file,) = tmp_path.glob("*.json")
    training = json.loads(record_file.read_text())["training"]
    if expected == "training precision":  # the default hook: as the run trains
        expected = training["precision"]
    assert (training["sampler"], training["scoring_precision"]) == ("mt-uncertainty", expected)
