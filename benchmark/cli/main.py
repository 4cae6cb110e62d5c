"""`python -m benchmark VERB ...`: one module per verb, loaded when the verb is asked for."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from benchmark.errors import USER_ERROR_EXIT_CODE, BenchmarkError

VERBS: dict[str, str] = {
    "run": "benchmark.cli.run_cmd",
    "adapt": "benchmark.cli.adapt_cmd",
    "list": "benchmark.cli.list_cmd",
    "params": "benchmark.cli.params_cmd",
    "report": "benchmark.cli.report_cmd",
    "tables": "benchmark.cli.tables_cmd",
    "leaderboard": "benchmark.cli.leaderboard_cmd",
    "submit": "benchmark.cli.submit_cmd",
    "check-method": "benchmark.cli.check_method_cmd",
}
"""Each module defines ``HELP``, ``add_arguments(parser)`` and ``execute(args) -> int``."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark",
        description="camtl-bench: run and compare multi-task NLP methods (CA-MTL and baselines).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb, module_name in VERBS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # verb not built yet
            raise
        verb_parser = sub.add_parser(
            verb,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            epilog=getattr(module, "EPILOG", None),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(verb_parser)
        verb_parser.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    if not getattr(args, "verb", None):
        parser.print_help()
        return USER_ERROR_EXIT_CODE
    try:
        return int(args._module.execute(args) or 0)
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USER_ERROR_EXIT_CODE
    except KeyboardInterrupt:
        print(
            "interrupted: finished runs are kept; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
