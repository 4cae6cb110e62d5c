"""Tokenize examples once and keep the result on disk for the next run.

The cache key is the SHA-256 of everything that can change the features: the
examples themselves, ``meta`` included, where NER tags and QA spans live (so a Hub copy
and a local file with the same content share an entry, and an edited file never reuses a
stale one), the task's type and labels,
the tokenizer's full serialisation (vocabulary, normaliser, special tokens) and
``max_length``. Entries are written atomically, so an interrupted run leaves none
half-written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmark.atomic import atomic_writer, remove_stale_temp_files
from benchmark.data.examples import Example
from benchmark.filenames import file_stem
from benchmark.tasks.spec import TaskSpec

log = logging.getLogger(__name__)

CACHE_FORMAT = 2
"""2: the key covers each example's ``group`` and ``meta`` (NER tags, QA spans) too."""
_CHUNK = 4096
_CLEANED: set[Path] = set()
"""Cache folders already swept for killed writers' temporary files by this process."""


@dataclass(frozen=True, slots=True)
class TokenizedExample:
    """Token ids of one example: one row (classification, regression) or one per choice.

    ``label`` is the class index / value / correct choice as a float; -1 marks an
    unknown class or choice and NaN an unknown regression value.
    """

    input_ids: list[list[int]]
    token_type_ids: list[list[int]]
    label: float
    word_positions: tuple[int, ...] | None = None
    """Token tasks: each word's first sub-token position in the row (-1: none)."""
    word_labels: tuple[int, ...] | None = None
    """Token tasks: each word's tag id (-100 where the word has no sub-token)."""
    span_targets: tuple[int, ...] | None = None
    """Span (QA) tasks: target start and end position of each row (window), 2 per row."""
    span_offsets: tuple[int, ...] | None = None
    """Span tasks: per row, per token, its half-open character span in the passage, 2 ints
    per token (-1, -1 for question and special tokens)."""

    @property
    def length(self) -> int:
        """The longest row: what dynamic padding pads this example to."""
        return max(len(row) for row in self.input_ids)

    @property
    def num_rows(self) -> int:
        return len(self.input_ids)


class TokenizedDataset(list):
    """A list of TokenizedExample that says whether it came from the cache."""

    cache_hit: bool = False
    cache_path: Path | None = None
    key: str = ""


_FINGERPRINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """SHA-256 of the tokenizer's complete serialisation (or vocabulary and settings)."""
    try:
        cached = _FINGERPRINTS.get(tokenizer)
    except TypeError:
        cached = None
    if cached:
        return cached
    digest = hashlib.sha256(type(tokenizer).__name__.encode())
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        digest.update(backend.to_str().encode())
    else:
        digest.update(json.dumps(sorted(tokenizer.get_vocab().items())).encode())
        settings = {k: v for k, v in getattr(tokenizer, "init_kwargs", {}).items()
                    if isinstance(v, str | int | float | bool)}
        digest.update(json.dumps(settings, sort_keys=True).encode())
    digest.update(json.dumps([getattr(tokenizer, "truncation_side", "right"),
                              str(getattr(tokenizer, "special_tokens_map", {}))]).encode())
    value = digest.hexdigest()
    try:
        _FINGERPRINTS[tokenizer] = value
    except TypeError:
        pass
    return value


def examples_fingerprint(examples: Sequence[Example]) -> str:
    """SHA-256 over every example's id, texts, choices, label, group and ``meta``: a format's
    training targets may live in ``meta`` (NER tags per word, QA answer spans), so an edit
    there must not reuse features tokenized from the old ones."""
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(json.dumps([ex.uid, ex.texts, ex.choices, ex.label, ex.group, ex.meta],
                                 ensure_ascii=False, sort_keys=True, default=repr).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def cache_key(examples: Sequence[Example], task: TaskSpec, tokenizer: Any, max_length: int) -> str:
    parts = [
        f"format={CACHE_FORMAT}",
        examples_fingerprint(examples),
        json.dumps([task.name, task.task_type, task.labels, task.reader]),
        tokenizer_fingerprint(tokenizer),
        f"max_length={max_length}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _label(example: Example, task: TaskSpec) -> float:
    if example.label is None:
        return math.nan if task.task_type == "regression" else -1.0
    return float(example.label)


def _encode_rows(rows: list[tuple[str, ...]], tokenizer: Any, max_length: int
                 ) -> tuple[list[list[int]], list[list[int]]]:
    """Tokenize rows of one or two segments (more segments: joined by the separator)."""
    sep = f" {getattr(tokenizer, 'sep_token', None) or '|'} "
    firsts = [r[0] for r in rows]
    seconds = [sep.join(r[1:]) for r in rows] if len(rows[0]) > 1 else None
    encoded = tokenizer(firsts, seconds, truncation=True, max_length=max_length, padding=False,
                        return_token_type_ids=True, return_attention_mask=False)
    ids = [list(x) for x in encoded["input_ids"]]
    types = encoded.get("token_type_ids")
    types = [list(x) for x in types] if types is not None else [[0] * len(x) for x in ids]
    return ids, types


def _tokenize(examples: Sequence[Example], task: TaskSpec, tokenizer: Any, max_length: int
              ) -> list[TokenizedExample]:
    rows: list[tuple[str, ...]] = []
    owners: list[int] = []
    for i, example in enumerate(examples):
        for row in example.rows:
            rows.append(row)
            owners.append(i)
    ids: list[list[int] | None] = [None] * len(rows)
    types: list[list[int] | None] = [None] * len(rows)
    by_width: dict[bool, list[int]] = {False: [], True: []}
    for r, row in enumerate(rows):
        by_width[len(row) > 1].append(r)
    for positions in by_width.values():
        for start in range(0, len(positions), _CHUNK):
            chunk = positions[start : start + _CHUNK]
            chunk_ids, chunk_types = _encode_rows([rows[r] for r in chunk], tokenizer, max_length)
            for r, row_ids, row_types in zip(chunk, chunk_ids, chunk_types, strict=True):
                ids[r], types[r] = row_ids, row_types
    grouped_ids: list[list[list[int]]] = [[] for _ in examples]
    grouped_types: list[list[list[int]]] = [[] for _ in examples]
    for r, owner in enumerate(owners):
        grouped_ids[owner].append(ids[r])  # type: ignore[arg-type]
        grouped_types[owner].append(types[r])  # type: ignore[arg-type]
    return [TokenizedExample(grouped_ids[i], grouped_types[i], _label(ex, task))
            for i, ex in enumerate(examples)]


def _save(path: Path, items: Sequence[TokenizedExample]) -> None:
    rows = [row for item in items for row in item.input_ids]
    row_types = [row for item in items for row in item.token_type_ids]
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    arrays = {
        "ids": np.fromiter((t for r in rows for t in r), dtype=np.int32, count=int(lengths.sum())),
        "types": np.fromiter((t for r in row_types for t in r), dtype=np.int8,
                             count=int(lengths.sum())),
        "row_lengths": lengths,
        "rows_per_example": np.array([len(item.input_ids) for item in items], dtype=np.int64),
        "labels": np.array([item.label for item in items], dtype=np.float64),
    }
    if items and items[0].word_positions is not None:
        arrays["word_positions"] = np.array([p for i in items for p in i.word_positions],
                                            dtype=np.int64)
        arrays["word_labels"] = np.array([t for i in items for t in i.word_labels],
                                         dtype=np.int64)
    if items and items[0].span_targets is not None:
        arrays["span_targets"] = np.array([p for i in items for p in i.span_targets],
                                          dtype=np.int64)
        arrays["span_offsets"] = np.array([p for i in items for p in i.span_offsets],
                                          dtype=np.int64)
    if path.parent not in _CLEANED:
        remove_stale_temp_files(path.parent)
        _CLEANED.add(path.parent)
    with atomic_writer(path) as out:
        np.savez(out, **arrays)


def _load(path: Path, expected: int) -> list[TokenizedExample] | None:
    try:
        with np.load(path) as data:
            ids, types = data["ids"].tolist(), data["types"].tolist()
            lengths = data["row_lengths"].tolist()
            per_example = data["rows_per_example"].tolist()
            labels = data["labels"].tolist()
            word_positions = data["word_positions"].tolist() if "word_positions" in data else None
            word_labels = data["word_labels"].tolist() if "word_labels" in data else None
            span_targets = data["span_targets"].tolist() if "span_targets" in data else None
            span_offsets = data["span_offsets"].tolist() if "span_offsets" in data else None
    except (OSError, KeyError, ValueError) as exc:
        log.warning("ignoring unreadable token cache %s: %s", path, exc)
        return None
    if len(per_example) != expected or sum(per_example) != len(lengths):
        log.warning("ignoring token cache %s: it does not match the examples", path)
        return None
    items, offset, row, word, target, token = [], 0, 0, 0, 0, 0
    for n_rows, label in zip(per_example, labels, strict=True):
        row_ids, row_types = [], []
        for length in lengths[row : row + n_rows]:
            row_ids.append(ids[offset : offset + length])
            row_types.append(types[offset : offset + length])
            offset += length
        spans: tuple[tuple[int, ...] | None, tuple[int, ...] | None] = (None, None)
        if span_targets is not None and span_offsets is not None:  # 2 per row, 2 per token
            tokens = 2 * sum(lengths[row : row + n_rows])
            spans = (tuple(span_targets[target:target + 2 * n_rows]),
                     tuple(span_offsets[token:token + tokens]))
            target += 2 * n_rows
            token += tokens
        row += n_rows
        if word_positions is not None and word_labels is not None:  # label = word count
            words = int(label)
            items.append(TokenizedExample(row_ids, row_types, label,
                                          tuple(word_positions[word:word + words]),
                                          tuple(word_labels[word:word + words]), *spans))
            word += words
            continue
        items.append(TokenizedExample(row_ids, row_types, label))
    return items


def tokenize_examples(
    examples: Sequence[Example],
    task: TaskSpec,
    tokenizer: Any,
    max_length: int,
    cache_dir: Path | None,
) -> TokenizedDataset:
    """Features for ``examples``; read from ``cache_dir`` when this exact input was seen.

    The result's ``cache_hit`` says whether the cache served it (also logged).
    """
    result = TokenizedDataset()
    if not examples:
        return result
    key = cache_key(examples, task, tokenizer, max_length) if cache_dir is not None else ""
    name = f"{file_stem(task.name)}-{key[:24]}.npz"
    path = Path(cache_dir) / name if cache_dir is not None else None
    items = _load(path, len(examples)) if path is not None and path.is_file() else None
    result.cache_hit = items is not None
    if items is None:
        from benchmark.formats.registry import format_of

        items = format_of(task).tokenize(examples, task, tokenizer, max_length)
        if items is None:
            items = _tokenize(examples, task, tokenizer, max_length)
        if path is not None:
            _save(path, items)
    result.extend(items)
    result.cache_path, result.key = path, key
    log.info("%s: %d examples tokenized (%s)", task.name, len(items),
             f"cache hit {path}" if result.cache_hit else
             (f"cached to {path}" if path else "no cache"))
    return result
