"""Golden values: a small experiment's stored metrics and curves, taken before the tabular
speed-up (issue 20) from the unchanged code, must come out the same after it.

The arms cover every path the speed-up touches: exact planning at temperature 0 and above,
member exploration, cropped segments, the linear and the MLP reward model, every selector, a
scheme built on the loop (debate, with its own searches) and the overoptimisation and failure
analyses. Floats must agree to 1e-9 relative (NaN equal to NaN): the speed-up keeps every
floating-point operation, so any real change of behaviour moves a metric by far more, while
OpenBLAS picks its summation kernels by CPU (an AMD EPYC and the CI machine differ in the last
bit: 2.4400000000000004 against 2.44). Regenerate only for a change that is meant to change
numbers: `python tests/e2e/test_golden.py --write` (and say why in the commit).

Within one environment the numbers are exact; numpy's kernels also change between releases (and
an exact tie between two perceived returns can then become a strict preference), so after an
upgrade of numpy, regenerate from the unchanged code.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from oversight.experiments.executors import execute
from oversight.experiments.runner import expand
from oversight.experiments.spec import parse

GOLDEN = Path(__file__).with_name("golden.json")

SPEC = """
name = "golden"
seeds = 1

[defaults]
budget = { kind = "labels", amount = 40 }
rlhf = { rounds = 3, episodes_per_round = 40, reward_model = { steps = 30 } }

[[arms]]
name = "camera-room/lay"
world = "camera-room"
overseer = "lay"
analyses = ["failures"]

[[arms]]
name = "hidden-hazard/lay-guess, mlp, entropy, soft, segments"
world = "hidden-hazard"
overseer = "lay-guess"
analyses = ["overoptimization"]
[arms.rlhf]
rounds = 3
episodes_per_round = 40
selector = "entropy"
temperature = 0.3
segment_length = 5
reward_model = { steps = 30, hidden = 8, members = 2 }

[[arms]]
name = "lie-in-wait/oracle, uniform"
world = "lie-in-wait"
overseer = "oracle"
[arms.rlhf]
rounds = 2
episodes_per_round = 40
selector = "uniform"
reward_model = { steps = 30 }

[[arms]]
name = "camera-room/lay, debate"
world = "camera-room"
overseer = "lay"
scheme = "debate"
debate = { debaters = "greedy", rounds = 2 }
"""


def measured() -> list[dict[str, Any]]:
    """(arm, seed, metrics, curves) of every run, in the experiment's order."""
    out = []
    for run in expand(parse(SPEC, "golden.toml")):
        record = execute(run)
        assert record["status"] == "done", record.get("traceback")
        out.append({"arm": run.arm.name, "seed": run.seed, "metrics": record["metrics"],
                    "curves": {k: [list(p) for p in v] for k, v in record["curves"].items()}})
    return out


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9,
                                                                   abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_metrics_and_curves_equal_the_golden_values() -> None:
    golden = json.loads(GOLDEN.read_text())
    got = json.loads(json.dumps(measured()))  # the same float round trip as the golden file
    assert [(g["arm"], g["seed"]) for g in got] == [(g["arm"], g["seed"]) for g in golden]
    for g, want in zip(got, golden, strict=True):
        for part in ("metrics", "curves"):
            diff = sorted(k for k in want[part] | g[part]
                          if not same(want[part].get(k), g[part].get(k)))
            assert not diff, (g["arm"], g["seed"], part,
                              {k: (want[part].get(k), g[part].get(k)) for k in diff})


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    GOLDEN.write_text(json.dumps(measured(), indent=1) + "\n")
