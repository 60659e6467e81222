"""Ancestral sampling from a causal LM with an explicit torch.Generator.

`transformers`' `generate` draws from torch's global RNG; the lab's rule is explicit RNGs, so
best-of-n and evaluation sample with this small loop instead (temperature 1, no top-k/top-p: the
model's own distribution, which is what best-of-n's KL formula assumes). Prompts are left-padded;
position ids follow the attention mask so padded rows see the same positions as unpadded ones.
"""

from __future__ import annotations

import inspect

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase


@torch.no_grad()
def sample(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    max_new_tokens: int,
    generator: torch.Generator,
    temperature: float = 1.0,
    batch_size: int = 256,
) -> list[str]:
    """One completion per prompt (text after the prompt, special tokens dropped), len(prompts)."""
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens: expected ≥ 1, got {max_new_tokens}")
    out: list[str] = []
    for start in range(0, len(prompts), batch_size):
        out.extend(_sample_batch(model, tokenizer, prompts[start:start + batch_size],
                                 max_new_tokens, generator, temperature))
    return out


def _sample_batch(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    max_new_tokens: int,
    generator: torch.Generator,
    temperature: float,
) -> list[str]:
    eos = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    device = next(model.parameters()).device
    encoded = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    width = max(len(e) for e in encoded)
    ids = torch.tensor([[pad] * (width - len(e)) + e for e in encoded], device=device)
    mask = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded], device=device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    was_training = model.training
    model.eval()
    params = inspect.signature(model.forward).parameters
    cache_arg = "cache" if "cache" in params else "past_key_values"
    past = None
    step_ids, step_pos = ids, positions
    done = torch.zeros(len(prompts), dtype=torch.bool, device=device)
    new: list[torch.Tensor] = []
    for _ in range(max_new_tokens):
        result = model(input_ids=step_ids, attention_mask=mask, position_ids=step_pos,
                       use_cache=True, **{cache_arg: past})
        past = result.get(cache_arg)  # reading the other name warns of its deprecation
        logits = result.logits[:, -1, :].float() / temperature
        probs = torch.softmax(logits, dim=-1)
        token = torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(1).to(device)
        token = torch.where(done, torch.full_like(token, pad), token)
        new.append(token)
        done = done | (token == eos)
        if bool(done.all()):
            break
        step_ids = token[:, None]
        step_pos = step_pos[:, -1:] + 1
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
    model.train(was_training)
    tokens = torch.stack(new, dim=1).tolist()
    return [str(tokenizer.decode(t, skip_special_tokens=True)) for t in tokens]
