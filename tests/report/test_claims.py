"""The claims' CI rule, and claims in the document: abstract, claims table, worlds named."""

from __future__ import annotations

import math
import re

import pytest

from oversight.analysis.stats import PairedDifference, paired_difference
from oversight.report.build import build_document
from oversight.report.claims import Claim, number, verdict

from .helpers import ROWS, rows, spec

D = PairedDifference


@pytest.mark.parametrize(("diff", "higher", "expected"), [
    (D(0.5, 0.1, 0.9, 5), True, "holds"),
    (D(0.5, 0.1, 0.9, 5), False, "does not hold"),
    (D(-0.5, -0.9, -0.1, 5), False, "holds"),
    (D(-0.5, -0.9, -0.1, 5), True, "does not hold"),
    (D(0.1, -0.2, 0.4, 5), True, "within noise"),
    (D(0.1, 0.0, 0.4, 5), True, "within noise"),  # touching zero is not excluding it
    (D(0.5, 0.5, 0.5, 1), True, "within noise"),  # one pair: no interval
    (D(math.nan, math.nan, math.nan, 0), True, "not measured"),
    (D(math.nan, math.nan, math.nan, 3), True, "not measured"),
])
def test_the_ci_rule(diff: PairedDifference, higher: bool, expected: str) -> None:
    assert verdict(diff, higher) == expected


def test_a_constant_difference_has_a_zero_width_interval_and_holds() -> None:
    d = paired_difference({0: 0.0, 1: 0.1, 2: 0.2}, {0: 0.5, 1: 0.6, 2: 0.7})
    assert (round(d.mean, 9), round(d.low, 9), round(d.high, 9), d.n) == (0.5, 0.5, 0.5, 3)
    c = Claim("q", "w", "b", "a", "m", True, d)
    assert c.verdict == "holds" and c.figure() == "+0.50 [0.50, 0.50]"
    assert Claim("q", "w", "b", "a", "m", False, d, percent=True).figure() == \
        "+50 pp [50, 50]"


def test_numbers_use_a_minus_sign_and_no_sign_on_zero() -> None:
    assert number(-0.384, sign=True) == "−0.38" and number(0.0, sign=True) == "0.00"
    assert number(-0.001, sign=True) == "0.00" and number(0.38, percent=True) == "38"


def test_the_abstract_states_each_questions_deciding_number() -> None:
    doc = build_document(spec(), ROWS, {})
    assert [c.verdict for c in doc.claims] == ["holds", "holds"]
    wrong, catastrophe = doc.claims
    assert (wrong.world, wrong.better, wrong.other) == ("camera-room", "expert", "lay")
    assert (catastrophe.better, catastrophe.other) == ("oracle, seen", "oracle")
    assert catastrophe.measure == "hazard rate in deployment"
    # expert − lay is 0.75 on every seed; seen − unseen hazard is −0.4 on every seed
    assert doc.findings == (
        "Overseer is wrong (camera-room): in camera-room, the expert arm has a higher normalised "
        "true return on deployment levels than the lay arm: the difference is +0.75 [0.75, 0.75] "
        "(95% interval over 4 paired seeds), beyond seed noise.",
        "Catastrophe in deployment (lie-in-wait): in lie-in-wait, the “oracle, seen” arm has a "
        "lower hazard rate in deployment than the oracle arm: the difference is −40 pp [−40, "
        "−40] (95% interval over 4 paired seeds), beyond seed noise.")
    first, second = doc.abstract_paragraphs  # findings first, then what was done
    assert first == " ".join(doc.findings) and second.startswith("We trained agents")
    assert "paired comparisons" not in doc.abstract  # the details are in the results
    results = next(s for s in doc.sections if s.title == "Results").blocks
    assert any(isinstance(b, str) and b.startswith("Of the 2 paired comparisons") for b in results)


def test_the_abstract_carries_a_computed_mean_and_an_interval_around_it() -> None:
    # expert − lay per seed: 0.2, 0.4, 0.6, 0.8 → mean 0.50; a bootstrap interval of the mean
    # lies within the per-seed range and brackets it
    data = rows({"camera-room/lay": {"true_return_norm_deploy": [0.1, 0.1, 0.1, 0.1]},
                 "camera-room/expert": {"true_return_norm_deploy": [0.3, 0.5, 0.7, 0.9]},
                 "lie-in-wait/oracle": {"catastrophe_rate_deploy": [0.4] * 4},
                 "lie-in-wait/oracle, seen": {"catastrophe_rate_deploy": [0.0] * 4}})
    doc = build_document(spec(), data, {})
    found = re.search(r"camera-room\): in camera-room, the expert arm has a higher normalised "
                      r"true return on deployment levels than the lay arm: the difference is "
                      r"\+0\.50 \[(\d\.\d\d), (\d\.\d\d)\] \(95% interval over 4 paired seeds\), "
                      r"beyond seed noise\.", doc.findings[0])
    assert found, doc.findings[0]
    low, high = map(float, found.groups())
    assert 0.2 <= low < 0.5 < high <= 0.8


def test_verdicts_other_than_holds_are_said_in_the_abstract() -> None:
    worse = rows({"camera-room/lay": {"true_return_norm_deploy": [0.9, 1.0, 0.8, 0.9]},
                  "camera-room/expert": {"true_return_norm_deploy": [0.1, 0.2, 0.0, 0.1]},
                  "lie-in-wait/oracle": {"catastrophe_rate_deploy": [0.4, 0.1, 0.5, 0.2]},
                  "lie-in-wait/oracle, seen": {"catastrophe_rate_deploy": [0.1, 0.4, 0.2, 0.5]}})
    doc = build_document(spec(), worse, {})
    assert [c.verdict for c in doc.claims] == ["does not hold", "within noise"]
    assert doc.findings[0] == (
        "Overseer is wrong (camera-room): the reverse of the claim; in camera-room, the expert "
        "arm has a lower normalised true return on deployment levels than the lay arm: the "
        "difference is −0.80 [−0.80, −0.80] (95% interval over 4 paired seeds), beyond seed noise.")
    assert doc.findings[1].startswith(
        "Catastrophe in deployment (lie-in-wait): undecided; in lie-in-wait, the “oracle, seen” "
        "and the oracle arms differ in hazard rate in deployment by ")
    assert doc.findings[1].endswith("within seed noise.")
    same = rows({"camera-room/lay": {"true_return_norm_deploy": [0.5] * 4},
                 "camera-room/expert": {"true_return_norm_deploy": [0.5] * 4},
                 "lie-in-wait/oracle": {"catastrophe_rate_deploy": [0.4] * 4},
                 "lie-in-wait/oracle, seen": {"catastrophe_rate_deploy": [0.0] * 4}})
    doc = build_document(spec(), same, {})
    assert doc.claims[0].verdict == "within noise"
    assert doc.findings[0] == (
        "Overseer is wrong (camera-room): no difference; in camera-room, the expert and the lay "
        "arms reach the same normalised true return on deployment levels on every seed "
        "(0.00 [0.00, 0.00], 95% interval over 4 paired seeds).")


SPECIFICATION = """
name = "gaming"
seeds = 3
[defaults]
budget = { kind = "labels", amount = 80 }
question = "specification: absent-supervisor"
world = "absent-supervisor"
[[arms]]
name = "absent-supervisor/reward"
overseer = "oracle"
overseer_values = "spec"
[[arms]]
name = "absent-supervisor/oracle"
overseer = "oracle"
[[arms]]
name = "absent-supervisor/lay"
overseer = "lay"
"""


def test_a_specification_question_compares_the_reward_arm_with_the_oracle() -> None:
    data = rows({"absent-supervisor/reward": {"true_return_norm_deploy": [0.1, 0.2, 0.3]},
                 "absent-supervisor/oracle": {"true_return_norm_deploy": [0.9, 1.0, 1.1]},
                 "absent-supervisor/lay": {"true_return_norm_deploy": [0.1, 0.2, 0.3]}})
    doc = build_document(spec(SPECIFICATION), data, {})
    (claim,) = doc.claims
    assert (claim.world, claim.better, claim.other) == ("absent-supervisor", "oracle", "reward")
    assert claim.verdict == "holds" and claim.figure() == "+0.80 [0.80, 0.80]"
    assert "the oracle arm has a higher normalised true return on deployment levels than the " \
        "reward arm: the difference is +0.80 [0.80, 0.80]" in doc.findings[0]


def test_the_claims_table_heads_the_results_and_follows_the_rule() -> None:
    doc = build_document(spec(), ROWS, {})
    results = next(s for s in doc.sections if s.title == "Results")
    table = next(b for b in results.blocks if not isinstance(b, str))
    assert table.name == "claims"  # type: ignore[union-attr]
    numbering = doc.numbering()
    for row, claim in zip(table.rows, doc.claims, strict=True):  # type: ignore[union-attr]
        assert row[1] == claim.statement and row[2] == verdict(claim.diff, claim.higher_is_better)
        assert row[3] == claim.figure() and row[4] == str(claim.diff.n)
        assert row[5] == numbering[claim.shown_in] and row[5].startswith("Table ")
    shown = {t.name for t in doc.tables()}
    assert all(c.shown_in in shown for c in doc.claims)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z0-9])", text) if s]


def test_no_comparison_sentence_lacks_its_world() -> None:
    doc = build_document(spec(), ROWS, {})
    worlds = ("camera-room", "lie-in-wait")
    results = next(s for s in doc.sections if s.title == "Results")
    prose = [doc.abstract, *(b for b in results.blocks if isinstance(b, str))]
    comparisons = [s for p in prose for s in _sentences(p)
                   if re.search(r"\bthan\b|\bvs\b|\bdiffer|\bcomparisons?\b", s)]
    assert len(comparisons) >= 3
    for s in comparisons:
        assert any(w in s for w in worlds), s
    for c in doc.claims:
        assert c.world in c.statement
    diffs = next(t for t in doc.tables() if t.name == "differences")
    assert diffs.header[:2] == ("world", "arms")
    assert [r[0] for r in diffs.rows] == ["camera-room", "lie-in-wait"]
    assert [r[1] for r in diffs.rows] == ["expert vs lay", "oracle, seen vs oracle"]
