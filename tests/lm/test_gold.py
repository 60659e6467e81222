"""Gold-RM mode (Gao et al. 2022's setup): a gold reward model fitted to exact labels answers
the proxy's pairs. The oracles: the stored judgments are the gold model's preferences on the
stored pairs (refitted from the run's seed), exactly at 0% noise and flipped in about a quarter
of pairs at 25%; the gold model agrees with the exact true preference better than chance; the
pool is scored by both golds; same seed → same numbers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from oversight.experiments.kinds import build_world, lm_scheme
from oversight.experiments.runner import run_experiment
from oversight.experiments.spec import parse, run_key
from oversight.experiments.store import Store
from oversight.learning.lm.base_model import load_or_train
from oversight.learning.lm.reward_model import TextRewardConfig, TextRewardEnsemble
from oversight.schemes.lm_gold import GoldModel, gold_judgments
from oversight.types import Answer

from . import toy
from .test_reward_model import CONFIG, pairs

SPEC = """
name = "lm-gold"
seeds = 1
[defaults]
world = "lm-unverifiable"
overseer = "oracle"
budget = { kind = "labels", amount = 60 }
[defaults.lm]
size = "tiny"
prompts = 60
eval_prompts = 8
candidates = 4
n = 4
reward_model = { steps = 20 }
overoptimization = 8
overoptimization_prompts = 2
overoptimization_objectives = ["mean", "wco"]
gold = "rm"
gold_labels = 120
gold_reward_model = { steps = 40 }
[[arms]]
name = "exact"
[[arms]]
name = "noisy"
overseer_params = { mistake = 0.25 }
"""


@pytest.fixture(scope="module")
def gold_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("gold")
    return out, run_experiment(parse(SPEC, "gold.toml"), out, "serial")


def test_judgments_are_the_gold_models_preferences(gold_run: tuple[Path, list[dict]]) -> None:
    out, rows = gold_run
    assert [r["status"] for r in rows] == ["done", "done"], [r.get("error") for r in rows]
    spec = parse(SPEC, "gold.toml")
    world = build_world("lm-unverifiable", {})
    base, tokenizer = load_or_train(world, "tiny", 0, out / "models", device="cpu")
    gold = lm_scheme(spec.arms[0].lm).gold_model(world, base, tokenizer, 0, "cpu")
    assert gold.report.val_accuracy > 0.5  # the gold model learned the exact preferences
    disagree = []
    with sqlite3.connect(out / "store.sqlite") as db:
        for arm in spec.arms:
            stored = db.execute(
                "SELECT first_actions, second_actions, detail, answer FROM judgments "
                "WHERE run = ? ORDER BY idx", (run_key(arm, 0),)).fetchall()
            assert len(stored) == 60
            first, second = [s[0] for s in stored], [s[1] for s in stored]
            prompts = [json.loads(s[2])["prompt"] for s in stored]
            answers = np.array([s[3] for s in stored])
            exact = gold_judgments(gold, prompts, first, second, np.zeros(60), 0.0,
                                   np.random.default_rng(0)).answer
            disagree.append(float(np.mean(answers != exact)))
    assert disagree[0] == 0.0
    assert 0.08 < disagree[1] < 0.45  # 25% flipped, 60 pairs


def test_both_golds_are_measured_and_runs_repeat(gold_run: tuple[Path, list[dict]],
                                                 tmp_path: Path) -> None:
    out, rows = gold_run
    metrics = rows[0]["metrics"]
    with Store(out, create=False) as store:
        curves = store.curves(rows[0]["key"])
    assert 0.5 < metrics["gold_rm_agreement"] <= 1.0
    for kind in ("best_of_n", "best_of_n_world", "best_of_n_wco", "best_of_n_wco_world"):
        assert f"overopt_{kind}_fall" in metrics and f"overopt_{kind}_true_gain" in curves
    assert "overopt_best_of_n_uwo_fall" not in metrics  # not asked for
    # the world's curve is the true reward, the gold curve the gold model's: they differ
    assert curves["overopt_best_of_n_true_gain"] != curves["overopt_best_of_n_world_true_gain"]
    again = run_experiment(parse(SPEC, "gold.toml"), tmp_path, "serial")
    assert [r["metrics"] for r in again] == [r["metrics"] for r in rows]


def test_gold_judgments_follow_the_gold_scores_and_flip_at_the_mistake_rate() -> None:
    rm = TextRewardEnsemble(toy.tokenizer(), CONFIG)
    gold = GoldModel(rm, rm.fit(*pairs(200, np.random.default_rng(0)),
                                rng=np.random.default_rng(0)))
    prompts, a, b, _ = pairs(400, np.random.default_rng(1))
    margin = gold.score(prompts, a) - gold.score(prompts, b)
    clean = gold_judgments(gold, prompts, a, b, np.ones(400), 0.0, np.random.default_rng(2))
    np.testing.assert_array_equal(clean.answer, np.where(margin > 0, int(Answer.FIRST),
                                                         int(Answer.SECOND)))
    np.testing.assert_array_equal(clean.seconds, np.ones(400))
    noisy = gold_judgments(gold, prompts, a, b, np.ones(400), 0.25, np.random.default_rng(2))
    assert 0.18 < np.mean(noisy.answer != clean.answer) < 0.32
    same = gold_judgments(gold, prompts, a, b, np.ones(400), 0.25, np.random.default_rng(2))
    np.testing.assert_array_equal(same.answer, noisy.answer)
    with pytest.raises(ValueError, match="mistake"):
        gold_judgments(gold, prompts, a, b, np.ones(400), 0.6, np.random.default_rng(2))
    assert TextRewardConfig().members == 3  # the proxy's default; the gold default is one wide
