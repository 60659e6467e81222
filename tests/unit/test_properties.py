"""Properties that hold for any pair: asking the other way round mirrors the answer."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from oversight.overseers.presets import make_overseer
from oversight.types import Answer, Queries, Segments
from oversight.worlds import make_world

MIRROR = np.array([Answer.SECOND, Answer.FIRST, Answer.TIE, Answer.ABSTAIN, Answer.SKIP])


def segments(features: np.ndarray) -> Segments:
    n, length, _ = features.shape
    zeros = np.zeros((n, length), dtype=np.int64)
    return Segments(np.zeros(n, dtype=np.int64), zeros, zeros, features)


feature_batches = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5),
                                               st.just(3)),
                         elements=st.sampled_from([0.0, 1.0, 2.0]))


@settings(max_examples=60, deadline=None)
@given(first=feature_batches, data=st.data(),
       overseer=st.sampled_from(["oracle", "lay", "lay-guess", "expert", "equal", "myopic"]),
       world=st.sampled_from(["camera-room", "hidden-hazard"]))
def test_swapping_the_pair_mirrors_a_deterministic_answer(
    first: np.ndarray, data: st.DataObject, overseer: str, world: str
) -> None:
    second = data.draw(arrays(np.float64, first.shape, elements=st.sampled_from([0.0, 1.0, 2.0])))
    o = make_overseer(overseer, make_world(world))
    forward = o.judge(Queries.pairs(segments(first), segments(second)), np.random.default_rng(0))
    backward = o.judge(Queries.pairs(segments(second), segments(first)), np.random.default_rng(0))
    np.testing.assert_array_equal(MIRROR[forward.answer], backward.answer)
    np.testing.assert_array_equal(forward.seconds, backward.seconds)
