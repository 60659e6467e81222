"""The one place where TRL (1.16) is adapted to models built here, in memory, offline.

Pitfalls handled (see REFERENCES.md, "TRL (1.16) with models built here"):
- Reference model: GRPOTrainer and RLOOTrainer take no `ref_model`; when beta > 0 they rebuild it
  with `create_model_from_path(model.config._name_or_path)`, which is empty for a model built in
  memory. `reference_checkpoint` saves the policy with `save_pretrained` to a temporary folder and
  points `_name_or_path` there while the trainer is built (the name is restored afterwards and the
  folder deleted: the reference is then in memory). DPOTrainer accepts `ref_model`: we pass a copy.
- Precision: TRL sets `bf16=True` unless `fp16` is set; both are turned off (tiny models, fp32,
  bit-for-bit reproducible on CPU).
- `gradient_checkpointing` defaults to on in TRL: off (nothing to save on small models, ~20%
  slower).
- Learning rate: TRL's 1e-6 default suits pre-trained models; models trained here from scratch need
  ~1e-4–1e-3 (measured 5e-4 on a 0.85M-parameter model). `LMTrainConfig.lr` defaults to 5e-4.
- No hub, no reports, no checkpoints: `report_to="none"`, `save_strategy="no"`,
  `push_to_hub=False`, output to a temporary folder; `use_cpu` when no CUDA is used;
  `dataloader_num_workers=0` (workers fork the process: slow to start and unsafe with threads).
- Generation: prompts are padded on the left (a copy of the tokenizer, with a pad token).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
from transformers import (
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainerCallback,
    TrainerControl,
    TrainerState,
    TrainingArguments,
)
from transformers.trainer_callback import PrinterCallback

RewardFn = Callable[[list[str], list[str]], list[float]]
ArgsT = TypeVar("ArgsT", bound=TrainingArguments)


@dataclass(frozen=True)
class LMTrainConfig:
    """Settings shared by the TRL optimisers.

    steps: optimiser steps. lr: AdamW learning rate (for from-scratch tiny models, not TRL's 1e-6).
    batch_size: completions per step for GRPO/RLOO (must be a multiple of num_generations), pairs
    per step for DPO. num_generations: completions per prompt (the group of GRPO/RLOO's baseline).
    beta: KL coefficient to the reference (base) model, > 0. max_new_tokens: completion length cap.
    temperature: sampling temperature in training. seed: TRL's seed (weights order, sampling).
    device: "auto" (CUDA when available), "cpu" or "cuda".
    """

    steps: int = 40
    lr: float = 5e-4
    batch_size: int = 32
    num_generations: int = 8
    beta: float = 0.05
    max_new_tokens: int = 16
    temperature: float = 1.0
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        problems = []
        if self.steps < 1:
            problems.append(f"steps: expected ≥ 1, got {self.steps}")
        if not self.lr > 0:
            problems.append(f"lr: expected > 0, got {self.lr}")
        if self.num_generations < 2:
            problems.append(f"num_generations: expected ≥ 2, got {self.num_generations}")
        if self.batch_size < 1:
            problems.append(f"batch_size: expected ≥ 1, got {self.batch_size}")
        if self.beta < 0:
            problems.append(f"beta: expected ≥ 0, got {self.beta}")
        if self.max_new_tokens < 1:
            problems.append(f"max_new_tokens: expected ≥ 1, got {self.max_new_tokens}")
        if self.device not in ("auto", "cpu", "cuda"):
            problems.append(f"device: expected auto, cpu or cuda, got {self.device!r}")
        if problems:
            raise ValueError("LMTrainConfig: " + "; ".join(problems))


@dataclass(frozen=True)
class StepLog:
    """One optimiser step: mean reward of its completions, KL to the reference as TRL measures it
    (per completion token, mean; GRPO's k3 estimator, RLOO's log-ratio; DPO: the implicit
    reward margin's KL proxy is not defined, so NaN), wall seconds of the step."""

    step: int
    reward: float
    kl: float
    seconds: float


def resolve_device(device: str) -> str:
    """"auto" → "cuda" when available else "cpu"; "cuda" without CUDA is an error."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' was asked for but torch sees no CUDA device")
    return device


def trl_args(cls: type[ArgsT], config: LMTrainConfig, output_dir: str, **fields: Any) -> ArgsT:
    """A TRL config of class `cls` with every in-memory/offline setting fixed, plus `fields`."""
    base: dict[str, Any] = dict(
        output_dir=output_dir,
        max_steps=config.steps,
        learning_rate=config.lr,
        seed=config.seed,
        data_seed=config.seed,
        bf16=False,
        fp16=False,
        gradient_checkpointing=False,
        use_cpu=resolve_device(config.device) == "cpu",
        dataloader_num_workers=0,
        report_to="none",
        save_strategy="no",
        push_to_hub=False,
        logging_steps=1,
        disable_tqdm=True,
        log_level="error",
        lr_scheduler_type="constant",
        warmup_steps=0,
    )
    if "activation_checkpointing" in {f.name for f in dataclasses.fields(cls)}:
        base["activation_checkpointing"] = False  # transformers ≥ 5.x name; the old one is an alias
    base.update(fields)
    return cls(**base)


def generation_tokenizer(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """A copy padded on the left, with a pad token (the eos token when it has none)."""
    tok = copy.deepcopy(tokenizer)
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


@contextlib.contextmanager
def reference_checkpoint(model: PreTrainedModel) -> Iterator[str]:
    """Save `model` to a temporary folder and point `model.config._name_or_path` at it while the
    block runs, so a TRL trainer can rebuild the reference model from it; restored after."""
    old = model.config._name_or_path
    with tempfile.TemporaryDirectory(prefix="oversight-ref-") as folder:
        model.save_pretrained(folder)
        model.config._name_or_path = folder
        try:
            yield folder
        finally:
            model.config._name_or_path = old


def trl_reward(reward_fn: RewardFn, name: str = "reward") -> Callable[..., list[float | None]]:
    """Adapt the lab's (prompts, completions) → rewards to TRL's reward-function signature."""

    def reward(prompts: list[str], completions: list[str], **_: Any) -> list[float | None]:
        return [float(r) for r in reward_fn(list(prompts), list(completions))]

    reward.__name__ = name
    return reward


class StepLogger(TrainerCallback):
    """Collects a StepLog per optimiser step from TRL's logs (logging_steps=1) and step timings."""

    def __init__(self, reward_key: str = "reward", kl_key: str = "kl") -> None:
        self.reward_key, self.kl_key = reward_key, kl_key
        self.logs: list[StepLog] = []
        self._start = 0.0
        self._seconds: dict[int, float] = {}

    def on_step_begin(self, args: TrainingArguments, state: TrainerState,
                      control: TrainerControl, **kwargs: Any) -> None:
        self._start = time.perf_counter()

    def on_step_end(self, args: TrainingArguments, state: TrainerState,
                    control: TrainerControl, **kwargs: Any) -> None:
        self._seconds[state.global_step] = time.perf_counter() - self._start

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, float] | None = None, **kwargs: Any) -> None:
        if not logs or ("loss" not in logs and self.reward_key not in logs):
            return
        self.logs.append(StepLog(
            step=state.global_step,
            reward=float(logs.get(self.reward_key, float("nan"))),
            kl=float(logs.get(self.kl_key, float("nan"))),
            seconds=self._seconds.get(state.global_step, float("nan")),
        ))


Checkpoint = Callable[[int, PreTrainedModel], None]  # (optimiser step, the policy now)


class Checkpoints(TrainerCallback):
    """Calls `at(step, model)` every `every` optimiser steps (and not at all for every = 0),
    with the model in eval mode and gradients off, then hands it back to training: for
    measuring the policy along an RL run (over-optimisation against KL, Gao et al. 2022)."""

    def __init__(self, at: Checkpoint | None, every: int) -> None:
        self.at, self.every = at, every

    def on_step_end(self, args: TrainingArguments, state: TrainerState,
                    control: TrainerControl, **kwargs: Any) -> None:
        model = kwargs.get("model")
        if self.at is None or self.every <= 0 or state.global_step % self.every or model is None:
            return
        training = model.training
        model.eval()
        with torch.no_grad():
            self.at(state.global_step, model)
        model.train(training)


def quiet(trainer: Trainer) -> Trainer:
    """Drop the callback that prints every log dict to stdout (disable_tqdm installs it)."""
    trainer.remove_callback(PrinterCallback)
    return trainer
