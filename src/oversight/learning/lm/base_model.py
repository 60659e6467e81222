"""Base models trained here from scratch on a text world's corpus (DESIGN.md §9).

A GPT-2 (Radford et al. 2019) `transformers` config initialised from scratch, pre-trained with a
plain torch loop: next-token cross-entropy on every token of prompt + completion + EOS, AdamW
(Loshchilov & Hutter 2019), a linear warm-up over the first 5% of steps then a cosine decay to
10% of the peak learning rate. Dropout is off (these models see each text a few times at most,
and dropout would draw from torch's global generator). Everything random is explicit: the
corpus is drawn from np.random.default_rng(seed), batches from a torch.Generator seeded with
seed, and the initial weights inside torch.random.fork_rng seeded with seed (transformers
initialises from the global generator; fork_rng restores it afterwards). Training runs on
`threads` CPU threads (1 by default; restored afterwards) or on `device`.

Sizes are parameters (`SIZES`, or any ModelSize): "tiny" for fast tests, "small" the default
(~0.5M parameters, a couple of CPU-minutes), "medium" and "large" for more cores or a GPU.

`load_or_train(world, size, seed, cache_dir)` keeps models with save_pretrained (model and
tokenizer) in cache_dir/{world}-{size}-{seed}/, written to a temporary folder first and renamed,
so a cache folder is complete or absent; a lock file beside it makes processes that want the
same model at once pre-train it once. The caller owns cache_dir (learning/ invents no paths).
The folder's key does not include the world's parameters: a world built with non-default
parameters needs its own cache_dir.
"""

from __future__ import annotations

import fcntl
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from oversight.learning.lm.tokenizer import train_tokenizer
from oversight.worlds.text.base import TextWorld

Progress = Callable[[int, int, float], None]  # (step done, steps in all, batch loss)


@dataclass(frozen=True)
class ModelSize:
    """A GPT-2 shape and its pre-training budget.

    n_layer, n_embd, n_head: the transformer; n_positions: longest text in tokens; vocab_size:
    the BPE's upper bound (the corpus may need fewer); corpus: texts drawn for pre-training;
    steps × batch_size: texts seen (with replacement); lr: AdamW's peak learning rate."""

    n_layer: int
    n_embd: int
    n_head: int
    steps: int
    batch_size: int
    lr: float
    corpus: int
    n_positions: int = 64
    vocab_size: int = 512
    weight_decay: float = 0.01

    def __post_init__(self) -> None:
        ints = {k: getattr(self, k) for k in ("n_layer", "n_embd", "n_head", "steps",
                                              "batch_size", "corpus", "n_positions",
                                              "vocab_size")}
        bad = [k for k, v in ints.items() if not isinstance(v, int) or v < 1]
        if bad or self.n_embd % self.n_head or not self.lr > 0:
            raise ValueError(f"invalid model size {self}: need positive whole numbers "
                             f"({bad or 'ok'}), n_embd divisible by n_head, lr > 0")


SIZES: dict[str, ModelSize] = {
    "tiny": ModelSize(n_layer=1, n_embd=64, n_head=2, steps=300, batch_size=32, lr=5e-3,
                      corpus=4000),
    "small": ModelSize(n_layer=2, n_embd=128, n_head=4, steps=1200, batch_size=64, lr=3e-3,
                       corpus=30000),
    "medium": ModelSize(n_layer=4, n_embd=256, n_head=8, steps=2000, batch_size=64, lr=1e-3,
                        corpus=100000),
    "large": ModelSize(n_layer=8, n_embd=512, n_head=8, steps=5000, batch_size=128, lr=5e-4,
                       corpus=400000),
}


def model_size(size: str | ModelSize) -> ModelSize:
    if isinstance(size, ModelSize):
        return size
    if size not in SIZES:
        raise ValueError(f"unknown model size {size!r}; known sizes: {', '.join(SIZES)}")
    return SIZES[size]


def n_params(model: torch.nn.Module) -> int:
    """Distinct trainable parameters (the tied input/output embedding counted once)."""
    return sum(p.numel() for p in model.parameters())


def init_model(size: ModelSize, tokenizer: PreTrainedTokenizerFast, seed: int) -> GPT2LMHeadModel:
    """A GPT-2 with random weights drawn from `seed` (global generator forked and restored)."""
    config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=size.n_positions, n_embd=size.n_embd,
        n_layer=size.n_layer, n_head=size.n_head, resid_pdrop=0.0, embd_pdrop=0.0,
        attn_pdrop=0.0, bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config)
    return model


def encode_corpus(tokenizer: PreTrainedTokenizerFast, texts: Sequence[str],
                  n_positions: int) -> list[list[int]]:
    """Token ids of each text followed by EOS; raises if one is longer than n_positions."""
    eos = int(tokenizer.eos_token_id)
    out = [[*ids, eos] for ids in tokenizer(list(texts))["input_ids"]]
    longest = max(map(len, out), default=0)
    if longest > n_positions:
        raise ValueError(f"a corpus text has {longest} tokens, more than n_positions = "
                         f"{n_positions}; raise the model size's n_positions")
    return out


def _batch(rows: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded (B, T) input ids and labels (-100 on padding)."""
    width = max(map(len, rows))
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        labels[i, : len(r)] = torch.tensor(r)
    return ids, labels


def _lr_factor(step: int, steps: int) -> float:
    warm = max(1, steps // 20)
    if step < warm:
        return (step + 1) / warm
    progress = (step - warm) / max(1, steps - warm)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class PretrainReport:
    """What pre-training did: parameters, wall seconds, the mean loss (nats per token) of the
    first and last tenth of the steps, texts in the corpus."""

    params: int
    seconds: float
    first_loss: float
    last_loss: float
    corpus: int


def pretrain(world: TextWorld, size: str | ModelSize, seed: int,
             progress: Progress | None = None, threads: int | None = 1,
             device: str = "cpu") -> tuple[GPT2LMHeadModel, PreTrainedTokenizerFast,
                                           PretrainReport]:
    """Train a tokenizer and a base model from scratch on `world`'s corpus (module docstring).
    threads: torch CPU threads while training (None: leave as is)."""
    spec = model_size(size)
    started = time.perf_counter()
    texts = world.corpus(spec.corpus, np.random.default_rng(seed))
    tokenizer = train_tokenizer(texts, spec.vocab_size)
    rows = encode_corpus(tokenizer, texts, spec.n_positions)
    model = init_model(spec, tokenizer, seed)
    model.to(torch.device(device))  # type: ignore[arg-type]  # transformers types `to` badly
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=spec.lr, betas=(0.9, 0.98),
                                  weight_decay=spec.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: _lr_factor(s, spec.steps))
    generator = torch.Generator().manual_seed(seed)
    pad = int(tokenizer.pad_token_id)
    losses: list[float] = []
    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        for step in range(spec.steps):
            index = torch.randint(len(rows), (spec.batch_size,), generator=generator)
            ids, labels = _batch([rows[int(i)] for i in index], pad)
            logits = model(input_ids=ids.to(device),
                           attention_mask=(labels != -100).to(device)).logits
            loss = torch.nn.functional.cross_entropy(
                logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten().to(device),
                ignore_index=-100)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            losses.append(loss.item())
            if progress is not None:
                progress(step + 1, spec.steps, losses[-1])
    finally:
        torch.set_num_threads(old_threads)
    model.eval()
    tenth = max(1, spec.steps // 10)
    report = PretrainReport(n_params(model), time.perf_counter() - started,
                            float(np.mean(losses[:tenth])), float(np.mean(losses[-tenth:])),
                            len(texts))
    return model, tokenizer, report


def cache_folder(cache_dir: Path, world: TextWorld, size: str, seed: int) -> Path:
    """Where load_or_train keeps (world, size, seed)'s base model inside cache_dir."""
    return Path(cache_dir) / f"{world.name}-{size}-{seed}"


def load_or_train(world: TextWorld, size: str, seed: int, cache_dir: Path,
                  progress: Progress | None = None, threads: int | None = 1,
                  device: str = "cpu") -> tuple[GPT2LMHeadModel, PreTrainedTokenizerFast]:
    """The base model of (world, size, seed) and its tokenizer: loaded from
    cache_dir/{world}-{size}-{seed}/ if present, else pre-trained and saved there
    (save_pretrained; the pre-training report is kept in the config as `oversight_pretrain`)."""
    folder = cache_folder(cache_dir, world, size, seed)
    if (folder / "config.json").exists():
        return load(folder, device)
    folder.parent.mkdir(parents=True, exist_ok=True)
    # One pre-training per model: a second process asking for it meanwhile waits, then loads.
    lock_file = folder.with_name(f"{folder.name}.lock")
    with open(lock_file, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / "config.json").exists():
            return load(folder, device)
        model, tokenizer, report = pretrain(world, size, seed, progress, threads, device)
        model.config.oversight_pretrain = {**asdict(report), "world": world.name, "size": size,
                                           "seed": seed, **asdict(model_size(size))}
        # written aside and renamed, so a crash leaves the model complete or absent
        partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        partial.rename(folder)
        lock_file.unlink(missing_ok=True)  # later comers find the model; waiters re-check
    return model, tokenizer


def load(folder: Path, device: str = "cpu") -> tuple[GPT2LMHeadModel, PreTrainedTokenizerFast]:
    """A saved base model and tokenizer, in eval mode, left padding."""
    model = GPT2LMHeadModel.from_pretrained(folder)
    model.to(torch.device(device))  # type: ignore[arg-type]  # transformers types `to` badly
    model.eval()
    tokenizer = PreTrainedTokenizerFast.from_pretrained(folder)
    tokenizer.padding_side = "left"
    return model, tokenizer


# ------------------------------------------------------------------------------- sampling


@torch.no_grad()
def sample(model: GPT2LMHeadModel, tokenizer: PreTrainedTokenizerFast, prompts: Sequence[str],
           n: int = 1, max_new_tokens: int = 24, seed: int | None = None,
           generator: torch.Generator | None = None, temperature: float = 1.0,
           batch_size: int = 256) -> list[list[str]]:
    """n completions of each prompt text (ancestral sampling at `temperature`; 0 = greedy),
    each decoded up to its first EOS (or max_new_tokens). Returns a list per prompt.

    Deterministic given the generator (or seed): rows are drawn in the order prompt 0's n
    completions, prompt 1's, ..., in batches of `batch_size` rows. Prompts are left-padded;
    position ids count real tokens only, so padding does not shift a prompt."""
    if generator is None:
        generator = torch.Generator(device=model.device).manual_seed(0 if seed is None else seed)
    if n < 1 or max_new_tokens < 1 or temperature < 0:
        raise ValueError(f"sample: need n >= 1, max_new_tokens >= 1, temperature >= 0; got "
                         f"n={n}, max_new_tokens={max_new_tokens}, temperature={temperature}")
    rows = [p for p in prompts for _ in range(n)]
    texts: list[str] = []
    for start in range(0, len(rows), batch_size):
        ids = _generate(model, tokenizer, rows[start: start + batch_size], max_new_tokens,
                        generator, temperature)
        texts += tokenizer.batch_decode(ids, skip_special_tokens=True)
    return [texts[i * n: (i + 1) * n] for i in range(len(prompts))]


def _generate(model: GPT2LMHeadModel, tokenizer: PreTrainedTokenizerFast, prompts: list[str],
              max_new_tokens: int, generator: torch.Generator,
              temperature: float) -> list[list[int]]:
    """New token ids per prompt, cut before the first EOS."""
    device = model.device
    enc = tokenizer(prompts, padding=True, padding_side="left", return_tensors="pt")
    ids, mask = enc["input_ids"].to(device), enc["attention_mask"].to(device)
    limit = model.config.n_positions - ids.shape[1]
    if limit < 1:
        raise ValueError(f"sample: a prompt has {ids.shape[1]} tokens, no room left in "
                         f"n_positions = {model.config.n_positions}")
    eos, pad = int(tokenizer.eos_token_id), int(tokenizer.pad_token_id)
    positions = (mask.cumsum(1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True)
    cache = out.cache
    next_pos = positions[:, -1:] + 1
    done = torch.zeros(len(prompts), dtype=torch.bool, device=device)
    new: list[torch.Tensor] = []
    for step in range(min(max_new_tokens, limit)):
        logits = out.logits[:, -1, :].float()
        if temperature == 0:
            token = logits.argmax(-1)
        else:
            probs = torch.softmax(logits / temperature, dim=-1)
            token = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        token = torch.where(done, torch.full_like(token, pad), token)
        new.append(token)
        done |= token == eos
        if bool(done.all()) or step == min(max_new_tokens, limit) - 1:
            break
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        out = model(input_ids=token[:, None], attention_mask=mask, position_ids=next_pos,
                    cache=cache, use_cache=True)
        cache = out.cache
        next_pos = next_pos + 1
    generated = torch.stack(new, dim=1).tolist()
    return [row[: row.index(eos)] if eos in row else row for row in generated]
