"""Word-level tags to sub-token labels and back.

The encoder sees WordPiece sub-tokens; a word's tag is the label of its *first* sub-token
and every other position (later sub-tokens, [CLS], [SEP]) gets ``IGNORE_INDEX``, which the
cross-entropy loss skips (BERT's CoNLL-2003 recipe). Reading predictions back, a word takes
the prediction at its first sub-token; a word with no sub-token (characters the tokenizer
drops, such as U+FE0F in WNUT 2017 dev and test, or words cut by ``max_length``) is
predicted ``O``, so scores always cover every gold word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmark.errors import BenchmarkError
from benchmark.formats.ner.reader import NerSentence

IGNORE_INDEX = -100
_BATCH = 512


@dataclass(frozen=True)
class NerFeatures:
    """One encoded sentence and its word map."""

    input_ids: list[int]
    token_type_ids: list[int]
    attention_mask: list[int]
    labels: list[int]
    word_ids: tuple[int | None, ...]
    words: int

    @property
    def unlabelled_words(self) -> int:
        """Words that no sub-token stands for (dropped characters or truncation)."""
        return self.words - len({w for w in self.word_ids if w is not None})


def align_labels(word_ids: Sequence[int | None], word_labels: Sequence[int],
                 ignore_index: int = IGNORE_INDEX) -> list[int]:
    """Each word's label on its first sub-token, ``ignore_index`` everywhere else."""
    labels, previous = [], None
    for word in word_ids:
        labels.append(word_labels[word] if word is not None and word != previous
                      else ignore_index)
        previous = word
    return labels


def encode_sentences(sentences: Sequence[NerSentence], tokenizer: Any, tags: Sequence[str],
                     max_length: int) -> list[NerFeatures]:
    """Tokenize pre-split words (a fast tokenizer: it knows each sub-token's word)."""
    if not getattr(tokenizer, "is_fast", False):
        raise BenchmarkError("NER needs a fast (Rust) tokenizer for word ids; "
                             f"{type(tokenizer).__name__} is not one: load it with "
                             "AutoTokenizer.from_pretrained(..., use_fast=True)")
    if not isinstance(max_length, int) or max_length < 3:
        raise BenchmarkError(f"NER max_length must be an integer >= 3, found {max_length!r}")
    ids = {tag: index for index, tag in enumerate(tags)}
    features: list[NerFeatures] = []
    for first in range(0, len(sentences), _BATCH):
        batch = sentences[first:first + _BATCH]
        encoded = tokenizer([list(s.tokens) for s in batch], is_split_into_words=True,
                            truncation=True, max_length=max_length)
        for row, sentence in enumerate(batch):
            unknown = [t for t in sentence.tags if t not in ids]
            if unknown:
                raise BenchmarkError(f"NER sentence at line {sentence.line}: tag {unknown[0]!r} "
                                     f"is not in the task's tags ({', '.join(tags)})")
            word_ids = tuple(encoded.word_ids(row))
            input_ids = list(encoded["input_ids"][row])
            types = encoded.get("token_type_ids")
            features.append(NerFeatures(
                input_ids=input_ids,
                token_type_ids=list(types[row]) if types is not None else [0] * len(input_ids),
                attention_mask=list(encoded["attention_mask"][row]),
                labels=align_labels(word_ids, [ids[t] for t in sentence.tags]),
                word_ids=word_ids, words=len(sentence.tokens)))
    return features


def word_tags(word_ids: Sequence[int | None], token_predictions: Sequence[int], words: int,
              tags: Sequence[str], outside: str = "O") -> list[str]:
    """Per word, the tag predicted at its first sub-token (``outside`` if it has none)."""
    if len(token_predictions) < len(word_ids):
        raise BenchmarkError(f"NER: {len(token_predictions)} token predictions for "
                             f"{len(word_ids)} tokens; pass one per token")
    result = [outside] * words
    seen: set[int] = set()
    for position, word in enumerate(word_ids):
        if word is None or word in seen:
            continue
        seen.add(word)
        index = int(token_predictions[position])
        if not 0 <= index < len(tags):
            raise BenchmarkError(f"NER: predicted tag id {index} is outside the "
                                 f"{len(tags)} tags")
        result[word] = tags[index]
    return result
