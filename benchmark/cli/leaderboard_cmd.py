"""`leaderboard`: one sortable HTML page over every result in one or more results folders."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.cli.report_cmd import add_results_arguments, load

HELP = "build a sortable leaderboard page over one or more results folders"
DESCRIPTION = (
    "One row per configuration (method, suite, tasks, backbone, budget) with its seeds'\n"
    "mean ± std; the page is self-contained and sorts by any column in the browser."
)
EPILOG = """examples:
  python -m benchmark leaderboard --results results --out reports_out/leaderboard.html
  python -m benchmark leaderboard --results team_a --results team_b
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_results_arguments(parser)
    parser.add_argument("--out", default="reports_out/leaderboard.html", metavar="FILE.html",
                        help="where to write the page (default: reports_out/leaderboard.html)")
    parser.add_argument("--title", default="camtl-bench leaderboard", help="page title")


def execute(args: argparse.Namespace) -> int:
    from reports.files import write_atomic
    from reports.html import render_leaderboard

    result = load(args)
    out = write_atomic(Path(args.out), render_leaderboard(result, title=args.title))
    print(f"wrote {out} ({len(result.frame)} runs)")
    return 0
