"""Read CoNLL-style NER files: one ``token<TAB>tag`` per line, sentences apart.

A blank or whitespace-only line ends a sentence (WNUT 2017's train file uses tab-only
lines, its dev and test files empty ones). A line without a tab is split on white space;
either way it must hold exactly a token and a tag, the tag ``O`` or ``B-<type>`` /
``I-<type>``. Faults raise ``DataError`` naming the file, the line and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from benchmark.errors import DataError

BIO_TAG = re.compile(r"^(O|[BI]-\S+)$")
"""``O``, ``B-<type>`` or ``I-<type>``."""


@dataclass(frozen=True)
class NerSentence:
    """One sentence: its words, their tags, and the file line of its first word."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    line: int


def read_conll(path: str | Path) -> list[NerSentence]:
    """Every sentence of a CoNLL file, in order."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except OSError as error:
        raise DataError(f"cannot open the file ({error.strerror})", str(path)) from None
    except UnicodeDecodeError as error:
        raise DataError(f"not UTF-8 (byte {error.start}); save the file as UTF-8",
                        str(path)) from None
    sentences: list[NerSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    first = 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.removesuffix("\r")
        if not line.strip():
            if tokens:
                sentences.append(NerSentence(tuple(tokens), tuple(tags), first))
                tokens, tags = [], []
            continue
        token, tag = _fields(line, str(path), number)
        if not tokens:
            first = number
        tokens.append(token)
        tags.append(tag)
    if tokens:
        sentences.append(NerSentence(tuple(tokens), tuple(tags), first))
    if not sentences:
        raise DataError("no sentences in the file", str(path))
    return sentences


def _fields(line: str, path: str, number: int) -> tuple[str, str]:
    fields = line.split("\t") if "\t" in line else line.split()
    if len(fields) != 2 or not fields[0]:
        raise DataError(f"expected 'token<TAB>tag', found {len(fields)} field(s) in "
                        f"{line!r:.60}", path, number)
    token, tag = fields
    if not BIO_TAG.match(tag):
        raise DataError(f"field 'tag': {tag!r} is not a BIO tag (O, B-<type> or I-<type>)",
                        path, number)
    return token, tag
