"""Readers, encodings and metrics for task shapes beyond sentence classification.

``qa``: extractive question answering (MRQA 2019 jsonl, SQuAD v1.1 json).
``ner``: named-entity recognition in CoNLL format (WNUT 2017).
They depend on nothing in the harness, which wires them into tasks, heads and the loop.
"""
