"""What the numbers were made with, gathered from the records' manifests and methods.

Values that differ between runs are all listed with how many runs had each, so a
report mixing two commits or two data versions shows it instead of hiding it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmark.families import family_rank
from reports.labels import legacy_identity


@dataclass(frozen=True)
class Item:
    """One provenance field: each distinct value with its run count."""

    name: str
    values: list[tuple[str, int]]

    @property
    def consistent(self) -> bool:
        return len(self.values) <= 1


@dataclass(frozen=True)
class MethodSource:
    """Where one method's code came from: the distribution (and version) that provided it
    and the libraries it declares, each value with its run count."""

    method: str
    label: str
    providers: list[tuple[str, int]]
    dependencies: list[Item]


@dataclass
class Provenance:
    runs: int
    items: list[Item] = field(default_factory=list)
    packages: list[Item] = field(default_factory=list)
    data_files: list[Item] = field(default_factory=list)
    methods: list[MethodSource] = field(default_factory=list)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _item(name: str, values: Iterable[Any]) -> Item:
    counts = Counter(_text(v) for v in values)
    return Item(name, sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _keyed(name_values: Iterable[Mapping[str, Any]]) -> list[Item]:
    """Per key of a mapping (package -> version): the distinct values across runs."""
    seen: dict[str, list[Any]] = {}
    for mapping in name_values:
        for key, value in (mapping or {}).items():
            seen.setdefault(str(key), []).append(value)
    return [_item(key, values) for key, values in sorted(seen.items())]


NOT_RECORDED = "not recorded (the record predates method provenance)"


def _provider(provenance: Mapping[str, Any] | None) -> str:
    if not provenance:
        return NOT_RECORDED
    return f"{provenance.get('distribution', '?')} {provenance.get('version', '?')}"


def method_sources(records: Iterable[Mapping[str, Any]]) -> list[MethodSource]:
    """Per method, in report order: its providing distributions and declared libraries."""
    by_method: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_method.setdefault(str(record["method"]), []).append(record)
    sources = []
    for method, runs in by_method.items():
        fallback = legacy_identity(method)
        label = next((r["method_label"] for r in runs if r.get("method_label")), fallback.label)
        family = next((r["method_family"] for r in runs if r.get("method_family")),
                      fallback.family)
        provenance = [r.get("method_provenance") for r in runs]
        sources.append((family_rank(family), method, MethodSource(
            method, label, _item(method, (_provider(p) for p in provenance)).values,
            _keyed((p or {}).get("dependencies", {}) for p in provenance),
        )))
    return [source for *_, source in sorted(sources, key=lambda s: s[:2])]


def collect(records: Iterable[Mapping[str, Any]]) -> Provenance:
    """Provenance over ``records``: commits, backbones, seeds, hardware, packages, data hashes,
    and which distribution provided each method."""
    records = list(records)
    manifests = [r.get("manifest", {}) for r in records]
    backbones = [f"{r['backbone']['name']} @ {r['backbone']['fingerprint']}" for r in records]
    created = sorted(str(m.get("created", "")) for m in manifests if m.get("created"))
    items = [
        _item("git commit", (m.get("git_commit", "") for m in manifests)),
        _item("backbone (fingerprint)", backbones),
        _item("seeds", [", ".join(str(s) for s in sorted({r["seed"] for r in records}))]
              if records else []),
        _item("hardware", (m.get("hardware") for m in manifests)),
        _item("precision", (r["training"].get("precision") for r in records)),
        _item("schema version", (r.get("schema_version") for r in records)),
    ]
    if created:
        items.append(Item("created", [(f"{created[0]} … {created[-1]}", len(created))]))
    return Provenance(
        runs=len(records),
        items=items,
        packages=_keyed(m.get("packages", {}) for m in manifests),
        data_files=_keyed(m.get("data_files", {}) for m in manifests),
        methods=method_sources(records),
    )
