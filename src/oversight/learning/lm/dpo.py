"""DPO (Rafailov et al. 2023, "Direct preference optimization") through trl.DPOTrainer, offline on
the judgments: no sampling, no reward model.

The loss is −log σ(β[log π(y_w|x)/π_ref(y_w|x) − log π(y_l|x)/π_ref(y_l|x)]) with β =
`config.beta`, the same KL coefficient as GRPO/RLOO's. The reference is a frozen copy of the model
as passed in, given to TRL explicitly (without it TRL rebuilds it from the model's empty name).
The dataset is in TRL's standard preference format — columns prompt, chosen, rejected (text) —
as `oversight export --format hf` writes it; ties and abstentions carry no preference for DPO and
must be dropped before (extra columns are ignored).
"""

from __future__ import annotations

import copy
import math
import tempfile
from typing import cast

from datasets import Dataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase
from trl import DPOConfig, DPOTrainer

from oversight.learning.lm.trl_common import (
    LMTrainConfig,
    StepLog,
    StepLogger,
    generation_tokenizer,
    quiet,
    trl_args,
)

COLUMNS = ("prompt", "chosen", "rejected")


def train_dpo(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    preferences: Dataset,
    config: LMTrainConfig,
) -> tuple[PreTrainedModel, list[StepLog]]:
    """Train `model` in place for `config.steps` steps of `config.batch_size` pairs. StepLog.reward
    is DPO's implicit reward margin β·(log-ratio chosen − log-ratio rejected), batch mean;
    StepLog.kl is NaN (DPO samples nothing, so there is no on-policy KL to log)."""
    missing = [c for c in COLUMNS if c not in preferences.column_names]
    if missing:
        raise ValueError(f"train_dpo: preferences lacks column(s) {missing}; expected text columns "
                         f"{list(COLUMNS)}, got {preferences.column_names}")
    if len(preferences) == 0:
        raise ValueError("train_dpo: preferences is empty")
    if not config.beta > 0:
        raise ValueError(f"LMTrainConfig.beta: DPO needs β > 0, got {config.beta}")
    reference = copy.deepcopy(model).eval()
    for p in reference.parameters():
        p.requires_grad_(False)
    logger = StepLogger(reward_key="rewards/margins", kl_key="kl")
    with tempfile.TemporaryDirectory(prefix="oversight-dpo-") as out:
        args = trl_args(
            DPOConfig, config, out,
            per_device_train_batch_size=config.batch_size,
            beta=config.beta,
            dataset_num_proc=None,
        )
        trainer = DPOTrainer(
            model=model,
            ref_model=reference,
            args=args,
            train_dataset=preferences.select_columns(list(COLUMNS)),
            processing_class=generation_tokenizer(tokenizer),
            callbacks=[logger],
        )
        quiet(trainer).train()
    model = cast(PreTrainedModel, trainer.model)
    model.eval()
    logs = [StepLog(s.step, s.reward, math.nan, s.seconds) for s in logger.logs]
    return model, logs
