"""A byte-level BPE tokenizer trained here on a text world's corpus (no downloads).

Built with `tokenizers` (the GPT-2 recipe: a ByteLevel pre-tokenizer and decoder, so any string
round-trips, Radford et al. 2019) with one change: digits are split one per token before the
byte-level step, so numbers are written digit by digit (as in Llama's tokenizer) and a small
model sees the arithmetic's structure rather than one opaque token per number.

Special tokens: PAD = "<|pad|>" (id 0) and EOS = "<|eos|>" (id 1); the EOS token ends every
pre-training text and stops sampling. Wrapped as a transformers PreTrainedTokenizerFast with
pad_token and eos_token set and padding_side="left": batched generation then continues every
prompt from its own last token (with the attention mask; base_model.py passes the position ids).
For training on padded batches pass padding_side="right" to the call, or pad by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

PAD, EOS = "<|pad|>", "<|eos|>"


def train_tokenizer(texts: Iterable[str], vocab_size: int = 512) -> PreTrainedTokenizerFast:
    """A byte-level BPE with at most `vocab_size` tokens (the 256 bytes, PAD, EOS and merges)
    learned from `texts`. Deterministic: the same texts give the same vocabulary."""
    if vocab_size < 258:
        raise ValueError(f"vocab_size must be at least 258 (256 bytes + PAD + EOS), "
                         f"got {vocab_size}")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[PAD, EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    return wrap(tok)


def wrap(tok: Tokenizer) -> PreTrainedTokenizerFast:
    """`tok` as a transformers tokenizer with PAD/EOS set and left padding."""
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token=PAD, eos_token=EOS,
                                   padding_side="left")
