"""Every kind through the one document: Method text from resolved settings, overseer costs from
the overseer's own seconds, a human's unmeasured numbers as dashes, deep RL and digits claims."""

from __future__ import annotations

import math

import numpy as np

from oversight.digits.experiment import Row
from oversight.overseers.presets import make_overseer
from oversight.report import report_kinds
from oversight.report.build import Tabular, build_document
from oversight.report.deep import Deep
from oversight.report.digits import digits_document
from oversight.report.kinds import assemble
from oversight.types import Queries, Segments
from oversight.worlds import make_world

from .helpers import ROWS, SPEC, rows, spec


def test_method_text_states_the_resolved_settings_and_where_arms_differ() -> None:
    doc = build_document(spec(), ROWS, {})
    method = " ".join(b for b in next(s for s in doc.sections if s.title == "Method").blocks
                      if isinstance(b, str))
    assert ("with 20% (camera-room/lay, lie-in-wait/oracle, lie-in-wait/oracle, seen) or 50% "
            "(camera-room/expert) uniform actions") in method
    assert "25% of the budget" in method and "ensemble of 3 members" in method
    assert "10 per query" in method and "(80 labels)" in method
    changed = spec(SPEC.replace('amount = 80 }\n', 'amount = 80 }\n'
                                'rlhf = { initial_fraction = 0.5, candidates_factor = 4 }\n', 1))
    text = " ".join(b for b in next(s for s in build_document(changed, ROWS, {}).sections
                                   if s.title == "Method").blocks if isinstance(b, str))
    assert "50% of the budget" in text and "4 per query" in text


def test_overseer_costs_come_from_the_overseers_own_seconds() -> None:
    doc = build_document(spec(), ROWS, {})
    table = next(t for t in doc.tables() if t.name == "overseers")
    assert table.header[3] == "values" and {r[3] for r in table.rows} == {"true reward"}
    world = make_world("camera-room")
    expert = make_overseer("expert", world)
    h, k = world.horizon, len(world.feature_names)
    seg = Segments(np.zeros(1, dtype=np.int64), np.zeros((1, h), dtype=np.int64),
                   np.zeros((1, h), dtype=np.int64), np.zeros((1, h, k)))
    seconds = float(expert.seconds(Queries.pairs(seg, seg))[0])
    row = next(r for r in table.rows if r[:2] == ("expert", "camera-room"))
    assert row[5] == f"{seconds:.0f}" and seconds > 0


def test_a_human_arms_unmeasured_numbers_are_dashes_with_a_note() -> None:
    s = spec('''
name = "people"
seeds = 2
[[arms]]
name = "camera-room/human"
question = "people"
world = "camera-room"
overseer = "human"
[[arms]]
name = "camera-room/oracle"
question = "people"
world = "camera-room"
overseer = "oracle"
''')
    unmeasured = ("perceived_return_norm_deploy", "deception_rate_deploy",
                  "deception_rate_partial_deploy", "perceived_gap_deploy")
    data = rows({"camera-room/human": {"true_return_norm_deploy": [0.5, 0.6]}
                 | {m: [math.nan] * 2 for m in unmeasured},
                 "camera-room/oracle": {"true_return_norm_deploy": [1.0, 1.0]}
                 | {m: [0.0] * 2 for m in unmeasured}})
    doc = build_document(s, data, {})
    table = next(t for t in doc.tables() if t.name == "results-people")
    human, oracle = table.rows
    columns = ("perceived", "deceived", "deceived >10%", "looks − is")
    at = [table.header.index(c) for c in columns]
    assert human[0] == "human" and [human[i] for i in at] == ["–"] * 4
    assert [oracle[i] for i in at] == ["0.00", "0%", "0%", "0.00"]
    assert "not measured" in table.note and "human" in table.note


def test_the_deep_kind_reports_returns_features_and_its_claim() -> None:
    s = spec('''
name = "hidden-cost-test"
seeds = 3
[[arms]]
name = "camera-room/lay-guess"
question = "hidden cost"
world = "camera-room"
overseer = "lay-guess"
[[arms]]
name = "camera-room/oracle"
question = "hidden cost"
world = "camera-room"
overseer = "oracle"
''')  # the deep kind reads metrics, whatever the world; a tabular world keeps this test light
    data = [{"key": f"{arm}-{seed}", "arm": arm, "seed": seed, "status": "done",
             "metrics": {"true_return": t, "perceived_return": t + 5, "mean_reward_dist": -3.0,
                         "mean_reward_ctrl": t + 3.0, "labels": 200.0,
                         "overseer_seconds": 720.0}}
            for arm, base in (("camera-room/lay-guess", -12.0), ("camera-room/oracle", -6.0))
            for seed, t in enumerate([base, base + 1, base - 1])]
    curves = {r["key"]: {"train_true_return": [(1000, -20.0), (2000, -10.0)]} for r in data}
    assert Deep().accepts(s, data) and not Deep().accepts(s, ROWS)
    assert next(k for k in report_kinds() if k.accepts(s, data)).name == "deep"
    assert next(k for k in report_kinds() if k.accepts(s, ROWS)).name == "tabular"
    doc = assemble(Deep().parts(s, data, curves))
    (claim,) = doc.claims
    assert (claim.better, claim.other, claim.verdict) == ("oracle", "lay-guess", "holds")
    assert claim.figure() == "+6.00 [6.00, 6.00]" and claim.figure() in doc.abstract
    table = next(t for t in doc.tables() if t.name == "results-hidden-cost")
    assert table.header[:5] == ("arm", "true return", "perceived", "reward_ctrl", "reward_dist")
    assert table.rows[1][0] == "oracle" and table.rows[1][1].startswith("−6.00 ± ")
    assert {f.name for f in doc.figures()} == {"returns", "learning"}
    assert any(t.name == "settings" for t in doc.tables())


def _row(condition: str, k: int, per_seed: tuple[float, ...], first: str = "") -> Row:
    m = float(np.mean(per_seed))
    return Row(condition, first, "standard", "accuracy", k, m, m - 0.01, m + 0.01, per_seed,
               "", "")


def test_the_digits_kind_claims_debate_against_the_judge_and_the_control() -> None:
    rows_ = [_row("judge alone", 4, (0.47, 0.48, 0.46)),
             _row("random second label", 4, (0.85, 0.86, 0.84)),
             _row("debate: greedy vs greedy", 4, (0.86, 0.88, 0.83), "honest"),
             _row("debate: minimax vs minimax", 4, (0.90, 0.91, 0.89), "honest")]
    doc = digits_document(rows_, seeds=3)
    alone, control = doc.claims
    assert alone.better == "debate: minimax vs minimax" and alone.other == "judge alone"
    assert alone.verdict == "holds" and alone.figure() == "+43 pp [43, 43]"
    assert control.other == "random second label" and control.figure() == "+5 pp [5, 5]"
    assert "k = 4 revealed pixels" in alone.world and alone.world in doc.abstract
    assert doc.tables()[0].name == "claims"
    assert Tabular().accepts(None, [])
