"""`list`: what can be run: suites, tasks, methods (with their origin), samplers, profiles."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmark.runs.settings import profile_names

HELP = "list suites, tasks, methods, samplers or profiles"
EPILOG = """examples:
  python -m benchmark list methods
  python -m benchmark list tasks
  python -m benchmark list tasks --user-tasks examples/user_task/tasks.yaml
"""
KINDS = ("suites", "tasks", "methods", "samplers", "profiles")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=KINDS, nargs="?", default="methods")
    parser.add_argument(
        "--user-tasks",
        action="append",
        default=[],
        metavar="FILE",
        help="YAML file declaring your own tasks: listed with the built-in ones (repeatable)",
    )


def execute(args: argparse.Namespace) -> int:
    from benchmark.methods.registry import discover_methods  # imports torch: only when asked
    from benchmark.training.samplers import SAMPLERS

    if args.kind == "methods":
        failed = 0
        for entry in discover_methods().values():
            if entry.method_class is None:
                failed += 1
                print(
                    f"{entry.name:24} BROKEN  {entry.error}  [{entry.distribution}: {entry.target}]"
                )
            else:
                cls = entry.method_class
                mode = "joint" if cls.joint else "per-task"
                print(
                    f"{entry.name:24} {mode:8} {cls.summary}"
                    f"  [{entry.distribution}: {entry.target}]"
                )
        return 0
    if args.kind == "samplers":
        for name, cls in SAMPLERS.items():
            print(f"{name:16} {(cls.__doc__ or '').strip().splitlines()[0]}")
        return 0
    if args.kind == "profiles":
        print("\n".join(profile_names()))
        return 0
    from benchmark.tasks.registry import (
        get_suite,
        get_task,
        load_user_tasks,
        suite_names,
        task_names,
    )

    for path in args.user_tasks:
        load_user_tasks(Path(path))  # a mistake in the file is a DataError naming its line
    if args.kind == "suites":
        for suite in suite_names():
            print(f"{suite:16} {', '.join(get_suite(suite))}")
        return 0
    for name in task_names():
        task = get_task(name)
        title = f"  ({task.title})" if task.title != name else ""
        print(f"{name:12} {task.suite:10} {task.task_type:16} main={task.main_score}{title}")
    return 0
