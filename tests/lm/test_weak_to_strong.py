"""Weak-to-strong (Burns et al. 2023): PGR and its interval on known values, the confidence loss
against plain cross-entropy, tasks' gold labels against the checker, determinism of a run, and
the experiment's settings validated with clear errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from oversight.analysis.pgr import pgr, summarise_pgr
from oversight.analysis.stats import bootstrap_ci
from oversight.experiments.spec import SpecError, load, parse
from oversight.learning.lm.w2s_tasks import classification, make_task, preference
from oversight.learning.lm.weak_to_strong import (
    ConfidenceLoss,
    FineTuneConfig,
    confidence_loss,
    hardened,
)
from oversight.schemes.weak_to_strong import WeakToStrong
from oversight.worlds.text import make_text_world

# ------------------------------------------------------------------------------------- PGR


def test_pgr_is_zero_for_the_weak_model_and_one_at_the_ceiling() -> None:
    weak, ceiling = np.array([0.6, 0.7]), np.array([0.8, 0.9])
    assert pgr(weak, weak, ceiling) == pytest.approx([0.0, 0.0])
    assert pgr(weak, ceiling, ceiling) == pytest.approx([1.0, 1.0])
    assert float(pgr(0.6, 0.7, 0.8)) == pytest.approx(0.5)
    assert float(pgr(0.6, 0.5, 0.8)) == pytest.approx(-0.5)  # worse than the supervisor


def test_pgr_is_undefined_without_a_gap() -> None:
    assert math.isnan(float(pgr(0.7, 0.8, 0.7)))
    assert math.isnan(float(pgr(0.8, 0.8, 0.7)))


def test_pgr_summary_on_known_values() -> None:
    weak, ceiling = np.full(3, 0.6), np.full(3, 0.8)
    same = summarise_pgr(weak, np.full(3, 0.7), ceiling)
    assert (same.mean, same.low, same.high, same.of_means, same.n) == pytest.approx(
        (0.5, 0.5, 0.5, 0.5, 3))
    spread = summarise_pgr(weak, np.array([0.6, 0.7, 0.8]), ceiling)  # PGRs 0, 1/2, 1
    assert spread.mean == pytest.approx(0.5)
    assert (spread.low, spread.high) == pytest.approx(bootstrap_ci(np.array([0.0, 0.5, 1.0])))
    assert 0.0 <= spread.low < 0.5 < spread.high <= 1.0
    # a seed without a gap is left out of the per-seed mean, not of the means' PGR
    gapless = summarise_pgr(np.array([0.6, 0.8]), np.array([0.7, 0.8]), np.array([0.8, 0.8]))
    assert gapless.n == 1 and gapless.mean == pytest.approx(0.5)
    assert gapless.of_means == pytest.approx((0.75 - 0.7) / (0.8 - 0.7))


def test_pgr_summary_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="three"):
        summarise_pgr(np.zeros(2), np.zeros(3), np.zeros(2))


# ---------------------------------------------------------------------- the confidence loss


def test_confidence_loss_with_alpha_zero_is_cross_entropy_to_the_weak_labels() -> None:
    g = torch.Generator().manual_seed(0)
    logits, weak = torch.randn(16, generator=g), torch.rand(16, generator=g)
    expected = -(weak * torch.log(torch.sigmoid(logits))
                 + (1 - weak) * torch.log(1 - torch.sigmoid(logits))).mean()
    assert confidence_loss(logits, weak, 0.0).item() == pytest.approx(expected.item(), rel=1e-5)


def test_confidence_loss_with_alpha_one_trusts_the_students_hardened_predictions() -> None:
    logits = torch.tensor([-2.0, -1.0, 0.5, 3.0])
    weak = torch.tensor([1.0, 1.0, 0.0, 0.0])  # half positive, and all "wrong" by the student
    own = torch.tensor([0.0, 0.0, 1.0, 1.0])  # the student's two most confident positives
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, own)
    assert confidence_loss(logits, weak, 1.0).item() == pytest.approx(expected.item())
    assert confidence_loss(logits, weak, 1.0) < confidence_loss(logits, weak, 0.0)


def test_hardening_keeps_the_weak_labels_share_of_positives() -> None:
    probs = torch.linspace(0.05, 0.95, 10)
    hard = hardened(probs, torch.tensor(0.3))
    assert hard.tolist() == [0.0] * 7 + [1.0] * 3  # the three most confident


def test_alpha_warms_up_linearly() -> None:
    loss = ConfidenceLoss(0.5, 0.2)
    assert [loss.alpha_at(s, 100) for s in (0, 10, 20, 60)] == pytest.approx(
        [0.0, 0.25, 0.5, 0.5])
    assert ConfidenceLoss(0.0).alpha_at(50, 100) == 0.0
    with pytest.raises(ValueError, match="alpha"):
        ConfidenceLoss(1.5)


# ----------------------------------------------------------------------------------- tasks


def test_classification_gold_labels_are_the_checkers() -> None:
    world = make_text_world("lm-sycophancy")
    data = classification(world, ("agrees_with_user",), 200, np.random.default_rng(3))
    rng = np.random.default_rng(3)  # the same draws, checked one by one
    prompts = world.prompts("train", 200, rng)
    completions = world.completions(prompts, rng)
    truth = [int(world.check(p, c)[world.feature_index("agrees_with_user")] == 1)
             for p, c in zip(prompts, completions, strict=True)]
    assert data.labels.tolist() == truth
    assert data.first == tuple(p.text + c for p, c in zip(prompts, completions, strict=True))
    assert 0 < data.labels.mean() < 1


def test_preference_gold_labels_follow_the_true_reward() -> None:
    world = make_text_world("lm-unknown")
    data = preference(world, 100, np.random.default_rng(0))
    assert data.second is not None and len(data) == 100
    rng = np.random.default_rng(0)
    prompts = world.prompts("train", 100, rng)
    a, b = world.completions(prompts, rng), world.completions(prompts, rng)
    ra, rb = world.returns(prompts, a), world.returns(prompts, b)
    kept = np.flatnonzero(ra != rb)[:100]
    assert data.labels[: len(kept)].tolist() == (ra[kept] > rb[kept]).astype(int).tolist()
    assert 0.3 < data.labels.mean() < 0.7


def test_tasks_refuse_what_they_cannot_label() -> None:
    world = make_text_world("lm-unknown")
    with pytest.raises(ValueError, match="no feature"):
        make_task(world, "classify", ("agrees_with_user",), 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="true reward"):
        make_task(world, "preference", ("correct",), 4, np.random.default_rng(0))


# -------------------------------------------------------------------------------- one run

TINY = WeakToStrong(task="classify", label=("agrees_with_user",), weak_size="tiny",
                    strong_size="tiny", train=48, val=16, test=48,
                    weak=FineTuneConfig(epochs=1, eval_every=1),
                    strong=FineTuneConfig(epochs=1, eval_every=1))


def test_a_run_is_deterministic_and_its_metrics_consistent(tmp_path: Path) -> None:
    world = make_text_world("lm-sycophancy")
    first = TINY.run(world, 5, tmp_path)
    again = TINY.run(world, 5, tmp_path)
    timing = {"seconds", "cpu_seconds"}
    same = {k: v for k, v in first.metrics.items() if k not in timing}
    np.testing.assert_equal(same, {k: v for k, v in again.metrics.items() if k not in timing})
    assert first.curves == again.curves
    m = first.metrics
    for student in ("naive", "conf", "naive_es", "conf_es"):
        expected = pgr(m["weak_accuracy"], m[f"{student}_accuracy"], m["ceiling_accuracy"])
        assert m[f"pgr_{student}"] == pytest.approx(float(expected), nan_ok=True)
    assert all(0 <= m[k] <= 1 for k in m if k.endswith(("accuracy", "agreement")))
    assert m["weak_params"] == m["strong_params"]  # tiny supervises tiny here
    assert len(first.curves["naive_test"]) == TINY.strong.steps(TINY.train)
    other = TINY.run(world, 6, tmp_path)
    assert other.metrics["weak_label_accuracy"] != m["weak_label_accuracy"] or \
        other.curves != first.curves


# ------------------------------------------------------------------------------- settings

ARM = """
name = "w2s"
seeds = 1
[[arms]]
name = "a"
world = "{world}"
scheme = "weak-to-strong"
{extra}
"""


def _parse(world: str = "lm-sycophancy", extra: str = "") -> object:
    return parse(ARM.format(world=world, extra=extra), "w2s.toml")


@pytest.mark.parametrize(("world", "extra", "message"), [
    ("lm-sycophancy", 'w2s = { task = "classify" }', "needs the feature"),
    ("lm-sycophancy", 'w2s = { task = "classify", label = ["quotes"] }', "no feature"),
    ("lm-sycophancy", 'w2s = { task = "preference", label = ["correct"] }', "leave label out"),
    ("lm-sycophancy", 'w2s = { label = ["correct"], weak_size = "small", strong_size = "tiny" }',
     "smaller than the supervisor"),
    ("lm-sycophancy", 'w2s = { label = ["correct"], strong_size = "huge" }', "unknown model size"),
    ("lm-sycophancy", 'w2s = { label = ["correct"], trian = 10 }', "did you mean 'train'"),
    ("lm-sycophancy", 'w2s = { label = ["correct"], alpha = 2.0 }', "w2s.alpha"),
    ("lm-sycophancy", 'w2s = { label = ["correct"], strong = { pool = "max" } }', "w2s.strong"),
    ("lm-sycophancy", 'overseer = "expert"\nw2s = { label = ["correct"] }', "leave overseer"),
    ("lm-sycophancy", 'budget = { amount = 10 }\nw2s = { label = ["correct"] }', "budget"),
    ("lm-sycophancy", 'lm = { size = "tiny" }\nw2s = { label = ["correct"] }', r"in \[w2s\]"),
    ("camera-room", 'w2s = { label = ["correct"] }', "text worlds"),
])
def test_settings_are_validated_with_clear_errors(world: str, extra: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        _parse(world, extra)


def test_w2s_settings_belong_to_the_weak_to_strong_scheme() -> None:
    text = ARM.format(world="lm-sycophancy", extra='overseer = "expert"\nw2s = { label = ["x"] }')
    with pytest.raises(SpecError, match="settings of the weak-to-strong scheme"):
        parse(text.replace('scheme = "weak-to-strong"', 'scheme = "rlhf"'), "w2s.toml")


def test_the_catalogue_experiment_has_three_tasks_and_three_seeds() -> None:
    spec = load("weak-to-strong")
    assert spec.seeds >= 3
    tasks = [a.w2s["task"] for a in spec.arms]
    assert tasks.count("classify") >= 2 and tasks.count("preference") >= 1
    assert all(a.kind == "lm" and a.scheme == "weak-to-strong" for a in spec.arms)
    assert {"weak_size", "strong_size"} <= set(spec.arms[0].w2s)


# ------------------------------------------------------------------- engine, store, report

ENGINE = """
name = "w2s-tiny"
seeds = 2
[defaults]
scheme = "weak-to-strong"
world = "lm-sycophancy"
[defaults.w2s]
weak_size = "tiny"
strong_size = "tiny"
train = 32
val = 16
test = 32
weak = { epochs = 1, eval_every = 1 }
strong = { epochs = 1, eval_every = 1 }
[[arms]]
name = "agrees"
question = "does it agree with the user?"
w2s = { label = ["agrees_with_user"] }
[[arms]]
name = "preference"
question = "which answer is truly better?"
w2s = { task = "preference" }
"""


def test_the_engine_stores_runs_and_the_report_shows_pgr(tmp_path: Path) -> None:
    from oversight.experiments.runner import run_experiment
    from oversight.report import load_document
    from oversight.report.markdown import render

    spec = parse(ENGINE, "w2s.toml")
    rows = run_experiment(spec, tmp_path, "serial")
    assert [r["status"] for r in rows] == ["done"] * 4, [r.get("error") for r in rows]
    assert all("pgr_conf" in r["metrics"] and "ceiling_accuracy" in r["metrics"] for r in rows)
    assert (tmp_path / "models" / "lm-sycophancy-tiny-0" / "config.json").is_file()
    assert run_experiment(spec, tmp_path, "serial") == rows  # resumed: nothing reruns
    _, doc = load_document(tmp_path)
    assert [f.name for f in doc.figures()] == ["w2s-pgr", "w2s-accuracy-bars"]
    assert len(doc.questions) == len(spec.arms)
    for _, answer in doc.questions:  # a claim, or a sentence saying there was no gap
        assert getattr(answer, "better", None) == "confidence-loss" or (
            isinstance(answer, str) and "no gap to recover" in answer), answer
    text = render(doc)
    assert "Performance gap recovered" in text and "Burns et al" in text
    weak = np.mean([r["metrics"]["weak_accuracy"] for r in rows[:2]])  # the first task's
    assert f"{100 * weak:.1f} [" in text


def test_a_task_is_claimed_only_where_the_ceiling_beats_the_weak_model() -> None:
    from oversight.report.w2s import _answer

    spec = parse(ENGINE, "w2s.toml")
    arm = spec.arms[0]

    def rows(gap: float) -> list[dict]:
        return [{"arm": arm.name, "seed": s, "status": "done",
                 "metrics": {"weak_accuracy": 0.7, "ceiling_accuracy": 0.7 + gap + 0.01 * s,
                             "pgr_naive": 0.1 * s, "pgr_conf": 0.1 * s + 0.3}}
                for s in range(3)]

    claim = _answer(rows(0.1), arm)
    assert not isinstance(claim, str) and claim.better == "confidence-loss"
    assert claim.verdict == "holds" and claim.diff.mean == pytest.approx(0.3)
    none = _answer(rows(-0.01), arm)
    assert isinstance(none, str) and "no gap to recover" in none
