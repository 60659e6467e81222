"""The RLHF loop: learns from the oracle, degrades with noise, spends its budget honestly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from oversight.overseers.presets import make_overseer
from oversight.schemes.rlhf import RLHF
from oversight.types import Answer, Budget
from oversight.worlds import make_world


def run(world: str, overseer: str, budget: Budget, seed: int, scheme: RLHF | None = None,
        world_params: dict[str, float] | None = None,
        **overrides: float) -> dict[str, float]:
    w = make_world(world, **(world_params or {}))
    return (scheme or RLHF()).run(w, make_overseer(overseer, w, **overrides), budget,
                                  np.random.default_rng(seed)).metrics


@pytest.mark.parametrize("world", ["camera-room", "hidden-hazard", "lie-in-wait"])
def test_oracle_feedback_reaches_the_optimum_on_training_levels(world: str) -> None:
    """At the default experiment's budget (400 labels, 8 rounds), mean over four seeds."""
    scores = [run(world, "oracle", Budget("labels", 400), s, RLHF(rounds=8))
              ["true_return_norm_train"] for s in range(4)]
    assert np.mean(scores) >= 0.95, scores


def test_results_degrade_monotonically_with_the_mistake_rate() -> None:
    """Mean over six seeds. (Below ε ≈ 0.15 the differences are within seed noise: a few
    random flips even help a little, as they make the deterministic labels less separable.)"""
    means = [
        np.mean([run("hidden-hazard", "oracle", Budget("labels", 300), s, RLHF(rounds=6),
                     mistake=eps)["true_return_norm_train"] for s in range(6)])
        for eps in (0.0, 0.3, 0.45)
    ]
    assert all(a >= b for a, b in itertools.pairwise(means)), means
    assert means[0] - means[-1] > 0.3, means


def test_same_seed_same_numbers() -> None:
    a = run("hidden-hazard", "crowd", Budget("labels", 80), 3, RLHF(rounds=3))
    b = run("hidden-hazard", "crowd", Budget("labels", 80), 3, RLHF(rounds=3))
    assert a == b
    c = run("hidden-hazard", "crowd", Budget("labels", 80), 4, RLHF(rounds=3))
    assert a != c


def test_every_judgment_is_charged_abstentions_included() -> None:
    w = make_world("hidden-hazard")
    result = RLHF(rounds=4).run(w, make_overseer("lay", w), Budget("labels", 200),
                                np.random.default_rng(0))
    answers = np.array(result.judgments["answer"])
    assert result.metrics["labels"] == 200 == len(answers)  # every judgment asked is logged
    abstained = int((answers == Answer.ABSTAIN).sum())
    assert abstained > 0 and result.metrics["answered"] == 200 - abstained
    assert result.metrics["abstain_rate"] == pytest.approx(abstained / 200)


@pytest.mark.parametrize("kind, amount", [("seconds", 1800.0), ("money", 20.0)])
def test_time_and_money_budgets_are_never_exceeded(kind: str, amount: float) -> None:
    m = run("camera-room", "expert", Budget(kind, amount), 0, RLHF(rounds=3))  # type: ignore[arg-type]
    spent = m["overseer_seconds"] if kind == "seconds" else m["money"]
    assert 0 < spent <= amount
    # the expert's judgment costs 20 s + 0.5 s x 60 steps + 10 s x 2 revealed features = 70 s
    assert m["overseer_seconds"] == pytest.approx(70.0 * m["labels"])


def test_unseen_opportunity_gets_no_weight_so_the_policy_seizes_it() -> None:
    """Never seen in training, power_seized gets exactly zero learned weight: the policy then
    behaves exactly like the optimal policy that ignores the catastrophe."""
    m = run("lie-in-wait", "oracle", Budget("labels", 300), 0)
    assert m["catastrophe_rate_train"] == 0.0
    assert m["catastrophe_rate_deploy"] > 0.2
    assert m["catastrophe_rate_deploy"] == pytest.approx(m["catastrophe_rate_indifferent_deploy"])
    seen = run("lie-in-wait", "oracle", Budget("labels", 300), 0,
               world_params={"train_opportunity_rate": 0.25})
    assert seen["catastrophe_rate_deploy"] < 0.05


def test_a_camera_overseer_is_deceived_and_an_expert_is_not() -> None:
    lay = run("camera-room", "lay", Budget("labels", 300), 0)
    expert = run("camera-room", "expert", Budget("labels", 300), 0)
    assert lay["deception_rate_deploy"] > 0.3
    assert lay["perceived_return_norm_deploy"] > 1.0 > lay["true_return_norm_deploy"]
    assert expert["deception_rate_deploy"] == 0.0
    assert expert["true_return_norm_deploy"] > lay["true_return_norm_deploy"] + 0.3
