"""Marked spans: WiC's target word and WSC's noun phrase and pronoun, wrapped in markers.

``wic``: both sentences, the target word's character span (``start``/``end``) in ``*``.
``wsc``: the text with span1 (the noun phrase) in ``*...*`` and span2 (the pronoun) in
``#...#``, then the question ``Does "<span2>" refer to "<span1>"?``. WSC's spans are found
by word index and checked against their text; the released data's faulty spans move to
the words that match (logged, never silent).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from benchmark.data.examples import Example
from benchmark.data.readers import RowContext, get_field, read_label, source_index, text_field
from benchmark.formats.base import Record, TaskFormat
from benchmark.formats.registry import register_format

if TYPE_CHECKING:
    from benchmark.tasks.spec import TaskSpec

log = logging.getLogger(__name__)

WSC_SPAN_KEYS = ("span1_index", "span2_index", "span1_text", "span2_text")


def _mark(sentence: str, start: int, end: int, where: str, ctx: RowContext) -> str:
    if not 0 <= start < end <= len(sentence):
        raise ctx.error(
            f"span [{start}, {end}) is outside the sentence (length {len(sentence)})", where
        )
    return f"{sentence[:start]}*{sentence[start:end]}*{sentence[end:]}"


@register_format
class WordInContextFormat(TaskFormat):
    """Two sentences, each with its target word's character span marked."""

    name = "wic"
    description = "WiC: two sentences with the target word's character span in *...*"
    task_types = ("classification",)

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        idx = source_index(record, ctx)
        texts = []
        for k in ("1", "2"):
            sentence = text_field(record, f"sentence{k}", ctx)
            start = get_field(record, f"start{k}", ctx, int)
            end = get_field(record, f"end{k}", ctx, int)
            texts.append(_mark(sentence, start, end, f"start{k}/end{k}", ctx))
        return [Example(f"{ctx.task.name}:{ctx.split}:{idx}", tuple(texts), None,
                        read_label(record, ctx), None, {"idx": idx})]


def _norm_word(word: str) -> str:
    return re.sub(r"[\W_]+", "", word.lower())


def _word_matches(word: str, target: str) -> bool:
    """Case- and punctuation-blind; the text may add a suffix ("app's" for "app")."""
    a, b = _norm_word(word), _norm_word(target)
    return a.startswith(b) if b else word == target


def locate_span(words: list[str], index: int, span: str, where: str,
                ctx: RowContext) -> tuple[int, int, bool]:
    """Find the words of ``span`` at word ``index``; return (start, end, realigned).

    The released WSC data has off-by-one indices (val 42) and spans whose words are
    not contiguous in the text (test 80-82). Such a span moves to the nearest place
    its words occur; failing that, its leading words that match within 3 words of
    the index are marked. Both are logged as warnings, never silent.
    """
    targets = span.split()
    n = len(targets)
    if not targets:
        raise ctx.error("empty span text", f"{where}_text")
    if not 0 <= index < len(words):
        raise ctx.error(f"span index {index} is outside the text ({len(words)} words)",
                        f"{where}_index")

    def full_match(cand: int) -> bool:
        return 0 <= cand and cand + n <= len(words) and all(
            _word_matches(w, t) for w, t in zip(words[cand : cand + n], targets, strict=True))

    order = [index] + [index + d for step in (1, 2, 3) for d in (-step, step)]
    anywhere = sorted(range(len(words)), key=lambda cand: abs(cand - index))
    for cand in order + anywhere:
        if full_match(cand):
            return cand, cand + n, cand != index
    for cand in order:
        if 0 <= cand < len(words) and _word_matches(words[cand], targets[0]):
            k = 1
            while k < n and cand + k < len(words) and _word_matches(words[cand + k], targets[k]):
                k += 1
            return cand, cand + k, True
    found = " ".join(words[index : index + n])
    raise ctx.error(f"span text {span!r} does not match the text at word {index} ({found!r})",
                    f"{where}_text")


@register_format
class CoreferenceSpansFormat(TaskFormat):
    """WSC: a noun phrase and a pronoun marked in the text, and the question they pose."""

    name = "wsc"
    description = "WSC: noun phrase in *...*, pronoun in #...#, and 'Does ... refer to ...?'"
    task_types = ("classification",)

    def read(self, record: Mapping[str, Any], ctx: RowContext) -> list[Example]:
        idx = source_index(record, ctx)
        words = text_field(record, "text", ctx).split()
        marked = list(words)
        spans: dict[str, str] = {}
        realigned = False
        for name, (left, right) in (("span1", ("*", "*")), ("span2", ("#", "#"))):
            span = " ".join(text_field(record, f"target.{name}_text", ctx).split())
            index = get_field(record, f"target.{name}_index", ctx, int)
            start, end, moved = locate_span(words, index, span, f"target.{name}", ctx)
            realigned |= moved
            marked[start] = left + marked[start]
            marked[end - 1] = marked[end - 1] + right
            spans[name] = span
        if realigned:
            log.warning("%s:%s: WSC %s span realigned to the words that match its text",
                        ctx.path, ctx.line, ctx.split)
        texts = (" ".join(marked), f'Does "{spans["span2"]}" refer to "{spans["span1"]}"?')
        return [Example(f"{ctx.task.name}:{ctx.split}:{idx}", texts, None,
                        read_label(record, ctx), None, {"idx": idx, "span_realigned": realigned})]

    def hub_record(self, row: Mapping[str, Any], task: TaskSpec, split: str,
                   names: list[str] | None) -> Record:
        """The Hub puts the spans at top level; the official files nest them in ``target``."""
        record = super().hub_record(row, task, split, names)
        record["target"] = {key: record.pop(key) for key in WSC_SPAN_KEYS}
        return record
