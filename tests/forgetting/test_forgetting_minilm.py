"""Forgetting measured on the real MiniLM and real STS-B dev pairs.

An encoder with the pretrained weights must score exactly as the pretrained one (CKA 1,
STS delta 0): otherwise the "after" side runs something other than the "before" side
(padding, dropout, pooling) and every recorded delta is partly artefact. Re-initialising
the top layers must show up as lost STS quality and CKA well below 1 in exactly those
layers: otherwise the measurement cannot see forgetting.
"""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModel

from baselines.bert_encoder import PlainBertEncoder, load_backbone
from benchmark.errors import BenchmarkError
from benchmark.forgetting import (
    MEASURED,
    NOT_APPLICABLE,
    NOT_MEASURED,
    hooked_hidden_states,
    measure_forgetting,
)
from camtl import CaMtlConfig, CaMtlEncoder


@pytest.fixture(scope="module")
def measure(minilm_tokenizer, data_dir, small_settings):
    def run(trained, root=data_dir, **kwargs):
        return measure_forgetting("all-MiniLM-L6-v2", trained, minilm_tokenizer, root,
                                  settings=small_settings, **kwargs)

    return run


@pytest.fixture(scope="module")
def unchanged(measure):
    """The harness's stl/mtl encoder (with pooler), in training mode as after training."""
    encoder = PlainBertEncoder(load_backbone("all-MiniLM-L6-v2")).train()
    return encoder, measure(encoder)


@pytest.fixture(scope="module")
def top_reinitialised(measure, minilm_path):
    model = AutoModel.from_pretrained(minilm_path)
    torch.manual_seed(0)
    for layer in model.encoder.layer[3:]:
        layer.apply(model._init_weights)
    return measure(model)


def test_unchanged_encoder_keeps_cka_one_and_sts_score(unchanged):
    encoder, result = unchanged
    assert result["status"] == MEASURED and result["states"] == "hf"
    cka = result["cka"]
    assert cka["status"] == MEASURED
    assert cka["layers"] == ["embeddings"] + [f"layer {i}" for i in range(1, 7)]
    assert cka["per_layer"] == pytest.approx([1.0] * 7, abs=1e-5)
    assert cka["n_sentences"] == 160 and cka["n_tokens"] > 2000  # more rows than 384 units
    sts = result["sts"]
    assert sts["status"] == MEASURED and sts["n_pairs"] == 150 and sts["n_available"] == 1500
    assert 0.75 < sts["before"] < 0.95  # MiniLM's own use: a strong zero-shot STS model
    assert sts["after"] == sts["before"] and sts["delta"] == 0.0
    assert sts["interval"]["low"] == sts["interval"]["high"] == 0.0
    assert encoder.training  # measured with dropout off, training mode given back


def test_minilm_has_no_masked_lm_head(unchanged):
    mlm = unchanged[1]["mlm"]
    assert mlm["status"] == NOT_APPLICABLE
    assert mlm["reason"].startswith("no masked-LM head") and "cls.predictions" in mlm["reason"]


def test_reinitialised_top_layers_lose_sts_and_similarity(top_reinitialised, unchanged):
    sts, cka = top_reinitialised["sts"], top_reinitialised["cka"]["per_layer"]
    assert sts["before"] == unchanged[1]["sts"]["before"]  # the pretrained side is shared
    assert sts["delta"] < -0.1 and sts["interval"]["high"] < 0  # measured: about -0.2
    assert cka[:4] == pytest.approx([1.0] * 4, abs=1e-5)  # embeddings and layers 1-3 kept
    assert all(value < 0.95 for value in cka[4:])  # measured: 0.93, 0.81, 0.57
    assert cka[4] > cka[5] > cka[6] and cka[6] < 0.9  # damage compounds upwards


def test_result_is_json_ready_and_timed(top_reinitialised):
    import json

    again = json.loads(json.dumps(top_reinitialised, allow_nan=False))
    assert again == top_reinitialised
    seconds = top_reinitialised["seconds"]
    assert seconds["pretrained_reused"] is True and seconds["trained"] > 0
    assert top_reinitialised["settings"]["sts_pairs"] == 150


@pytest.fixture(scope="module")
def camtl_hooked(measure, minilm_path):
    encoder = CaMtlEncoder.from_backbone(minilm_path, CaMtlConfig(num_tasks=3, max_length=128))
    source = hooked_hidden_states(
        encoder, encoder.layers,
        lambda ids, mask, types, tasks: encoder.encode(ids, mask, types, tasks,
                                                       output_sequence=True),
        task_id=2)
    return encoder, measure(source)


def test_camtl_hidden_states_method_gives_what_layer_hooks_record(measure, camtl_hooked):
    """CA-MTL's ``hidden_states`` (how runs measure it) is the hooked forward's states."""
    encoder, hooked = camtl_hooked
    result = measure(encoder, task_id=2)
    assert result["status"] == MEASURED and result["states"] == "protocol"
    assert result["task_id"] == 2
    assert result["cka"]["per_layer"] == pytest.approx(hooked["cka"]["per_layer"], abs=1e-9)
    assert result["sts"]["after"] == pytest.approx(hooked["sts"]["after"], abs=1e-12)
    other_task = measure(encoder, task_id=0)
    assert other_task["sts"]["after_cosines"] != result["sts"]["after_cosines"]  # conditioned


def test_camtl_through_layer_hooks_at_a_fixed_task(camtl_hooked):
    """CA-MTL's recipe (docs/results.md): pretrained lower layers with near-neutral fresh
    conditioning stay close to MiniLM; the base recipe's new top layer does not."""
    result = camtl_hooked[1]
    assert result["states"] == "hooked" and result["task_id"] == 2
    cka = result["cka"]["per_layer"]
    assert len(cka) == 7 and min(cka[:6]) > 0.999  # measured: >= 0.99992
    assert cka[6] < 0.9  # trained from scratch: measured 0.56
    assert result["sts"]["delta"] < 0


def test_missing_sts_data_is_recorded_not_raised(measure, tmp_path):
    result = measure(PlainBertEncoder(load_backbone("all-MiniLM-L6-v2")), root=tmp_path)
    assert result["sts"]["status"] == NOT_MEASURED
    assert str(tmp_path / "glue_data" / "STS-B" / "dev.tsv") in result["sts"]["reason"]
    assert result["cka"]["status"] == MEASURED


def test_bad_data_root_is_refused_before_measuring(measure, tmp_path):
    with pytest.raises(BenchmarkError, match="not a folder"):
        measure(object(), root=tmp_path / "nowhere")


def test_per_pair_values_are_kept_for_reports(unchanged, top_reinitialised, minilm_tokenizer,
                                               data_dir, small_settings):
    """What a report bootstraps over: the pairs' rows, gold and pretrained cosines once, and
    each measurement's own cosines; an unchanged encoder reproduces every pair's cosine."""
    from scipy.stats import spearmanr

    from benchmark.forgetting import prepared_probe

    shared = prepared_probe("all-MiniLM-L6-v2", minilm_tokenizer, data_dir,
                            small_settings).shared_samples()
    assert set(shared) == {"sts"}  # MiniLM has no masked-LM head
    sts = shared["sts"]
    assert len(sts["rows"]) == len(sts["gold"]) == len(sts["before"]) == 150
    assert sts["rows"] == sorted(set(sts["rows"])) and max(sts["rows"]) < 1500
    assert unchanged[1]["sts"]["after_cosines"] == sts["before"]
    after = top_reinitialised["sts"]["after_cosines"]
    assert after != sts["before"]
    assert spearmanr(after, sts["gold"]).statistic == pytest.approx(
        top_reinitialised["sts"]["after"], abs=1e-3)  # rounded to 5 decimals


def test_recorded_correlations_are_those_of_the_recorded_cosines(
    top_reinitialised, minilm_tokenizer, data_dir, small_settings
):
    """The record stores rounded cosines; the correlations are computed from exactly those,
    so the record validator's recomputation agrees even when cosines nearly tie."""
    from scipy.stats import spearmanr

    from benchmark.forgetting.probe import prepared_probe

    sample = prepared_probe("all-MiniLM-L6-v2", minilm_tokenizer, data_dir,
                            small_settings).shared_samples()["sts"]
    sts = top_reinitialised["sts"]
    for key, cosines in (("before", sample["before"]), ("after", sts["after_cosines"])):
        assert sts[key] == float(spearmanr(cosines, sample["gold"]).statistic)


def test_a_collapsed_encoder_has_no_sts_correlation_and_says_why(measure, minilm_path):
    """Every sentence mapped to one vector (seen with a too-high adapter learning rate):
    Spearman's correlation is undefined, so the part is not measured rather than a number."""
    model = AutoModel.from_pretrained(minilm_path)
    with torch.no_grad():
        model.encoder.layer[-1].output.LayerNorm.weight.zero_()
    sts = measure(model)["sts"]
    assert sts["status"] == NOT_MEASURED and "collapsed" in sts["reason"]
