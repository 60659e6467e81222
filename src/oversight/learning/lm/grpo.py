"""GRPO (Shao et al. 2024, DeepSeekMath) through trl.GRPOTrainer, KL-penalised to the base model.

Each step samples `num_generations` completions per prompt, scores them with the reward function,
and uses the group-standardised reward as the advantage; the loss adds beta · KL(π ‖ π_ref), with
the k3 estimator per completion token (TRL logs its mean as "kl"). The reference is the model as
passed in, rebuilt by TRL from a temporary `save_pretrained` copy (trl_common.reference_checkpoint).
Everything TRL-specific that differs from its defaults is in trl_common.
"""

from __future__ import annotations

import tempfile
from typing import cast

from datasets import Dataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase
from trl import GRPOConfig, GRPOTrainer

from oversight.learning.lm.trl_common import (
    Checkpoint,
    Checkpoints,
    LMTrainConfig,
    RewardFn,
    StepLog,
    StepLogger,
    generation_tokenizer,
    quiet,
    reference_checkpoint,
    trl_args,
    trl_reward,
)


def grpo_args(config: LMTrainConfig, output_dir: str) -> GRPOConfig:
    """TRL's GRPOConfig for this run (also used by the benchmark's bare-TRL baseline)."""
    if config.batch_size % config.num_generations:
        raise ValueError(f"LMTrainConfig: batch_size ({config.batch_size}) must be a multiple of "
                         f"num_generations ({config.num_generations})")
    if config.beta <= 0:
        raise ValueError("LMTrainConfig.beta: GRPO here needs a KL coefficient > 0, "
                         f"got {config.beta}")
    return trl_args(
        GRPOConfig, config, output_dir,
        per_device_train_batch_size=config.batch_size,
        num_generations=config.num_generations,
        max_completion_length=config.max_new_tokens,
        temperature=config.temperature,
        beta=config.beta,
    )


def train_grpo(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    reward_fn: RewardFn,
    config: LMTrainConfig,
    checkpoint: Checkpoint | None = None,
    every: int = 0,
) -> tuple[PreTrainedModel, list[StepLog]]:
    """Train `model` in place on `prompts` (cycled) against `reward_fn`; returns it and a StepLog
    per step (mean reward of the step's completions, TRL's per-token KL, seconds).
    `checkpoint(step, model)` is called every `every` steps (trl_common.Checkpoints)."""
    if not prompts:
        raise ValueError("train_grpo: prompts is empty")
    logger = StepLogger()
    with tempfile.TemporaryDirectory(prefix="oversight-grpo-") as out:
        with reference_checkpoint(model):
            trainer = GRPOTrainer(
                model=model,
                reward_funcs=trl_reward(reward_fn),
                args=grpo_args(config, out),
                train_dataset=Dataset.from_dict({"prompt": list(prompts)}),
                processing_class=generation_tokenizer(tokenizer),
                callbacks=[logger, Checkpoints(checkpoint, every)],
            )
        quiet(trainer).train()
    model = cast(PreTrainedModel, trainer.model)
    model.eval()
    return model, logger.logs
