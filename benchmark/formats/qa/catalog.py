"""The MRQA 2019 datasets and where their files sit under a data folder.

File stems are the shared task's (``mrqa/<split>/<stem>.jsonl.gz``); an uncompressed
``<stem>.jsonl`` is found too (the local out-of-domain copies are stored that way). The
six in-domain datasets have train and dev files; the out-of-domain ones only dev files,
so they are evaluation-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MrqaDataset:
    stem: str
    in_domain: bool

    @property
    def splits(self) -> tuple[str, ...]:
        return ("train", "dev") if self.in_domain else ("dev",)


MRQA_DATASETS: tuple[MrqaDataset, ...] = (
    *(MrqaDataset(stem, True) for stem in ("SQuAD", "NewsQA", "TriviaQA-web", "SearchQA",
                                           "HotpotQA", "NaturalQuestionsShort")),
    *(MrqaDataset(stem, False) for stem in ("BioASQ", "DROP", "DuoRC.ParaphraseRC", "RACE",
                                            "RelationExtraction", "TextbookQA")),
)


def mrqa_file(data_dir: str | Path, stem: str, split: str) -> Path | None:
    """The local file of one MRQA split, gzipped or not; None when neither exists."""
    folder = Path(data_dir) / "mrqa" / split
    for name in (f"{stem}.jsonl.gz", f"{stem}.jsonl"):
        if (folder / name).is_file():
            return folder / name
    return None
