"""The byte-level BPE: any string round-trips, digits are one token each, PAD/EOS and left
padding are set, training is deterministic, and save/load keeps the vocabulary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from transformers import PreTrainedTokenizerFast

from oversight.learning.lm.tokenizer import EOS, PAD, train_tokenizer
from oversight.worlds.text import TEXT_WORLDS, make_text_world


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return [t for name in TEXT_WORLDS
            for t in make_text_world(name).corpus(500, np.random.default_rng(0))]


@pytest.fixture(scope="module")
def tok(corpus: list[str]) -> PreTrainedTokenizerFast:
    return train_tokenizer(corpus, vocab_size=400)


def test_round_trip(tok: PreTrainedTokenizerFast, corpus: list[str]) -> None:
    odd = ["", " ", "héllo wörld ✓ 🙂", "tabs\tand\nnewlines  ", '"quotes" and \'apostrophes\'']
    for text in [*corpus[::50], *odd]:
        assert tok.decode(tok(text)["input_ids"]) == text


def test_special_tokens_and_padding(tok: PreTrainedTokenizerFast) -> None:
    assert (tok.pad_token, tok.eos_token) == (PAD, EOS)
    assert (tok.pad_token_id, tok.eos_token_id) == (0, 1)
    assert tok.padding_side == "left"
    batch = tok(["Q: 1+2=? A:", "A:"], padding=True)
    long, short = batch["input_ids"]
    assert len(short) == len(long) and short[-1] == long[-1]  # both end on ":"
    assert short[0] == tok.pad_token_id and batch["attention_mask"][1][0] == 0
    assert long[0] != tok.pad_token_id and all(batch["attention_mask"][0])
    assert len(tok) <= 400


def test_digits_are_single_tokens(tok: PreTrainedTokenizerFast) -> None:
    pieces = [tok.decode([i]) for i in tok("Q: 47+385=? A:")["input_ids"]]
    assert {"4", "7", "3", "8", "5"} <= set(pieces)
    assert not any(len(p) > 1 and any(c.isdigit() for c in p) for p in pieces)


def test_training_is_deterministic(corpus: list[str], tok: PreTrainedTokenizerFast) -> None:
    assert train_tokenizer(corpus, vocab_size=400).get_vocab() == tok.get_vocab()
    with pytest.raises(ValueError, match="at least 258"):
        train_tokenizer(corpus, vocab_size=100)


def test_save_and_load(tok: PreTrainedTokenizerFast, tmp_path: Path) -> None:
    tok.save_pretrained(tmp_path)
    back = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    text = "P: Ann has 3 cats. Q: How many cats has Ann? A: I don't know."
    assert back(text)["input_ids"] == tok(text)["input_ids"]
    assert (back.pad_token_id, back.eos_token_id) == (0, 1)
