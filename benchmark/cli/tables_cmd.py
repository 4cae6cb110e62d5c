"""`tables`: regenerate the paper's tables from result records as Markdown, LaTeX and CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.cli.report_cmd import add_results_arguments, load

HELP = "regenerate the paper's tables (Markdown, LaTeX, CSV) from result records"
DESCRIPTION = (
    "Write the ablation ladder, method comparison, per-suite averages and domain-adaptation\n"
    "tables (one per scale) in each format; CSV adds a per-seed file per table.\n"
    "With --stdout, print the Markdown tables instead of writing files."
)
EPILOG = """examples:
  python -m benchmark tables --results results --out reports_out/tables
  python -m benchmark tables --results results --format md --stdout
"""
FORMATS = ("md", "tex", "csv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_results_arguments(parser)
    parser.add_argument("--out", default="reports_out/tables", metavar="DIR",
                        help="folder for the table files (default: reports_out/tables)")
    parser.add_argument("--format", action="append", choices=FORMATS, dest="formats",
                        help="md, tex or csv (repeatable; default: all three)")
    parser.add_argument("--stdout", action="store_true", help="print Markdown, write no files")


def execute(args: argparse.Namespace) -> int:
    from reports.annotate import annotated_tables
    from reports.exports import evidence_markdown, to_markdown, write_annotated

    pairs = annotated_tables(load(args))
    if args.stdout:
        print("\n".join(to_markdown(a.table if a else t) + (evidence_markdown(a) if a else "")
                        for t, a in pairs))
        return 0
    written = write_annotated(pairs, Path(args.out), args.formats or list(FORMATS))
    for path in written:
        print(path)
    return 0
