"""Row readers for tsv, csv and jsonl files that name the file and line of any fault.

GLUE tsv files are read byte-line by byte-line with no quoting at all: a csv reader
with quoting on would merge rows at a stray ``"`` (QNLI, SST-2) and pandas would turn
``NA``/``null`` sentences into missing values. Lines are split on ``\\n`` only, so a
lone ``\\r`` or U+2028 inside a sentence does not start a new row. A UTF-8 byte
order mark (MRPC) is dropped.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmark.errors import DataError

Row = dict[str, Any]
csv.field_size_limit(2**31 - 1)  # user csv files may hold whole passages in one field


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) of non-blank lines; blank lines only allowed at the end."""
    blank_at: int | None = None
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            raw = raw.rstrip(b"\n")
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if not raw.strip():
                blank_at = blank_at or number
                continue
            if blank_at is not None:
                raise DataError("blank line inside the file", str(path), blank_at)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"not valid UTF-8 ({exc.reason} at byte {exc.start})", str(path), number
                ) from None
            yield number, text


def _check_names(names: Sequence[str], path: Path, line: int) -> None:
    if any(not n for n in names) or len(set(names)) != len(names):
        raise DataError(f"bad header {list(names)!r}: empty or repeated column names",
                        str(path), line)


def _named_rows(
    numbered_cells: Iterator[tuple[int, list[str]]],
    path: Path,
    header: bool,
    columns: Sequence[str] | None,
    separator: str,
) -> Iterator[tuple[int, Row]]:
    """Turn split lines into {column: text}: the header (or ``columns``) names the cells,
    and a line with another number of cells is an error naming file and line."""
    names: list[str] | None = list(columns) if columns else None
    for number, cells in numbered_cells:
        if names is None:
            if not header:
                raise DataError("no header and no column names declared", str(path), number)
            _check_names(cells, path, number)
            names = cells
            continue
        if len(cells) != len(names):
            raise DataError(
                f"expected {len(names)} {separator}-separated fields ({', '.join(names)}), "
                f"found {len(cells)}",
                str(path),
                number,
            )
        yield number, dict(zip(names, cells, strict=True))


def read_tsv(
    path: Path, header: bool = True, columns: Sequence[str] | None = None
) -> Iterator[tuple[int, Row]]:
    """Rows of a tab-separated file as {column: text}; ``columns`` means no header row."""
    split = ((number, line.split("\t")) for number, line in _lines(path))
    return _named_rows(split, path, header, columns, "tab")


def _csv_rows(reader: Any, path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each non-blank csv row. A row spanning several lines is an
    error naming the line its quote opened on: an unterminated quote would otherwise merge
    the rows after it into one garbled example."""
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "end of data" in str(exc):
                raise DataError(
                    "unterminated quote: a quoted field opened on this line never closes",
                    str(path), start) from None
            raise DataError(f"malformed CSV: {exc}", str(path), start) from None
        end = reader.line_num
        if end > start:
            raise DataError(
                f"a quoted field runs over lines {start}-{end} (an unterminated quote?); "
                "close the quote, or write text with line breaks as jsonl",
                str(path), start)
        if row and any(c.strip() for c in row):
            yield start, row
        start = end + 1


def read_csv(
    path: Path, header: bool = True, columns: Sequence[str] | None = None
) -> Iterator[tuple[int, Row]]:
    """Rows of a standard (quoted) comma-separated file, for user tasks."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            yield from _named_rows(_csv_rows(reader, path), path, header, columns, "comma")
        except UnicodeDecodeError as exc:
            raise DataError(f"not valid UTF-8 ({exc.reason})", str(path)) from None


def read_jsonl(path: Path) -> Iterator[tuple[int, Row]]:
    """One JSON object per line (SuperGLUE)."""
    for number, line in _lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"invalid JSON: {exc.msg} (column {exc.colno})",
                            str(path), number) from None
        if not isinstance(record, dict):
            raise DataError(f"expected a JSON object, found {type(record).__name__}",
                            str(path), number)
        yield number, record


def read_rows(
    path: Path, fmt: str, header: bool = True, columns: Sequence[str] | None = None
) -> Iterator[tuple[int, Row]]:
    """Dispatch on the declared format."""
    if fmt == "tsv":
        return read_tsv(path, header, columns)
    if fmt == "csv":
        return read_csv(path, header, columns)
    if fmt == "jsonl":
        return read_jsonl(path)
    if fmt == "conll":
        return read_conll_records(path)
    if fmt == "mrqa":
        return read_mrqa_records(path)
    raise DataError(f"unknown file format {fmt!r} (known: tsv, csv, jsonl, conll, mrqa)",
                    str(path))


def read_conll_records(path: Path) -> Iterator[tuple[int, Row]]:
    """One ``{"tokens", "tags"}`` record per CoNLL sentence, at its first word's line."""
    from benchmark.formats.ner.reader import read_conll

    for sentence in read_conll(path):
        yield sentence.line, {"tokens": list(sentence.tokens), "tags": list(sentence.tags)}


def read_mrqa_records(path: Path) -> Iterator[tuple[int, Row]]:
    """One record per question of an MRQA jsonl(.gz) or SQuAD v1.1 json file (the span
    format's layout); the number is the question's position, from 1."""
    from benchmark.formats.qa.reader import read_qa_file

    for number, ex in enumerate(read_qa_file(path).examples, 1):
        yield number, {"qid": ex.qid, "question": ex.question, "context": ex.context,
                       "answers": list(ex.answers),
                       "answer_spans": [list(s) for s in ex.answer_spans],
                       "context_id": ex.context_id}
