"""YAML as settings are written: ``5e-4`` is a number, as in YAML 1.2.

PyYAML follows YAML 1.1, where a float needs a dot, so ``learning_rate: 5e-4`` and
``--method-option houlsby.learning_rate=5e-4`` would arrive as strings and then be
refused as "not a number". Quoted values stay strings (``batch_size: "16"``).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from benchmark.errors import BenchmarkError


class SettingsLoader(yaml.SafeLoader):
    """SafeLoader that also reads exponent floats without a dot (``2e-5``, ``1E3``)."""


SettingsLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def load_yaml(text: str) -> Any:
    """Parse a settings document (a config file, a profile) with ``SettingsLoader``."""
    return yaml.load(text, Loader=SettingsLoader)  # a SafeLoader subclass: safe


def parse_scalar(text: str, what: str) -> Any:
    """One command-line value by the same rules: ``32`` an int, ``2.5``/``5e-4`` floats,
    ``true`` a bool, anything else a string. ``what`` names the value in errors."""
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise BenchmarkError(
            f"{what}: {text!r} is not a valid value ({problem}); quote text that holds "
            "YAML characters, e.g. KEY='\"a: b\"'"
        ) from None
