"""With neutral conditioning every pretrained layer is the pretrained BERT layer.

Why this matters: CA-MTL starts from a pretrained checkpoint and only *adds* task
conditioning. If the conditional modules at their neutral values (FiLM gamma = beta = 0, zero
attention matrix) changed what a pretrained layer computes, the weights would have been
loaded into the wrong places or the maths of the layer would differ from BERT's (scaling,
mask, order of residual and LayerNorm), and every result built on the model would be wrong.
The check runs the real MiniLM checkpoint on real tokenised SST-2 sentences, with padding.
"""

from __future__ import annotations

import torch
from camtl_helpers import assert_close_to_scale, neutralise

from camtl import CaMtlConfig, CaMtlEncoder


def _batch(tokenizer, sentences):
    return tokenizer(sentences, padding=True, truncation=True, max_length=128, return_tensors="pt")


def test_each_pretrained_layer_reproduces_bert(minilm_path, minilm_bert, tokenizer, sentences):
    encoder = neutralise(
        CaMtlEncoder.from_backbone(minilm_path, CaMtlConfig(num_tasks=4, max_length=128))
    ).eval()
    batch = _batch(tokenizer, sentences)
    task_ids = torch.arange(len(sentences)) % 4
    extended = minilm_bert.get_extended_attention_mask(
        batch["attention_mask"], batch["input_ids"].shape
    )
    padding_bias = encoder._padding_bias(batch["attention_mask"], torch.float32)
    conditioning = encoder._conditioning(task_ids)
    with torch.no_grad():
        hidden = minilm_bert.embeddings(batch["input_ids"], token_type_ids=batch["token_type_ids"])
        ours = encoder.embeddings(
            input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"]
        )
        aligned = encoder.alignment(conditioning.raw, task_ids, ours)
        torch.testing.assert_close(aligned, hidden)
        checked = 0
        for index, spec in enumerate(encoder.layer_specs):
            if spec.new:
                continue  # the base recipe's top layer is trained from scratch, not pretrained
            expected = minilm_bert.encoder.layer[index](hidden, attention_mask=extended)[0]
            actual = encoder.layers[index](hidden, padding_bias, conditioning)
            real = batch["attention_mask"].bool()
            assert_close_to_scale(actual[real], expected[real])  # hidden states reach ~10
            hidden = expected
            checked += 1
    assert checked == 5  # layers 0-4 of MiniLM; layers 3-4 carry conditional layer norms


def test_whole_encoder_without_new_layer_reproduces_bert_pooler(
    minilm_path, minilm_bert, tokenizer, sentences
):
    config = CaMtlConfig(num_tasks=2, max_length=128, conditional_adapter=False)
    encoder = neutralise(CaMtlEncoder.from_backbone(minilm_path, config)).eval()
    batch = _batch(tokenizer, sentences)
    with torch.no_grad():
        expected = minilm_bert(**batch).pooler_output
        actual = encoder(
            batch["input_ids"],
            batch["attention_mask"],
            batch["token_type_ids"],
            torch.arange(len(sentences)) % 2,
        )
    assert_close_to_scale(actual, expected)


def test_pretrained_weights_land_in_place(minilm_path, minilm_bert):
    encoder = CaMtlEncoder.from_backbone(minilm_path, CaMtlConfig(num_tasks=2))
    reference = minilm_bert.state_dict()
    own = encoder.state_dict()
    for name, tensor in reference.items():
        if name.startswith("encoder.layer.5."):
            continue  # replaced by the new top layer
        ours = name.replace("encoder.layer.", "layers.")
        assert torch.equal(own[ours], tensor), name
    new_query = own["layers.5.attention.self.query.weight"]
    assert not torch.equal(new_query, reference["encoder.layer.5.attention.self.query.weight"])
    assert abs(new_query.std().item() - 0.02) < 0.002  # BERT initialisation of a fresh layer
    assert own["layers.0.attention.self.block_bias.matrix"].abs().max() == 0
