"""BIO tag sets: WNUT 2017's 13 tags, and checking a file's tags against a set.

Tag ids follow one fixed order (``O`` first, then ``B-``/``I-`` per type in sorted type
order), so the same tags always get the same ids whatever file they were derived from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from benchmark.errors import DataError
from benchmark.formats.ner.reader import NerSentence

WNUT17_TYPES: tuple[str, ...] = ("corporation", "creative-work", "group", "location",
                                 "person", "product")


def bio_tags(types: Iterable[str]) -> tuple[str, ...]:
    """``O`` then ``B-t``, ``I-t`` for every type, types sorted."""
    return ("O", *(f"{prefix}-{t}" for t in sorted(set(types)) for prefix in ("B", "I")))


WNUT17_TAGS: tuple[str, ...] = bio_tags(WNUT17_TYPES)


def derive_tags(sentences: Sequence[NerSentence]) -> tuple[str, ...]:
    """The BIO tag set of the entity types a file uses (both prefixes of every type)."""
    return bio_tags(tag[2:] for sentence in sentences for tag in sentence.tags if tag != "O")


def check_tags(sentences: Sequence[NerSentence], allowed: Sequence[str], path: str) -> None:
    """Raise ``DataError`` at the first tag outside ``allowed`` (file, line and tag)."""
    known = set(allowed)
    for sentence in sentences:
        for offset, tag in enumerate(sentence.tags):
            if tag not in known:
                raise DataError(f"field 'tag': {tag!r} is not one of the task's {len(known)} "
                                f"tags ({', '.join(allowed)})", path, sentence.line + offset)
