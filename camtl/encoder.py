"""The CA-MTL encoder: a BERT backbone conditioned on a learned task embedding."""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import PretrainedConfig

from camtl.adapter import ConditionalBottleneck
from camtl.attention import ConditionalBlockBias
from camtl.config import CaMtlConfig, block_layout, plan_layers
from camtl.film import FiLM, TaskConditioning
from camtl.groups import GROUP_ORDER, group_of, is_frozen_group
from camtl.layernorm import ConditionalLayerNorm
from camtl.layers import CaMtlLayer
from camtl.linear import Linear
from camtl.loading import (
    BackboneSource,
    build_embeddings,
    check_backbone_config,
    config_from_dict,
    read_backbone,
    rename_pretrained,
)

CONFIG_FILE = "camtl_config.json"
WEIGHTS_FILE = "model.safetensors"
FORMAT_VERSION = 1


@dataclass
class EncoderOutput:
    """``pooled [N, h]``; the top layer's states ``sequence``: ``[N, l, h]`` when asked for
    (``output_sequence``), else ``[N, 1, h]``, the [CLS] position, the only one computed."""

    pooled: torch.Tensor
    sequence: torch.Tensor


class _Pooler(nn.Module):
    """BERT's pooler: dense + tanh on the first token."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.dense = Linear(hidden_size, hidden_size)

    def forward(self, first_token: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(first_token))


class CaMtlEncoder(nn.Module):
    """Embeddings -> conditional alignment -> CA-MTL layers -> pooler, for T tasks."""

    def __init__(self, backbone_config: PretrainedConfig, config: CaMtlConfig) -> None:
        super().__init__()
        check_backbone_config(backbone_config, config.max_length)
        self.backbone_config = backbone_config
        self.config = config
        hidden = backbone_config.hidden_size
        self.num_blocks = 0
        if config.conditional_attention:
            self.num_blocks, _ = block_layout(hidden, config.max_length)
        self.recipe, self.layer_specs = plan_layers(config, backbone_config.num_hidden_layers)
        self.embeddings = build_embeddings(backbone_config)
        self.task_embedding = (
            nn.Embedding(config.num_tasks, hidden) if config.uses_task_embedding else None
        )
        self.task_transformation = (
            Linear(hidden, hidden) if config.uses_conditioning_in_layers else None
        )
        self.alignment = FiLM(hidden, hidden) if config.uses_alignment else None
        self.layers = nn.ModuleList(
            CaMtlLayer(backbone_config, spec, config.max_length, self.num_blocks)
            for spec in self.layer_specs
        )
        chained = any(spec.chained_adapter for spec in self.layer_specs)
        self.adapters = (
            nn.ModuleList(ConditionalBottleneck(hidden) for _ in self.layer_specs)
            if chained
            else None
        )
        self.pooler = _Pooler(hidden)
        self._initialise(backbone_config.initializer_range)
        self.apply_freezing()

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_backbone(cls, backbone: BackboneSource, config: CaMtlConfig) -> CaMtlEncoder:
        """Build on a checkpoint folder/name, a loaded BERT model, or a config (random init).

        Pretrained weights fill the embeddings, the kept layers and the pooler; the new top
        layer and every conditional module keep the recipe's initialisation.
        """
        backbone_config, state = read_backbone(backbone)
        encoder = cls(backbone_config, config)
        if state is not None:
            encoder._load_pretrained(state)
        return encoder

    def _initialise(self, std: float) -> None:
        """BERT's initialisation for every module; zero attention matrices and FiLM biases."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=std)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, std=std)
                if module.padding_idx is not None:
                    nn.init.zeros_(module.weight[module.padding_idx])
            elif isinstance(module, (nn.LayerNorm, ConditionalLayerNorm)):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, ConditionalBlockBias):
                nn.init.zeros_(module.matrix)

    @torch.no_grad()
    def _load_pretrained(self, state: dict[str, torch.Tensor]) -> None:
        kept = [spec.index for spec in self.layer_specs if not spec.new]
        renamed = rename_pretrained(state, kept)
        own = self.state_dict()
        pretrained_names = [name for name in own if self._is_pretrained_name(name)]
        missing = [name for name in pretrained_names if name not in renamed]
        if any(not name.startswith("pooler.") for name in missing):
            raise ValueError(f"checkpoint lacks pretrained weights: {missing[:5]}")
        if missing:
            warnings.warn("checkpoint has no pooler; the pooler starts from random", stacklevel=3)
        for name, tensor in renamed.items():
            if name not in own:
                continue
            if own[name].shape != tensor.shape:
                raise ValueError(
                    f"{name}: checkpoint shape {tuple(tensor.shape)} "
                    f"!= model shape {tuple(own[name].shape)}"
                )
            own[name].copy_(tensor)

    def _is_pretrained_name(self, name: str) -> bool:
        """Names that come from the checkpoint (not conditional, not the new top layer)."""
        group = group_of(name, self.layer_specs, False)
        if group == "embeddings":
            return name in dict(self.embeddings.named_parameters(prefix="embeddings"))
        return group in {"frozen_layers", "pretrained_layers", "pooler"}

    # ----------------------------------------------------------------- freezing
    def parameter_groups(self) -> dict[str, list[str]]:
        """Every parameter name under its group (docs/camtl.md lists the groups)."""
        groups: dict[str, list[str]] = {}
        freeze_film = self.config.freeze_attention_film_in_frozen_layers and self.config.freeze
        for name, _ in self.named_parameters():
            groups.setdefault(group_of(name, self.layer_specs, freeze_film), []).append(name)
        return {group: groups[group] for group in GROUP_ORDER if group in groups}

    def trainable_groups(self) -> dict[str, list[str]]:
        """The groups the freezing rule trains, with their parameter names."""
        return {
            group: names
            for group, names in self.parameter_groups().items()
            if not is_frozen_group(group, self.config.freeze)
        }

    def apply_freezing(self) -> None:
        """Set ``requires_grad`` from the rule: exactly the trainable groups train."""
        trainable = {name for names in self.trainable_groups().values() for name in names}
        for name, parameter in self.named_parameters():
            parameter.requires_grad_(name in trainable)

    def task_specific_parameter_count(self, task_index: int) -> int:
        """Parameters serving one task only: its row of the task embedding."""
        if not 0 <= task_index < self.config.num_tasks:
            raise ValueError(f"task index {task_index} outside 0..{self.config.num_tasks - 1}")
        return self.hidden_size if self.task_embedding is not None else 0

    @property
    def hidden_size(self) -> int:
        return int(self.backbone_config.hidden_size)

    @property
    def num_tasks(self) -> int:
        return self.config.num_tasks

    # ----------------------------------------------------------------- forward
    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        task_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Pooled [CLS] output ``[N, h]`` (BERT pooler: dense + tanh)."""
        return self.encode(input_ids, attention_mask, token_type_ids, task_ids).pooled

    def encode(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        task_ids: torch.Tensor | None = None,
        output_sequence: bool = False,
        layer_states: list[torch.Tensor] | None = None,
    ) -> EncoderOutput:
        """Pooled output and the last hidden states: every position with ``output_sequence``,
        else [CLS] only.

        Without ``output_sequence`` only the [CLS] position of the top layer (and of the
        chained adapters) is computed: the pooled output is identical, the work is not.
        ``layer_states``, when given, receives the first layer's input and every layer's
        output (what ``hidden_states`` returns).
        """
        task_ids = self._check_inputs(input_ids, attention_mask, task_ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        conditioning = self._conditioning(task_ids)
        if self.alignment is not None:
            hidden = self.alignment(conditioning.raw, task_ids, hidden)
        padding_bias = self._padding_bias(attention_mask, hidden.dtype)
        chain: torch.Tensor | None = None
        last = len(self.layers) - 1
        if layer_states is not None:
            layer_states.append(hidden)
        for index, layer in enumerate(self.layers):
            rows = None if output_sequence or index < last else 1
            hidden = layer(hidden, padding_bias, conditioning, rows)
            if layer_states is not None:
                layer_states.append(hidden)
            if self.adapters is not None:
                assert conditioning is not None
                source = hidden if output_sequence else hidden[:, :1]
                chain = self.adapters[index](
                    source if chain is None else source + chain, conditioning
                )
        output = chain if chain is not None else hidden
        pooled = self.pooler(output[:, 0])
        return EncoderOutput(pooled=pooled, sequence=output)

    def hidden_states(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        task_ids: torch.Tensor | None = None,
    ) -> list[torch.Tensor]:
        """Token states of every position, per layer, as tasks ``task_ids``: the input of the
        first layer (embeddings, task-aligned where the recipe aligns them), then each layer's
        output, each ``[N, l, h]``. For comparing representations with the pretrained
        backbone's (the benchmark's forgetting measurement); chained adapters (the large
        recipe) are not part of the entries: their output is ``encode(...).sequence``."""
        states: list[torch.Tensor] = []
        self.encode(input_ids, attention_mask, token_type_ids, task_ids, output_sequence=True,
                    layer_states=states)
        return states

    @property
    def task_conditioned(self) -> bool:
        """Whether the output depends on the task id (a task embedding conditions it)."""
        return self.task_embedding is not None

    def _check_inputs(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None,
        task_ids: torch.Tensor | None,
    ) -> torch.Tensor:
        if input_ids.dim() != 2:
            raise ValueError(
                f"input_ids must be [batch, length], got shape {tuple(input_ids.shape)}"
            )
        batch, length = input_ids.shape
        if length > self.config.max_length:
            raise ValueError(
                f"sequence length {length} exceeds max_length {self.config.max_length}: "
                f"truncate inputs to at most {self.config.max_length} tokens"
            )
        if attention_mask is not None and attention_mask.shape != input_ids.shape:
            raise ValueError("attention_mask must have the shape of input_ids")
        if task_ids is None:
            if self.config.num_tasks == 1 or self.task_embedding is None:
                return torch.zeros(batch, dtype=torch.long, device=input_ids.device)
            raise ValueError("task_ids is required: one task index per example")
        task_ids = torch.as_tensor(task_ids, device=input_ids.device)
        if task_ids.shape != (batch,) or task_ids.is_floating_point():
            raise ValueError(f"task_ids must be an integer tensor of shape [{batch}]")
        if batch and (int(task_ids.min()) < 0 or int(task_ids.max()) >= self.config.num_tasks):
            bad = task_ids[(task_ids < 0) | (task_ids >= self.config.num_tasks)]
            raise ValueError(
                f"task id {int(bad[0])} outside 0..{self.config.num_tasks - 1} "
                f"(the model was built for num_tasks={self.config.num_tasks})"
            )
        return task_ids.long()

    def _conditioning(self, task_ids: torch.Tensor) -> TaskConditioning | None:
        if self.task_embedding is None:
            return None
        raw = self.task_embedding.weight
        transformed = (
            self.task_transformation(raw) if self.task_transformation is not None else None
        )
        return TaskConditioning(task_ids=task_ids, raw=raw, transformed=transformed)

    @staticmethod
    def _padding_bias(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """``[N, 1, 1, l]``: 0 on tokens, the dtype's minimum on padding."""
        blocked = (attention_mask == 0)[:, None, None, :]
        return torch.zeros(blocked.shape, dtype=dtype, device=attention_mask.device).masked_fill(
            blocked, torch.finfo(dtype).min
        )

    # ----------------------------------------------------------------- persistence
    def save_pretrained(self, directory: str | os.PathLike) -> None:
        """Write ``camtl_config.json`` and ``model.safetensors`` into ``directory``."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        meta = {
            "format_version": FORMAT_VERSION,
            "camtl": self.config.to_dict(),
            "backbone_config": self.backbone_config.to_dict(),
        }
        (path / CONFIG_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))
        state = {name: tensor.detach().contiguous() for name, tensor in self.state_dict().items()}
        save_file(state, str(path / WEIGHTS_FILE), metadata={"format": "pt"})

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> CaMtlEncoder:
        """Inverse of ``save_pretrained`` (offline: the backbone config travels with it)."""
        path = Path(directory)
        meta = json.loads((path / CONFIG_FILE).read_text())
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported camtl format {meta.get('format_version')!r} in {path}")
        encoder = cls(
            config_from_dict(meta["backbone_config"]), CaMtlConfig.from_dict(meta["camtl"])
        )
        encoder.load_state_dict(load_file(str(path / WEIGHTS_FILE)))
        return encoder
