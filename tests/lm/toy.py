"""A tiny text world for testing the language-model optimisers: "a+b=" → the digit a + b.

Operands are digits 0–4, so there are 25 prompts and every answer is one digit 0–8. The tokenizer
is character-level (tokenizers' WordLevel over single characters): ten digits, "+", "=", a pad and
an end-of-sequence token — 14 tokens. The base model is a 2-layer, 32-dim GPT-2 pre-trained for a
few seconds on answers of mixed quality: with probability `P_CORRECT` the right digit, otherwise a
uniformly random digit 0–9, so that sampling from it is right about 40% of the time and RL has
something to select. The true reward is 1 for the right answer (the completion, stripped, equals
the sum), else 0.

The pre-trained model is cached per seed in-process; `base_model(seed)` returns a fresh deep copy,
so a test may train it freely.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

PAD, EOS = "<pad>", "<eos>"
SYMBOLS = [*"0123456789", "+", "="]
P_CORRECT = 0.35
PROMPTS = [f"{a}+{b}=" for a in range(5) for b in range(5)]
HELD_OUT = ["0+4=", "1+2=", "2+2=", "3+0=", "4+3="]
TRAIN = [p for p in PROMPTS if p not in HELD_OUT]


def tokenizer() -> PreTrainedTokenizerFast:
    """The 14-token character-level tokenizer (pad id 0, eos id 1, right padding by default)."""
    vocab = {PAD: 0, EOS: 1, **{s: i + 2 for i, s in enumerate(SYMBOLS)}}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=PAD))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token=PAD, eos_token=EOS)


def answer(prompt: str) -> str:
    """The right completion of a prompt "a+b=": the digit a + b."""
    return str(int(prompt[0]) + int(prompt[2]))


def true_reward(prompts: list[str], completions: list[str]) -> list[float]:
    """1.0 where the completion (stripped) is the right sum, else 0.0."""
    return [float(c.strip() == answer(p)) for p, c in zip(prompts, completions, strict=True)]


def corpus(n: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """n (prompt, completion) pairs of mixed quality over all 25 prompts."""
    out = []
    for _ in range(n):
        p = PROMPTS[int(rng.integers(len(PROMPTS)))]
        c = answer(p) if rng.random() < P_CORRECT else str(int(rng.integers(10)))
        out.append((p, c))
    return out


@functools.lru_cache(maxsize=4)
def _pretrained(seed: int) -> GPT2LMHeadModel:
    torch.manual_seed(seed)  # weight initialisation only; the data use their own generator
    config = GPT2Config(
        vocab_size=14, n_positions=16, n_embd=32, n_layer=2, n_head=2,
        bos_token_id=1, eos_token_id=1, pad_token_id=0,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )
    model = GPT2LMHeadModel(config)
    tok = tokenizer()
    rng = np.random.default_rng(seed)
    data = corpus(4000, rng)
    ids = torch.tensor([tok(p + c)["input_ids"] + [tok.eos_token_id] for p, c in data])
    labels = ids.clone()
    labels[:, :4] = -100  # learn the completion given the prompt
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(300):
        batch = torch.randint(0, len(ids), (128,), generator=g)
        loss = model(input_ids=ids[batch], labels=labels[batch]).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return model


def base_model(seed: int = 0) -> GPT2LMHeadModel:
    """A fresh copy of the toy base model pre-trained with this seed."""
    return copy.deepcopy(_pretrained(seed))


def answer_probability(model: GPT2LMHeadModel, prompts: list[str]) -> float:
    """Mean probability the model gives the right digit followed by end of sequence (exact)."""
    tok = tokenizer()
    ids = torch.tensor([tok(p + answer(p))["input_ids"] + [tok.eos_token_id] for p in prompts])
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits, dim=-1)
    lp = (logp[:, 3, :].gather(1, ids[:, 4:5]).squeeze(1)
          + logp[:, 4, :].gather(1, ids[:, 5:6]).squeeze(1))
    return float(lp.exp().mean())
