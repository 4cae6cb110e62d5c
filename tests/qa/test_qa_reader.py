"""MRQA jsonl and SQuAD json readers: official counts on the real files, spans, faults."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchmark.errors import DataError
from benchmark.formats.qa import read_mrqa, read_qa_file, read_squad_json
from benchmark.formats.qa.catalog import MRQA_DATASETS, mrqa_file


@pytest.mark.parametrize(("stem", "contexts", "questions"), [
    ("SQuAD", 2067, 10507),
    ("DROP", 281, 1503),
    ("DuoRC.ParaphraseRC", 202, 1501),
    ("RelationExtraction", 2948, 2948),
])
def test_official_counts(data_dir: Path, stem: str, contexts: int, questions: int) -> None:
    path = mrqa_file(data_dir, stem, "dev")
    assert path is not None
    read = read_qa_file(path)
    assert (read.dataset, read.contexts, len(read.examples)) == (stem, contexts, questions)
    assert len({e.qid for e in read.examples}) == questions


def test_catalog_marks_in_and_out_of_domain() -> None:
    in_domain = [d.stem for d in MRQA_DATASETS if d.in_domain]
    out_domain = [d.stem for d in MRQA_DATASETS if not d.in_domain]
    assert in_domain == ["SQuAD", "NewsQA", "TriviaQA-web", "SearchQA", "HotpotQA",
                         "NaturalQuestionsShort"]
    assert "DROP" in out_domain and all(d.splits == ("dev",) for d in MRQA_DATASETS
                                        if not d.in_domain)


def test_sample_without_header_line(mrqa_dir: Path) -> None:
    read = read_mrqa(mrqa_dir / "samples" / "NewsQA_sample.jsonl")
    assert (read.header, read.dataset, read.contexts, len(read.examples)) == (None, None, 3, 17)


def test_first_squad_question(squad_dev) -> None:
    first = squad_dev.examples[0]
    assert first.qid == "b0626b3af0764c80b1e6f22c114982c1"
    assert first.question == "Which NFL team represented the AFC at Super Bowl 50?"
    assert first.answers == ("Denver Broncos",) * 3
    # MRQA's [177, 190] has an inclusive end; stored half-open, three equal spans kept once.
    assert first.answer_spans == ((177, 191),)
    assert first.context[177:191] == "Denver Broncos"


@pytest.mark.parametrize(("stem", "share"), [
    ("SQuAD", 0.99), ("DROP", 0.93), ("DuoRC.ParaphraseRC", 0.88), ("RelationExtraction", 0.98),
])
def test_spans_read_as_inclusive_end_match_the_answers(data_dir: Path, stem: str, share: float
                                                       ) -> None:
    """Taken as inclusive (stored half-open), most spans spell a gold answer (the rest
    differ by an article or punctuation); taken as exclusive, almost none would."""
    spans = matching = matching_if_exclusive = 0
    for example in read_qa_file(mrqa_file(data_dir, stem, "dev")).examples:
        golds = {answer.lower() for answer in example.answers}
        for start, end in example.answer_spans:
            spans += 1
            matching += example.context[start:end].lower() in golds
            matching_if_exclusive += example.context[start:end - 1].lower() in golds
    assert matching / spans > share
    assert matching_if_exclusive / spans < 0.03


def test_repeated_passages_share_a_context_id(data_dir: Path) -> None:
    read = read_qa_file(mrqa_file(data_dir, "RelationExtraction", "dev"))
    assert len({e.context_id for e in read.examples}) == 2093  # 855 passages repeat
    by_id = {}
    for example in read.examples:
        assert by_id.setdefault(example.context_id, example.context) == example.context


def _write(path: Path, lines: list[object]) -> Path:
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def _context(**qa_changes: object) -> dict:
    qa = {"qid": "q1", "question": "Who?", "answers": ["Ann"],
          "detected_answers": [{"text": "Ann", "char_spans": [[0, 2]]}]}
    qa.update(qa_changes)
    return {"context": "Ann went home.", "qas": [qa]}


def test_gzip_is_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "tiny.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"header": {"dataset": "Tiny"}}) + "\n")
        handle.write(json.dumps(_context()) + "\n")
    read = read_qa_file(path)
    assert (read.dataset, read.examples[0].answer_spans) == ("Tiny", ((0, 3),))


@pytest.mark.parametrize(("lines", "message"), [
    (["{not json"], ":1: not valid JSON"),
    ([{"header": {}}, _context(answers=[])], ":2: field 'qas[0].answers': no gold answers"),
    ([_context(detected_answers=[{"text": "x", "char_spans": [[3, 40]]}])],
     ":1: field 'qas[0].detected_answers[0].char_spans[0]': span [3, 40] (inclusive end) "
     "is outside the context of 14 characters"),
    ([_context(qid=7)], ":1: field 'qas[0].qid': expected str, found 7"),
    ([{"qas": []}], ":1: field 'context': missing"),
    ([_context(), _context()], ":2: field 'qas.qid': question id 'q1' repeats the one on line 1"),
    ([_context(), {"header": {}}], ":2: field 'header': a header line is only allowed as the"),
    ([{"header": {"dataset": "x"}}], "no questions in the file"),
])
def test_malformed_mrqa_names_file_line_and_field(tmp_path: Path, lines: list, message: str
                                                  ) -> None:
    path = _write(tmp_path / "bad.jsonl", lines)
    with pytest.raises(DataError) as caught:
        read_mrqa(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def _squad_document(answer_start: int = 0, **qa_changes: object) -> dict:
    qa = {"id": "s1", "question": "Who went home?",
          "answers": [{"text": "Ann", "answer_start": answer_start},
                      {"text": "home", "answer_start": 9}]}
    qa.update(qa_changes)
    return {"version": "1.1", "data": [{"title": "t", "paragraphs": [
        {"context": "Ann went home.", "qas": [qa]},
        {"context": "Bob stayed.", "qas": []}]}]}


def test_squad_v11_json(tmp_path: Path) -> None:
    path = tmp_path / "dev-v1.1.json"
    path.write_text(json.dumps(_squad_document()), encoding="utf-8")
    read = read_squad_json(path)
    assert (read.dataset, read.contexts, len(read.examples)) == ("SQuAD", 2, 1)
    assert read.examples[0].answers == ("Ann", "home")
    assert read.examples[0].answer_spans == ((0, 3), (9, 13))


@pytest.mark.parametrize(("document", "message"), [
    (_squad_document(answer_start=4),
     "field 'data[0].paragraphs[0].qas[0].answers[0].answer_start': answer 'Ann' is not at "
     "character 4"),
    (_squad_document(is_impossible=True), "unanswerable (SQuAD v2.0) questions are not"),
    ({"version": "1.1"}, "field 'data': missing"),
])
def test_malformed_squad_json(tmp_path: Path, document: dict, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(DataError, match="bad.json") as caught:
        read_qa_file(path)
    assert message in str(caught.value)


def test_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="expected MRQA '.jsonl' / '.jsonl.gz' or SQuAD"):
        read_qa_file(tmp_path / "answers.txt")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"absent.jsonl: cannot open the file \(No such file"):
        read_qa_file(tmp_path / "absent.jsonl")
