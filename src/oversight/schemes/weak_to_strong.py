"""Weak-to-strong generalisation on a text world (Burns et al. 2023, arXiv 2312.09390).

Can a strong student trained on a weak supervisor's labels do better than the supervisor? One run
is one task (learning/lm/w2s_tasks.py) at one seed:

1. the task's examples, gold labels from the world's checker, split into two training halves of
   `train` examples each, a validation set and a test set;
2. two base models pre-trained here on the world's corpus (learning/lm/base_model.py; cached by
   world, size and base seed in the folder the runner hands in): a weak one (`weak_size`) and a
   strong one (`strong_size`, same GPT-2 family, larger);
3. the weak supervisor: the weak base model fine-tuned as a classifier on the first half's gold
   labels; it then labels the second half and the validation set (soft labels, its
   probabilities);
4. three strong students, all the strong base model fine-tuned on the second half with the same
   head initialisation and batch order (so they differ only in their targets and loss):
   the ceiling on gold labels; the naive student on the weak labels (cross-entropy); the
   confidence student on the weak labels with the auxiliary confidence loss (α warmed up to
   `alpha`, learning/lm/weak_to_strong.py);
5. test accuracy of each, at the end of training and early-stopped (the evaluation with the best
   accuracy on the validation set against the weak labels: the student's trainer has no gold
   labels), and PGR = (student − weak) / (ceiling − weak) (analysis/pgr.py) per student.

Metrics (accuracies on the test set): weak_accuracy, ceiling_accuracy, naive_accuracy,
conf_accuracy, naive_es_accuracy, conf_es_accuracy, pgr_naive, pgr_conf, pgr_naive_es,
pgr_conf_es; weak_label_accuracy (the weak labels on the second half against gold),
naive_agreement / conf_agreement (share of test predictions equal to the weak supervisor's),
majority_accuracy (always answering the commoner label), weak_params / strong_params, seconds
and cpu_seconds of the run. Curves: each model's test accuracy against training steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
from annotated_types import Interval
from transformers import PreTrainedTokenizerBase

from oversight.analysis.pgr import pgr
from oversight.learning.lm.base_model import SIZES, load_or_train, model_size, n_params
from oversight.learning.lm.w2s_tasks import TaskData, TaskKind, make_task
from oversight.learning.lm.weak_to_strong import (
    ConfidenceLoss,
    Encoded,
    FineTuneConfig,
    accuracy,
    encode,
    fine_tune,
    predict,
)
from oversight.types import RunResult
from oversight.worlds.text.base import TextWorld

STUDENTS = ("naive", "conf")


@dataclass(frozen=True)
class WeakToStrong:
    """task: `classify` (label: the features whose presence is the positive class) or
    `preference` (pairs by true reward; label empty). weak_size, strong_size: base model sizes
    (base_model.SIZES; the strong one no smaller in layers or width); base_seed: their
    pre-training seed (None: the run's seed). train: examples in each training half; val, test:
    validation and test examples. weak: the supervisor's fine-tuning; strong: the students'
    and the ceiling's; alpha, warmup: the confidence loss's α_max and its warm-up share."""

    task: TaskKind = "classify"
    label: tuple[str, ...] = ()
    weak_size: str = "tiny"
    strong_size: str = "small"
    base_seed: int | None = 0
    train: Annotated[int, Interval(ge=8, le=200_000)] = 1000
    val: Annotated[int, Interval(ge=8, le=100_000)] = 200
    test: Annotated[int, Interval(ge=8, le=100_000)] = 1000
    weak: FineTuneConfig = field(default_factory=lambda: FineTuneConfig(lr=2e-3))
    strong: FineTuneConfig = field(default_factory=FineTuneConfig)
    alpha: Annotated[float, Interval(ge=0, le=1)] = 0.5
    warmup: Annotated[float, Interval(ge=0, le=1)] = 0.2

    def __post_init__(self) -> None:
        for name in ("weak_size", "strong_size"):
            if getattr(self, name) not in SIZES:
                raise ValueError(f"{name}: unknown model size {getattr(self, name)!r}; known "
                                 f"sizes: {', '.join(SIZES)}")
        weak, strong = model_size(self.weak_size), model_size(self.strong_size)
        if strong.n_layer < weak.n_layer or strong.n_embd < weak.n_embd:
            raise ValueError(f"strong_size: the student {self.strong_size!r} ({strong.n_layer} "
                             f"layers × {strong.n_embd}) is smaller than the supervisor "
                             f"{self.weak_size!r} ({weak.n_layer} × {weak.n_embd})")
        if self.task == "classify" and not self.label:
            raise ValueError("label: a classify task needs the feature(s) whose presence is "
                             "the positive class, e.g. [\"agrees_with_user\"]")
        if self.task == "preference" and self.label:
            raise ValueError("label: a preference task's gold label is the true reward; leave "
                             "label out")

    def check(self, world: TextWorld) -> None:
        """Raise ValueError if the task does not fit `world` (unknown label features)."""
        world.mask(self.label)

    def run(self, world: TextWorld, seed: int, cache_dir: Path) -> RunResult:
        """One run (module docstring); base models are cached in `cache_dir`."""
        started, cpu = time.perf_counter(), time.process_time()
        rng = np.random.default_rng(seed)
        data_rng, seed_rng = rng.spawn(2)
        h, v = self.train, self.val
        data = make_task(world, self.task, self.label, 2 * h + v + self.test, data_rng)
        parts = {"first": data.take(slice(0, h)), "second": data.take(slice(h, 2 * h)),
                 "val": data.take(slice(2 * h, 2 * h + v)), "test": data.take(slice(2 * h + v,
                                                                                  None))}
        gold = {k: d.labels.astype(np.float64) for k, d in parts.items()}
        weak_seed, student_seed = (int(s) for s in seed_rng.integers(2**31, size=2))
        base_seed = seed if self.base_seed is None else self.base_seed
        weak_base, weak_tok = load_or_train(world, self.weak_size, base_seed, cache_dir)
        strong_base, strong_tok = load_or_train(world, self.strong_size, base_seed, cache_dir)

        def encoded(tokenizer: PreTrainedTokenizerBase, limit: int) -> dict[str, Encoded]:
            return {k: encode(tokenizer, d, limit) for k, d in parts.items()}

        w = encoded(weak_tok, int(weak_base.config.n_positions))
        weak = fine_tune(weak_base, w["first"], gold["first"], self.weak, weak_seed,
                         {"test": (w["test"], gold["test"])})
        weak_labels = {k: predict(weak.scorer, w[k]) for k in ("second", "val", "test")}

        s = encoded(strong_tok, int(strong_base.config.n_positions))
        evals = {"test": (s["test"], gold["test"]), "val_weak": (s["val"], weak_labels["val"])}
        ceiling = fine_tune(strong_base, s["second"], gold["second"], self.strong, student_seed,
                            evals)
        students = {
            name: fine_tune(strong_base, s["second"], weak_labels["second"], self.strong,
                            student_seed, evals, loss)
            for name, loss in zip(STUDENTS, (ConfidenceLoss(0.0),
                                             ConfidenceLoss(self.alpha, self.warmup)),
                                  strict=True)}

        m: dict[str, float] = {
            "weak_accuracy": weak.final("test"),
            "ceiling_accuracy": ceiling.final("test"),
            "weak_label_accuracy": accuracy(weak_labels["second"], gold["second"]),
            "majority_accuracy": _majority(parts["test"]),
            "weak_params": float(n_params(weak.scorer)),
            "strong_params": float(n_params(ceiling.scorer)),
        }
        curves = {"weak_test": weak.curve("test"), "ceiling_test": ceiling.curve("test")}
        for name, student in students.items():
            m[f"{name}_accuracy"] = student.final("test")
            m[f"{name}_es_accuracy"] = student.early_stopped("test", by="val_weak")
            m[f"{name}_agreement"] = accuracy(predict(student.scorer, s["test"]),
                                              weak_labels["test"])
            curves[f"{name}_test"] = student.curve("test")
            for variant in (name, f"{name}_es"):
                m[f"pgr_{variant}"] = float(pgr(m["weak_accuracy"], m[f"{variant}_accuracy"],
                                                m["ceiling_accuracy"]))
        m["seconds"] = time.perf_counter() - started
        m["cpu_seconds"] = time.process_time() - cpu
        return RunResult(m, curves)


def _majority(data: TaskData) -> float:
    share = float(np.mean(data.labels))
    return max(share, 1 - share)
