"""The sparse judge: a small MLP that classifies a digit from k revealed pixels.

Input: a 0/1 mask plane and the revealed intensities (zero where hidden), 2 × 64 numbers; output:
10 logits. It is trained on the train split on random sets of k revealed non-zero pixels, drawn
afresh every epoch (Irving et al. 2018 trained their MNIST judge the same way). A judge trained
with a label map that is not the identity learns a systematic confusion (e.g. 3 ↔ 8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
from torch import nn

from oversight.digits.data import N_LABELS, N_PIXELS, Digits
from oversight.types import BoolArray, FloatArray, IntArray

IDENTITY: tuple[int, ...] = tuple(range(N_LABELS))
EVAL_CHUNK = 1 << 16  # rows per forward pass when scoring


def swap_labels(a: int, b: int) -> tuple[int, ...]:
    """A label map that trains the judge to call every `a` a `b` and every `b` an `a`."""
    mapping = list(IDENTITY)
    mapping[a], mapping[b] = b, a
    return tuple(mapping)


@dataclass(frozen=True)
class JudgeTraining:
    """How a judge is trained: k revealed pixels per example, `reveals` fresh random reveal sets
    per train image per epoch, Adam at `lr` on minibatches of `batch`, an MLP of two hidden layers
    of `hidden` ReLU units; `label_map[y]` is the label the judge is taught for digit y."""

    k: int
    hidden: int = 128
    epochs: int = 60
    reveals: int = 4
    batch: int = 128
    lr: float = 1e-3
    label_map: tuple[int, ...] = IDENTITY


@dataclass(frozen=True)
class Judge:
    """A trained sparse judge (in eval mode; never trained further)."""

    net: nn.Sequential
    training: JudgeTraining

    def scores(self, mask: BoolArray, values: FloatArray) -> FloatArray:
        """Logits (B, 10) for B partial images: mask (B, 64) revealed pixels, values (B, 64)
        intensities in [0, 1] (hidden pixels are zeroed here, so passing full images is safe)."""
        x = encode(mask, values)
        with torch.inference_mode():
            out = [self.net(torch.from_numpy(x[i : i + EVAL_CHUNK]))
                   for i in range(0, len(x), EVAL_CHUNK)]
        if not out:
            return np.zeros((0, N_LABELS))
        return torch.cat(out).numpy().astype(np.float64)

    def completion_scores(self, values: FloatArray, base: BoolArray, added: IntArray) -> FloatArray:
        """Logits (C, 10) of ONE image, values (64,), with the pixels `base` (64,) revealed plus
        row c's pixels added[c] (C, r), each distinct and not in `base`. Equal to `scores` up to
        float rounding, and faster: the first layer becomes a sum of r + |base| gathered columns
        (a revealed pixel p contributes W[:, p] + W[:, 64 + p]·value[p]) instead of a product."""
        first = cast(nn.Linear, self.net[0])
        with torch.inference_mode():
            w = first.weight
            v = torch.from_numpy(np.asarray(values, dtype=np.float32))
            contrib = (w[:, :N_PIXELS] + w[:, N_PIXELS:] * v).T  # (64, hidden)
            h0 = first.bias + contrib[torch.from_numpy(np.flatnonzero(base))].sum(dim=0)
            idx = torch.from_numpy(np.asarray(added, dtype=np.int64))
            step = EVAL_CHUNK // 4
            out = [self.net[1:](h0 + nn.functional.embedding_bag(idx[i : i + step], contrib,
                                                                  mode="sum"))
                   for i in range(0, len(idx), step)]
        if not out:
            return np.zeros((0, N_LABELS))
        return torch.cat(out).numpy().astype(np.float64)


def encode(mask: BoolArray, values: FloatArray) -> np.ndarray:
    """The judge's input (B, 128) float32: the mask plane, then the revealed intensities."""
    m = np.asarray(mask, dtype=np.float32)
    return np.concatenate([m, m * np.asarray(values, dtype=np.float32)], axis=1)


def random_reveals(nonzero: BoolArray, k: int, rng: np.random.Generator) -> BoolArray:
    """(B, 64) masks of k pixels drawn uniformly without replacement from each row's non-zero
    pixels (all of them where a row has fewer than k)."""
    keys = np.where(nonzero, rng.random(nonzero.shape), 2.0)
    kth = np.sort(keys, axis=1)[:, k - 1 : k]
    return nonzero & (keys <= kth)


def _network(hidden: int, generator: torch.Generator) -> nn.Sequential:
    """The MLP, initialised as torch initialises nn.Linear but from `generator`."""
    net = nn.Sequential(nn.Linear(2 * N_PIXELS, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                        nn.ReLU(), nn.Linear(hidden, N_LABELS))
    with torch.no_grad():
        for layer in net:
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
                bound = 1 / math.sqrt(layer.in_features)
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return net


def train_judge(train: Digits, training: JudgeTraining, seed: int) -> Judge:
    """Train a judge on `train`; the same seed gives bit-identical weights (on one thread)."""
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
    net = _network(training.hidden, gen)
    optimiser = torch.optim.Adam(net.parameters(), lr=training.lr)
    images = np.repeat(train.images, training.reveals, axis=0)
    targets = torch.from_numpy(np.asarray(training.label_map, dtype=np.int64)[
        np.repeat(train.labels, training.reveals)])
    nonzero = images > 0
    for _ in range(training.epochs):
        x = torch.from_numpy(encode(random_reveals(nonzero, training.k, rng), images))
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), training.batch):
            idx = order[start : start + training.batch]
            loss = nn.functional.cross_entropy(net(x[idx]), targets[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    net.eval()
    return Judge(net, training)


def alone_accuracy(judge: Judge, test: Digits, rng: np.random.Generator, draws: int = 1,
                   label_map: tuple[int, ...] = IDENTITY) -> float:
    """Share of (image, draw) pairs where the judge's argmax over 10 labels on k random non-zero
    pixels equals label_map[true label]."""
    images = np.repeat(test.images, draws, axis=0)
    mask = random_reveals(images > 0, judge.training.k, rng)
    truth: IntArray = np.asarray(label_map)[np.repeat(test.labels, draws)]
    return float(np.mean(judge.scores(mask, images).argmax(axis=1) == truth))
