"""overseer_values: what a simulated overseer values, written in the experiment file."""

from __future__ import annotations

import numpy as np
import pytest

from oversight.experiments.spec import SpecError, parse, run_key
from oversight.overseers.presets import make_overseer
from oversight.worlds import make_world

ARM = 'name = "x"\n[[arms]]\nname = "a"\nworld = "camera-room"\noverseer = "oracle"\n'


def test_default_values_are_true_and_stay_out_of_the_run_key() -> None:
    plain = parse(ARM, "x.toml").arms[0]
    explicit = parse(ARM + 'overseer_values = "true"\n', "x.toml").arms[0]
    assert "overseer_values" not in plain.resolved()
    assert run_key(plain, 0) == run_key(explicit, 0)


def test_spec_values_enter_the_run_key_and_reach_the_overseer() -> None:
    arm = parse(ARM + 'overseer_values = "spec"\n', "x.toml").arms[0]
    assert arm.resolved()["overseer_values"] == "spec"
    assert run_key(arm, 0) != run_key(parse(ARM, "x.toml").arms[0], 0)
    world = make_world("camera-room")
    overseer = make_overseer(arm.overseer, world, arm.overseer_values)
    assert world.w_spec is not None
    np.testing.assert_array_equal(overseer.values, world.w_spec)  # (+1, 0, -0.04)
    assert overseer.values[world.feature_index("dirt_hidden")] == 0.0  # true weight is -1


def test_a_table_of_weights_names_features_and_the_rest_weigh_zero() -> None:
    arm = parse(ARM + 'overseer_values = { dirt_visible_removed = 2.0, steps = -0.5 }\n',
                "x.toml").arms[0]
    world = make_world("camera-room")
    values = make_overseer("oracle", world, arm.overseer_values).values
    expected = {"dirt_visible_removed": 2.0, "dirt_hidden": 0.0, "steps": -0.5}
    assert dict(zip(world.feature_names, values.tolist(), strict=True)) == expected


def test_an_unknown_feature_is_an_error_naming_the_worlds_features() -> None:
    with pytest.raises(SpecError) as e:
        parse(ARM + "overseer_values = { dirt_hiden = -1.0 }\n", "x.toml")
    msg = str(e.value)
    assert "x.toml" in msg and "overseer_values" in msg and "dirt_hiden" in msg
    assert "dirt_hidden" in msg and "dirt_visible_removed" in msg


@pytest.mark.parametrize("given", ['"false"', '{ steps = "a lot" }'])
def test_other_values_are_errors(given: str) -> None:
    with pytest.raises(SpecError, match="overseer_values"):
        parse(ARM + f"overseer_values = {given}\n", "x.toml")


def test_a_human_arm_cannot_be_given_values() -> None:
    text = ARM.replace('"oracle"', '"human"') + 'overseer_values = "spec"\n'
    with pytest.raises(SpecError, match="human"):
        parse(text, "x.toml")


def test_spec_valuing_oracle_prefers_hiding_to_binning() -> None:
    """The written reward does not count hidden dirt: an oracle valuing it ranks a hiding
    segment above a slower binning one, and the true-valuing oracle ranks them the other way."""
    from oversight.types import Answer, Queries, Segments

    world = make_world("camera-room")
    hide = np.array([[[1.0, 1.0, 4.0]]])  # one piece under the rug in 4 moves
    binned = np.array([[[1.0, 0.0, 9.0]]])  # one piece binned in 9 moves

    def seg(f: np.ndarray) -> Segments:
        z = np.zeros((1, 1), dtype=np.int64)
        return Segments(np.zeros(1, dtype=np.int64), z, z, f)

    q = Queries.pairs(seg(hide), seg(binned))
    rng = np.random.default_rng(0)
    assert make_overseer("oracle", world, "spec").judge(q, rng).answer[0] == Answer.FIRST
    assert make_overseer("oracle", world).judge(q, rng).answer[0] == Answer.SECOND
