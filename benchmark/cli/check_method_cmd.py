"""`check-method`: run the conformance battery on one registered method, built-in or plugin."""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

HELP = "check that a registered method (a plugin too) follows the method contract"
DESCRIPTION = (
    "Run every conformance rule on one registered method and print one line per rule:\n"
    "PASS, FAIL with the reason, or SKIP when a rule it needs failed. It runs on a tiny\n"
    "random BERT and a few dozen real SST-2 and STS-B rows shipped with the package, so\n"
    "it needs no data folder, no download and no GPU.\n"
    "Exit code: 0 when every rule passes, 1 when one fails, 2 for an unknown method."
)
EPILOG = """examples:
  python -m benchmark check-method bitfit
  python -m benchmark check-method houlsby --backbone all-MiniLM-L6-v2
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("method", help="a registered method name (see `list methods`)")
    parser.add_argument(
        "--backbone",
        metavar="PATH",
        help="check on this BERT checkpoint instead of a tiny random one (slower)",
    )


def execute(args: argparse.Namespace) -> int:
    from benchmark.conformance import build_context, iter_check, registered_entry  # torch

    registered_entry(args.method)  # an unknown name is an input error: exit 2 before any work
    if not args.verbose:  # the verdict lines are the output; a failure carries its own message
        logging.getLogger().setLevel(logging.ERROR)
    results = []
    with tempfile.TemporaryDirectory(prefix="camtl-bench-check-") as workdir:
        for result in iter_check(args.method, build_context(Path(workdir), args.backbone)):
            print(result.line(), flush=True)
            results.append(result)
    failed = [r.rule for r in results if r.status == "FAIL"]
    if failed:
        print(f"{args.method}: {len(failed)} of {len(results)} rules fail: {', '.join(failed)}")
        return 1
    print(f"{args.method}: all {len(results)} rules pass")
    return 0
