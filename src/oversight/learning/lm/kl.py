"""Log-probabilities of completions, for the KL between a tuned policy and its base model.

KL(π ‖ π_base) per prompt is estimated on completions y ~ π as the mean over them of
log π(y|x) − log π_base(y|x) (the standard Monte Carlo estimate; Stiennon et al. 2020 report
the same quantity for their RL policies). Completions are re-tokenised after the prompt, with the
end-of-text token that ended them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from oversight.types import FloatArray


@torch.no_grad()
def sequence_logprobs(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
                      prompts: Sequence[str], completions: Sequence[str],
                      batch_size: int = 128) -> FloatArray:
    """(N,) log π(completion | prompt) in nats: the sum over the completion's tokens (and its
    closing end-of-text token) of the model's log-probability."""
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    pad = eos if pad is None else pad
    out: list[float] = []
    limit = int(getattr(model.config, "n_positions", 1 << 30))
    for start in range(0, len(prompts), batch_size):
        rows, spans = [], []
        for p, c in zip(prompts[start:start + batch_size], completions[start:start + batch_size],
                        strict=True):
            head = tokenizer(p, add_special_tokens=False)["input_ids"]
            tail = tokenizer(c, add_special_tokens=False)["input_ids"] + [eos]
            ids = (head + tail)[:limit]
            rows.append(ids)
            spans.append((len(head), len(ids)))
        width = max(len(r) for r in rows)
        ids_t = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=model.device)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows],
                            device=model.device)
        logp = torch.log_softmax(model(input_ids=ids_t, attention_mask=mask).logits.float(), -1)
        # token t is predicted by position t-1
        token_logp = logp[:, :-1].gather(2, ids_t[:, 1:, None]).squeeze(2)
        for i, (lo, hi) in enumerate(spans):
            out.append(float(token_logp[i, lo - 1:hi - 1].sum()))
    return np.array(out)
