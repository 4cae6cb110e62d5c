"""`report`: results folders -> one self-contained HTML page (tables, claims, plots, provenance)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from benchmark.errors import BenchmarkError

if TYPE_CHECKING:  # pandas is imported only when a report is asked for
    from benchmark.results.frame import ResultSet

HELP = "build the self-contained HTML report from result records"
DESCRIPTION = (
    "Read every result record under the results folders and write one HTML file with the\n"
    "paper's tables (mean ± std over seeds), the claims checklist, figures and provenance.\n"
    "Files that are not valid records (schema, run id, impossible numbers) are left out and\n"
    "listed at the top of the report; --strict stops instead, before writing anything."
)
EPILOG = """examples:
  python -m benchmark report --results results --out reports_out/report.html
  python -m benchmark report --results runs/a --results runs/b --out both.html --strict
"""


def add_results_arguments(parser: argparse.ArgumentParser) -> None:
    """``--results`` (repeatable) and ``--strict``, shared by report, tables and leaderboard."""
    parser.add_argument("--results", action="append", metavar="DIR",
                        help="results folder to read (repeatable; default: results)")
    parser.add_argument("--strict", action="store_true",
                        help="fail (exit 2), writing nothing, if any file is not a valid record")
    parser.add_argument("--user-tasks", action="append", metavar="FILE", default=[],
                        help="YAML file declaring the user tasks the records were trained on "
                        "(repeatable), so their scores can be recomputed")


def load(args: argparse.Namespace) -> ResultSet:
    """Load the folders given, report left-out files on stderr, refuse an empty result.

    Labelled records (a legacy run id) are kept and warned about; ``--strict`` fails
    only on records left out.
    """
    from benchmark.results.frame import load_results
    from benchmark.tasks.registry import load_user_tasks

    for path in getattr(args, "user_tasks", []):
        load_user_tasks(Path(path))
    result = load_results(args.results or ["results"])
    for problem in [*result.problems, *result.notes]:
        print(f"warning: {problem.source}: {problem.message}", file=sys.stderr)
    if result.problems and args.strict:
        raise BenchmarkError(f"{len(result.problems)} file(s) or run(s) left out (see the "
                             "warnings); nothing was written. Fix or remove them, or drop "
                             "--strict.")
    if result.frame.empty:
        folders = ", ".join(args.results or ["results"])
        raise BenchmarkError(f"no valid result records in {folders}; run `python -m benchmark "
                             "run ...` first or point --results at a folder of records")
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_results_arguments(parser)
    parser.add_argument("--out", default="reports_out/report.html", metavar="FILE.html",
                        help="where to write the page (default: reports_out/report.html)")
    parser.add_argument("--title", default="camtl-bench report", help="page title")
    parser.add_argument("--no-figures", action="store_true", help="tables only (faster)")


def execute(args: argparse.Namespace) -> int:
    from reports.files import write_atomic
    from reports.html import render_report

    result = load(args)
    page = render_report(result, title=args.title, figures=not args.no_figures)
    out = write_atomic(Path(args.out), page)
    print(f"wrote {out} ({len(result.frame)} runs)")
    return 0
