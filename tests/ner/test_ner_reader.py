"""CoNLL reader and BIO tag set on the real WNUT 2017 files."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.errors import DataError
from benchmark.formats.ner import WNUT17_TAGS, check_tags, derive_tags, read_conll

FILES = {"train": "wnut17train.conll", "dev": "emerging.dev.conll",
         "test": "emerging.test.annotated"}


@pytest.mark.parametrize(("split", "sentences", "tokens"), [
    ("train", 3394, 62730), ("dev", 1009, 15733), ("test", 1287, 23394),
])
def test_official_counts(data_dir: Path, split: str, sentences: int, tokens: int) -> None:
    """The train file ends sentences with tab-only lines, dev and test with empty ones."""
    read = read_conll(data_dir / "wnut17" / FILES[split])
    assert len(read) == sentences
    assert sum(len(s.tokens) for s in read) == tokens
    assert {tag for s in read for tag in s.tags} == set(WNUT17_TAGS)


def test_the_13_tag_bio_set(data_dir: Path) -> None:
    assert len(WNUT17_TAGS) == 13 and WNUT17_TAGS[0] == "O"
    assert WNUT17_TAGS[1:3] == ("B-corporation", "I-corporation")
    train = read_conll(data_dir / "wnut17" / FILES["train"])
    assert derive_tags(train) == WNUT17_TAGS


def test_first_sentence(data_dir: Path) -> None:
    first = read_conll(data_dir / "wnut17" / FILES["train"])[0]
    assert first.line == 1 and first.tokens[:3] == ("@paulwalk", "It", "'s")
    assert first.tokens[14:17] == ("Empire", "State", "Building")
    assert first.tags[14:17] == ("B-location", "I-location", "I-location")


def test_separators_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "tiny.conll"
    path.write_text("Ann\tB-person\nran\tO\n\t\n \nBob\tB-person\r\nhid O\n\n", encoding="utf-8")
    read = read_conll(path)
    assert [(s.tokens, s.tags, s.line) for s in read] == [
        (("Ann", "ran"), ("B-person", "O"), 1), (("Bob", "hid"), ("B-person", "O"), 5)]


@pytest.mark.parametrize(("text", "message"), [
    ("Ann\tB-person\tX\n", ":1: expected 'token<TAB>tag', found 3 field(s)"),
    ("Ann\tO\nran\n", ":2: expected 'token<TAB>tag', found 1 field(s)"),
    ("Ann\tB_person\n", ":1: field 'tag': 'B_person' is not a BIO tag"),
    ("\n\t\n", ": no sentences in the file"),
])
def test_malformed_lines(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.conll"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_conll(path)
    assert f"{path}{message}" in str(caught.value)


def test_tag_outside_the_set_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "dev.conll"
    path.write_text("a\tO\n\nb\tO\nc\tB-animal\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"dev.conll:4: field 'tag': 'B-animal' is not one of "
                                        r"the task's 13 tags"):
        check_tags(read_conll(path), WNUT17_TAGS, str(path))
