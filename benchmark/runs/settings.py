"""Run settings: built-in defaults < profile < config file < command-line flags."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from benchmark.errors import BenchmarkError, UnknownNameError
from benchmark.runs.setting_checks import FLAGS_SOURCE, check_setting
from benchmark.runs.yaml_values import load_yaml
from benchmark.training.config import TrainConfig

PROFILE_DIR = Path(__file__).resolve().parents[1] / "profiles"

TRAIN_SETTINGS = frozenset(f.name for f in fields(TrainConfig)) - {"precision"}
"""Training settings: set by their TrainConfig name in profiles, files and flags, and held in
``Settings.train``. ``precision`` stays a request (auto, fp32, bf16) resolved for the device in
plan."""


@dataclass
class Settings:
    """Everything `run` needs, after merging every source of configuration."""

    suite: str | None = None
    tasks: list[str] | None = None
    methods: list[str] | None = None
    seeds: list[int] = field(default_factory=lambda: [12])
    backbone: str = "all-MiniLM-L6-v2"
    data_dir: str | None = None
    output: str = "results"
    skip_unavailable: bool = False
    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    task_train_samples: dict[str, int] = field(default_factory=dict)
    train_fraction: float = 1.0
    precision: str = "auto"
    train: TrainConfig = field(default_factory=TrainConfig)
    """The one source of training settings (epochs, batch_size, max_length, ...): plan adds the
    device's precision and each method's declared overrides, nothing else spells them."""
    sampler: str | None = None
    method_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_tasks: list[str] = field(default_factory=list)
    predict_test: bool = False
    keep_checkpoint: bool = False
    """Save each run's trained model(s) in safetensors (what an adaptation starts from)."""
    overwrite: bool = False
    profile: str | None = None

    def update(self, values: dict[str, Any], source: str) -> None:
        """Apply ``values`` (from a profile, file or flags), refusing unknown keys."""
        known = {f.name: f for f in fields(self) if f.name != "train"}
        train_values: dict[str, Any] = {}
        for key, value in values.items():
            if not isinstance(key, str):
                raise BenchmarkError(
                    f"{source}: the key {key!r} is {type(key).__name__}, not a setting name; "
                    f"write setting names as text (YAML reads yes/no/on/off and numbers as "
                    f"other types: quote them)")
            key = key.replace("-", "_")
            check_setting(key, value, source)  # type and range, before anything uses it
            if key in TRAIN_SETTINGS:
                if value is not None:
                    train_values[key] = value
                continue
            if key not in known:
                raise UnknownNameError(f"setting in {source}", key, setting_names())
            if value is not None:
                setattr(self, key, _merged(getattr(self, key), value))
        if train_values:
            self.train = _replace_train(self.train, train_values, source)


def _merged(earlier: Any, later: Any) -> Any:
    """A later layer's value; mappings merge key by key (a config's ``task_train_samples:
    {cola: 3000}`` keeps the profile's other caps, ``--method-option houlsby.bottleneck=32``
    the config's other houlsby options)."""
    if not (isinstance(earlier, dict) and isinstance(later, dict)):
        return later
    merged = dict(earlier)
    for key, value in later.items():
        merged[key] = _merged(earlier.get(key), value)
    return merged


def setting_names() -> list[str]:
    """Every name a profile, config file or flag may set."""
    own = [f.name for f in fields(Settings) if f.name != "train"]
    return sorted({*own, *TRAIN_SETTINGS})


def _replace_train(train: TrainConfig, values: dict[str, Any], source: str) -> TrainConfig:
    """One TrainConfig per layer: its checks run on the merged values and name the layer."""
    try:
        return replace(train, **values)
    except BenchmarkError as exc:
        raise BenchmarkError(f"{exc} (set in {source})") from None


def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def read_yaml_mapping(path: Path, what: str) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping, with the file named in any error."""
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BenchmarkError(f"{what} {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BenchmarkError(f"{what} {path} cannot be read as UTF-8 text: {reason}") from None
    except yaml.YAMLError as exc:
        raise BenchmarkError(f"{what} {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BenchmarkError(f"{what} {path} must be a mapping of setting: value")
    return data


def resolve_settings(
    profile: str | None, config_file: str | None, flags: dict[str, Any]
) -> Settings:
    """Merge the layers in order; later layers win."""
    settings = Settings()
    if profile is not None:
        if profile not in profile_names():
            raise UnknownNameError("profile", profile, profile_names())
        profile_file = PROFILE_DIR / f"{profile}.yaml"
        settings.update(read_yaml_mapping(profile_file, "profile"), f"profile {profile}")
        settings.profile = profile
    if config_file is not None:
        config = read_yaml_mapping(Path(config_file), "config file")
        settings.update(config, f"config file {config_file}")
    settings.update(flags, FLAGS_SOURCE)
    return settings


def cpu_supports_bf16() -> bool:
    """bf16 autocast pays off on CPUs with native bf16 dot products (avx512_bf16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(requested: str) -> tuple[str, str]:
    """Pick fp32 or bf16 for this device; returns (choice, reason) for the record."""
    import torch

    if requested in ("fp32", "bf16"):
        return requested, "requested"
    if requested != "auto":
        raise BenchmarkError(f"precision must be auto, fp32 or bf16 (got {requested!r})")
    if torch.cuda.is_available():
        if torch.cuda.is_bf16_supported():
            return "bf16", "auto: CUDA device supports bf16"
        return "fp32", "auto: CUDA device without bf16"
    if cpu_supports_bf16():
        return "bf16", "auto: CPU has avx512_bf16/AMX (measured ~2x faster steps, README)"
    return "fp32", "auto: CPU without native bf16"
