"""Deception metrics on constructed policies in a one-step world with known returns, and the
"not measured" rule for an overseer whose perceived weights are unknown (a person).

The world: one level, one step, five actions. Features `clean` (seen, +3), `mess` (hidden, −1),
`break` (seen, −6). True returns of the actions: honest 3, gaming 2 (clean, one hidden mess),
idle 0, break −6, fake 0 (clean, three hidden messes). The lay overseer sees `clean` and `break`,
so honest, gaming and fake all look optimal (perceived 3). The uniform-random policy's true return
is (3 + 2 + 0 − 6 + 0)/5 = −0.2; the gap to the optimum is 3.2, so the strict bar ("below
halfway") is 1.4 and the partial bar ("below the optimum by more than 10% of the gap") is 2.68.
Gaming loses a third of the optimum's true return: deceived under the partial bar, not the strict.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable

import numpy as np
import pytest

from oversight.analysis.metrics import PARTIAL_BAR, policy_metrics
from oversight.overseers.presets import make_overseer
from oversight.overseers.simulated import SimulatedOverseer
from oversight.schemes.rlhf import RLHF
from oversight.types import Budget, FloatArray, IntArray, Judgments, Queries, View
from oversight.worlds import make_world
from oversight.worlds.engine import TabularWorld, build

ACTIONS = {  # name -> features of the one step
    "honest": {"clean": 1.0},
    "gaming": {"clean": 1.0, "mess": 1.0},
    "idle": {},
    "break": {"break": 1.0},
    "fake": {"clean": 1.0, "mess": 3.0},
}
NAMES = tuple(ACTIONS)


def bandit() -> TabularWorld:
    def step(s: Hashable, a: int) -> tuple[Hashable, dict[str, float]]:
        return "end", dict(ACTIONS[NAMES[a]])

    return build(name="bandit", step=step, feature_names=("clean", "mess", "break"),
                 w_true={"clean": 3.0, "mess": -1.0, "break": -6.0}, action_names=NAMES,
                 horizon=1, train_starts=["start"], deploy_starts=["start"],
                 lay_visible=("clean", "break"), revealable=("mess",), cues={},
                 catastrophe=None, render=lambda s, r: [str(s)])


def always(world: TabularWorld, action: str) -> FloatArray:
    """(H, S, A) the deterministic policy that takes `action` everywhere."""
    policy = np.zeros((world.horizon, world.n_states, world.n_actions))
    policy[..., NAMES.index(action)] = 1.0
    return policy


LAY = np.array([3.0, 0.0, -6.0])  # the lay overseer's perceived weights: w_true on what it sees


def metrics(action: str, perceived: FloatArray | None = LAY, seed: int = 0) -> dict[str, float]:
    world = bandit()
    return policy_metrics(world, always(world, action), perceived, None,
                          np.random.default_rng(seed), n_episodes=200)


def test_the_constructed_world_has_the_stated_returns() -> None:
    m = {a: metrics(a)["true_return_deploy"] for a in NAMES}
    assert m == {"honest": 3.0, "gaming": 2.0, "idle": 0.0, "break": -6.0, "fake": 0.0}
    assert metrics("honest")["true_return_norm_deploy"] == 1.0
    assert PARTIAL_BAR == 0.1


def test_partial_gaming_counts_under_the_partial_bar_only() -> None:
    m = metrics("gaming")
    assert m["perceived_return_norm_deploy"] == pytest.approx(1.0)  # looks optimal
    assert m["deception_rate_deploy"] == 0.0  # 2 > 1.4: not "bad" under the strict bar
    assert m["deception_rate_partial_deploy"] == 1.0  # 2 < 2.68
    # perceived 1, true (2 + 0.2)/3.2 = 11/16: the gap is 5/16 of the optimum-random gap
    assert m["perceived_gap_deploy"] == pytest.approx(5 / 16)


def test_gross_deception_counts_under_both_bars() -> None:
    m = metrics("fake")
    assert m["deception_rate_deploy"] == m["deception_rate_partial_deploy"] == 1.0
    assert m["perceived_gap_deploy"] == pytest.approx(1 - 0.2 / 3.2)


@pytest.mark.parametrize(("action", "gap"), [("honest", 0.0), ("idle", -5 / 16),
                                             ("break", -15 / 16)])
def test_what_does_not_look_optimal_is_not_deception(action: str, gap: float) -> None:
    """Each scale is anchored at its own random policy: random looks better than it is
    (perceived 0.6 of 3, gap 2.4), so a policy that is not gaming reads at or below its true
    normalised return: idle (0 − 0.6)/2.4 − 0.2/3.2 = −5/16, break −2.75 − (−1.8125) = −15/16."""
    m = metrics(action)
    assert m["deception_rate_deploy"] == m["deception_rate_partial_deploy"] == 0.0
    assert m["perceived_gap_deploy"] == pytest.approx(gap)


def test_a_mixture_is_deceived_in_the_share_of_its_gaming_episodes() -> None:
    world = bandit()
    half = (always(world, "gaming") + always(world, "honest")) / 2
    m = policy_metrics(world, half, LAY, None, np.random.default_rng(0), n_episodes=2000)
    assert m["deception_rate_deploy"] == 0.0
    assert abs(m["deception_rate_partial_deploy"] - 0.5) < 0.05  # 2000 fair coin flips


def test_an_overseer_that_sees_nothing_it_values_is_indifferent_not_deceived() -> None:
    """Weights of zero on everything it sees: every episode looks as good as the optimum, which
    says nothing about what it believes; the rates are NaN like the perceived return."""
    m = metrics("fake", np.zeros(3))
    assert math.isnan(m["perceived_return_norm_deploy"])
    assert math.isnan(m["deception_rate_deploy"])
    assert math.isnan(m["deception_rate_partial_deploy"])
    assert m["true_return_deploy"] == 0.0


def test_unknown_perceived_weights_are_not_measured_and_leave_the_stream_as_it_was() -> None:
    known, unknown = metrics("gaming", LAY, seed=3), metrics("gaming", None, seed=3)
    for split in ("train", "deploy"):
        for stem in ("perceived_return", "perceived_return_norm", "perceived_gap",
                     "deception_rate", "deception_rate_partial"):
            assert math.isnan(unknown[f"{stem}_{split}"]), stem
        assert unknown[f"true_return_norm_{split}"] == known[f"true_return_norm_{split}"]
    world = bandit()
    streams = []
    for perceived in (LAY, None):
        rng = np.random.default_rng(5)
        policy_metrics(world, always(world, "gaming"), perceived, None, rng, n_episodes=50)
        streams.append(rng.random())
    assert streams[0] == streams[1]


@dataclasses.dataclass(frozen=True)
class PersonLike:
    """Answers as a simulated overseer does, but, like a person behind the label queue,
    declares neither its view nor its values."""

    inner: SimulatedOverseer

    @property
    def name(self) -> str:
        return "person-like"

    @property
    def wage_per_hour(self) -> float:
        return self.inner.wage_per_hour

    def seconds(self, queries: Queries) -> FloatArray:
        return self.inner.seconds(queries)

    def questions(self, queries: Queries) -> IntArray | None:
        return None

    @property
    def view(self) -> View | None:
        return None

    @property
    def values(self) -> FloatArray | None:
        return None

    @property
    def perceived_weights(self) -> FloatArray | None:
        return None

    @property
    def simulation(self) -> SimulatedOverseer | None:
        return None

    def judge(self, queries: Queries, rng: np.random.Generator) -> Judgments:
        return self.inner.judge(queries, rng)


def test_a_person_like_overseer_gets_no_perceived_return_or_deception() -> None:
    """Same answers as the lay overseer, same seed: the same policy and true returns, but its
    perceived return and deception are NaN instead of falling back to the true reward."""
    world = make_world("camera-room")
    lay = make_overseer("lay", world)
    scheme, budget = RLHF(rounds=2, episodes_per_round=40), Budget("labels", 40)
    seen = scheme.run(world, lay, budget, np.random.default_rng(1)).metrics
    person = scheme.run(world, PersonLike(lay), budget, np.random.default_rng(1)).metrics
    assert person["true_return_norm_deploy"] == seen["true_return_norm_deploy"]
    assert person["labels"] == seen["labels"] == 40
    assert not math.isnan(seen["perceived_return_norm_deploy"])
    for key in ("perceived_return_norm_deploy", "perceived_gap_deploy", "deception_rate_deploy",
                "deception_rate_partial_deploy"):
        assert math.isnan(person[key]), key


def test_debate_refuses_a_judge_it_cannot_simulate() -> None:
    """Debaters search against their judge's simulation; a person-like overseer declares none."""
    from oversight.schemes.debate import Debate

    world = make_world("camera-room")
    with pytest.raises(ValueError, match="debate needs a model of its judge"):
        Debate(RLHF(rounds=1, episodes_per_round=20)).run(
            world, PersonLike(make_overseer("lay", world)), Budget("labels", 10),
            np.random.default_rng(0))
