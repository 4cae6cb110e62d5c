"""The suite a hand-picked task list (``--tasks``) belongs to, so tables never pool task sets.

Tasks that all declare one suite (a built-in suite they are members of, or a user task's
``suite:``) belong to it. Any other list is its own suite, named by its sorted tasks
(``tasks:mrpc+sst2``): two runs share a suite only when they could share an average.
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmark.tasks.registry import get_suite, get_task, suite_names, task_names

TASK_SET_PREFIX = "tasks:"
LEGACY_TASK_SET = "custom"
"""What records written before task-set suites called every hand-picked task list."""


def task_set_name(tasks: Sequence[str]) -> str:
    """The suite name of a task list that belongs to no declared suite."""
    return TASK_SET_PREFIX + "+".join(sorted(set(tasks)))


def is_task_set(suite: str) -> bool:
    """True for a suite named by its task list (no suite average exists for it)."""
    return suite.startswith(TASK_SET_PREFIX) or suite == LEGACY_TASK_SET


def declared_suites() -> list[str]:
    """Registered suites that some task declares as its own (not unions such as
    glue+superglue), in registration order."""
    own = {get_task(name).suite for name in task_names()}
    return [s for s in suite_names() if s in own]


def suite_for_tasks(tasks: Sequence[str], requested: str | None = None) -> str:
    """``requested`` if it holds every task; else the declared suite holding them all
    (the tasks' own ``suite`` first: RTE is in GLUE and SuperGLUE and declares GLUE);
    else the task-set name."""
    wanted = set(tasks)
    if requested and wanted <= set(get_suite(requested)):
        return requested
    holding = [s for s in declared_suites() if wanted <= set(get_suite(s))]
    own = {get_task(name).suite for name in wanted}
    for suite in holding:
        if own == {suite}:
            return suite
    return holding[0] if holding else task_set_name(tasks)
