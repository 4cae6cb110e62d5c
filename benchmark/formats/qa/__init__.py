"""Extractive QA: read MRQA/SQuAD files, split them by passage, cut passages into
overlapping windows, decode start/end logits back to answer text, score EM and F1."""

from benchmark.formats.qa.decode import (
    DecodeSettings,
    SpanPrediction,
    best_span,
    decode_predictions,
)
from benchmark.formats.qa.metrics import exact_match, max_over_gold, qa_scores
from benchmark.formats.qa.reader import QaExample, QaFile, read_mrqa, read_qa_file, read_squad_json
from benchmark.formats.qa.split import ContextSplit, split_by_context
from benchmark.formats.qa.windows import QaWindow, WindowSettings, make_windows, uncovered_answers

__all__ = [
    "ContextSplit", "DecodeSettings", "QaExample", "QaFile", "QaWindow", "SpanPrediction",
    "WindowSettings", "best_span", "decode_predictions", "exact_match", "make_windows",
    "max_over_gold", "qa_scores", "read_mrqa", "read_qa_file", "read_squad_json",
    "split_by_context", "uncovered_answers",
]
