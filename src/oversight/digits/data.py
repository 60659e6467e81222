"""scikit-learn's 8×8 digits (shipped with the package, never downloaded) and a stratified split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oversight.types import BoolArray, FloatArray, IntArray

N_PIXELS = 64
N_LABELS = 10
MAX_INTENSITY = 16.0


@dataclass(frozen=True)
class Digits:
    """N images of 8×8 pixels, flattened row-major.

    images: (N, 64) intensities scaled from 0..16 to [0, 1]; labels: (N,) digits 0..9.
    """

    images: FloatArray
    labels: IntArray

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def nonzero(self) -> BoolArray:
        """(N, 64): the pixels a debater may reveal (ink, intensity > 0)."""
        return self.images > 0

    def take(self, index: IntArray) -> Digits:
        """The images at `index` (an (M,) array of row numbers), in that order."""
        return Digits(self.images[index], self.labels[index])


@dataclass(frozen=True)
class Split:
    """A train/test split of the digits."""

    train: Digits
    test: Digits


def load() -> Digits:
    """All 1797 digits, intensities in [0, 1]."""
    from sklearn.datasets import load_digits  # 1.5 CPU-s to import: only where digits are used

    bunch = load_digits()
    images = np.asarray(bunch.data, dtype=np.float64) / MAX_INTENSITY
    return Digits(images, np.asarray(bunch.target, dtype=np.int64))


def split(digits: Digits, seed: int, train_share: float = 2 / 3) -> Split:
    """Stratified split: in each class, a seeded permutation puts round(train_share · n_class)
    images in train and the rest in test; both halves keep the dataset's order."""
    rng = np.random.default_rng(seed)
    in_train = np.zeros(len(digits), dtype=bool)
    for label in range(N_LABELS):
        members = np.flatnonzero(digits.labels == label)
        chosen = rng.permutation(members)[: round(train_share * len(members))]
        in_train[chosen] = True
    return Split(digits.take(np.flatnonzero(in_train)), digits.take(np.flatnonzero(~in_train)))
