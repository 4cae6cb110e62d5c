"""Named-entity recognition: read CoNLL files, check the BIO tag set, label the first
sub-token of every word, map token predictions back to words, score entities."""

from benchmark.formats.ner.align import (
    IGNORE_INDEX,
    NerFeatures,
    align_labels,
    encode_sentences,
    word_tags,
)
from benchmark.formats.ner.metrics import entity_scores, entity_scores_by_type, surface_scores
from benchmark.formats.ner.reader import NerSentence, read_conll
from benchmark.formats.ner.tags import WNUT17_TAGS, WNUT17_TYPES, bio_tags, check_tags, derive_tags

__all__ = [
    "IGNORE_INDEX", "NerFeatures", "NerSentence", "WNUT17_TAGS", "WNUT17_TYPES", "align_labels",
    "bio_tags", "check_tags", "derive_tags", "encode_sentences", "entity_scores",
    "entity_scores_by_type", "read_conll", "surface_scores", "word_tags",
]
