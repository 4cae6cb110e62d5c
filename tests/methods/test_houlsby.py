"""Houlsby adapter parameter counts against the formula, on the real MiniLM backbone."""

import pytest
import torch

from baselines.houlsby import HoulsbyAdapters
from benchmark.parameters import account_parameters
from benchmark.tasks.registry import get_task
from benchmark.training.heads import MultiTaskModel


@pytest.mark.parametrize("bottleneck, train_pooler", [(16, True), (64, True), (64, False)])
def test_trained_parameters_match_houlsby_formula(bottleneck, train_pooler):
    method = HoulsbyAdapters()
    task = get_task("rte")
    options = method.resolve_options({"bottleneck": bottleneck, "train_pooler": train_pooler})
    model = MultiTaskModel(method.build_encoder("all-MiniLM-L6-v2", [task], options, 128), [task])
    h, layers, m = 384, 6, bottleneck
    adapters = 2 * layers * (2 * h * m + h + m)  # two adapters per layer, with biases
    layer_norms = layers * 2 * (2 * h)  # attention-output and output LayerNorm, weight + bias
    pooler = (h * h + h) if train_pooler else 0  # dense + tanh on [CLS]
    head = h * 2 + 2  # RTE: two classes
    block = account_parameters(method, [(model, ["rte"])], "all-MiniLM-L6-v2")
    assert block["trainable"] == adapters + layer_norms + pooler + head
    assert block["per_task"]["rte"] == adapters + layer_norms + pooler + head
    assert block["frozen_shared"] == block["backbone"] - layer_norms - pooler


def test_span_tasks_train_no_pooler():
    """A span head reads every position's state: the pooler gets no gradient, so it neither
    trains nor counts as trained."""
    method = HoulsbyAdapters()
    encoder = method.build_encoder("all-MiniLM-L6-v2", [get_task("squad")],
                                   method.resolve_options({}), 128)
    assert not any(p.requires_grad for n, p in encoder.named_parameters() if "pooler" in n)


def test_a_pooler_option_of_the_wrong_type_is_refused():
    with pytest.raises(Exception, match="train_pooler.*expected"):
        HoulsbyAdapters().resolve_options({"train_pooler": "maybe"})


def test_bottleneck_larger_than_hidden_size_is_refused():
    method = HoulsbyAdapters()
    with pytest.raises(Exception, match="bottleneck must be in 1..384"):
        method.build_encoder("all-MiniLM-L6-v2", [get_task("rte")], {"bottleneck": 500}, 128)


def test_the_adapters_run_in_the_forward_pass():
    """adapters warns "none are activated" while the adapter is being added; what matters
    is the built encoder: its output must move when only adapter weights move."""
    method = HoulsbyAdapters()
    task = get_task("rte")
    encoder = method.build_encoder("all-MiniLM-L6-v2", [task], method.resolve_options({}), 32)
    ids = torch.tensor([[101, 7592, 2088, 102]])
    ones, zeros = torch.ones_like(ids), torch.zeros_like(ids)
    encoder.eval()
    with torch.no_grad():
        before = encoder(ids, ones, zeros, torch.zeros(1, dtype=torch.long)).tokens
        adapter_weights = [p for n, p in encoder.named_parameters() if "adapter" in n]
        assert adapter_weights and all(p.requires_grad for p in adapter_weights)
        for p in adapter_weights:
            p.add_(0.1)
        after = encoder(ids, ones, zeros, torch.zeros(1, dtype=torch.long)).tokens
    assert (after - before).abs().max() > 1e-3
