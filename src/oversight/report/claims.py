"""Claims: each question's answer, decided by one paired difference and its 95% interval.

A claim says that one arm does better than another on one measure in one world ("in camera-room
the oracle arm reaches a higher normalised true return than the lay arm"). The deciding figure is
the mean over seeds of (claimed-better arm − other arm), paired by seed, with its 95% percentile
bootstrap interval (`analysis.stats.paired_difference`). The rule, in one place:

- **not measured**: no paired value (no finished pair of runs, or the measure is NaN, as a human
  overseer's perceived return is unless estimated);
- **within noise**: fewer than two pairs, or the interval contains zero;
- **holds**: the interval lies wholly on the claimed side of zero (above it when higher is
  better, below it when lower is better);
- **does not hold**: the interval lies wholly on the other side.

Pure: no files, no figures; every writer (HTML, Markdown, LaTeX, the podcast) reads the same
claims from the document.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from oversight.analysis.stats import PairedDifference

Verdict = Literal["holds", "does not hold", "within noise", "not measured"]
VERDICTS: tuple[Verdict, ...] = ("holds", "does not hold", "within noise", "not measured")


def verdict(diff: PairedDifference, higher_is_better: bool) -> Verdict:
    """The CI rule above, for `diff` = claimed-better arm minus the other arm."""
    if diff.n == 0 or math.isnan(diff.mean):
        return "not measured"
    if diff.n < 2 or not (diff.low > 0 or diff.high < 0):
        return "within noise"
    above = diff.low > 0
    return "holds" if above == higher_is_better else "does not hold"


@dataclass(frozen=True)
class Claim:
    """One question's claim and its deciding figure.

    world: where it was measured; better / other: the two arms (short names, as the tables show
    them); measure: what was compared, in words ("normalised true return on deployment levels");
    diff: better − other over paired seeds; shown_in: the name of the table or figure that shows
    it (rendered as "Table 3" or "Figure 1" by each writer); percent: the measure is a rate."""

    question: str
    world: str
    better: str
    other: str
    measure: str
    higher_is_better: bool
    diff: PairedDifference
    shown_in: str = ""
    percent: bool = False
    unit: str = "arm"  # what `better` and `other` are: arms, conditions, ...

    @property
    def names(self) -> tuple[str, str]:
        """The two arms as a sentence names them: quoted when a name has spaces or commas."""
        return quoted(self.better), quoted(self.other)

    @property
    def verdict(self) -> Verdict:
        return verdict(self.diff, self.higher_is_better)

    @property
    def statement(self) -> str:
        """'in camera-room, oracle reaches a higher normalised true return than lay'."""
        comparative = "higher" if self.higher_is_better else "lower"
        better, other = self.names
        return (f"in {self.world}, the {better} {self.unit} has a {comparative} "
                f"{self.measure} than the {other} {self.unit}")

    def figure(self) -> str:
        """The deciding figure as written: '+0.54 [0.39, 0.69]', '−38 pp [−45, −31]' (a
        difference of rates, in percentage points) or '–'."""
        d = self.diff
        if d.n == 0 or math.isnan(d.mean):
            return "–"
        unit = " pp" if self.percent else ""
        return (f"{number(d.mean, self.percent, sign=True)}{unit} "
                f"[{number(d.low, self.percent)}, {number(d.high, self.percent)}]")


def title_of(question: str) -> str:
    """'1. overseer is wrong (camera-room)' → 'Overseer is wrong (camera-room)'."""
    text = re.sub(r"^\d+\.\s*", "", question) or "results"
    return text[0].upper() + text[1:]


def quoted(name: str) -> str:
    return f"“{name}”" if re.search(r"[\s,]", name) else name


def number(x: float, percent: bool = False, sign: bool = False) -> str:
    """0.54 → '0.54' ('+0.54' with sign); a rate difference 0.38 → '38' (percentage points);
    a minus sign, never a hyphen; no sign on zero."""
    if math.isnan(x):
        return "–"
    text = f"{100 * x:.0f}" if percent else f"{x:.2f}"
    if text.lstrip("-") in ("0", "0.00"):
        text = text.lstrip("-")
    elif sign and not text.startswith("-"):
        text = "+" + text
    return text.replace("-", "−")


NOISE_WORDS: dict[Verdict, str] = {
    "holds": "beyond seed noise",
    "does not hold": "beyond seed noise, the other way",
    "within noise": "within seed noise",
    "not measured": "not measured",
}


def sentence(claim: Claim, title: str) -> str:
    """The abstract's sentence for one question: its answer, the deciding number with its
    interval, and whether that is beyond seed noise; it names the world and both arms, so it
    reads alone ("Overseer is wrong (camera-room): in camera-room, the oracle arm has a higher
    normalised true return … than the lay arm: the difference is +0.54 [0.39, 0.69] (95%
    interval over 5 paired seeds), beyond seed noise."); the difference keeps its sign, so a
    "lower" claim reads "−38 pp", never "lower by −38"."""
    head = f"{title[0].upper()}{title[1:]}" if title else "Result"
    (b, o), w, m, u = claim.names, claim.world, claim.measure, claim.unit
    d = claim.diff
    over = f"95% interval over {d.n} paired seed{'s' if d.n != 1 else ''}"
    comparative, opposite = ("higher", "lower") if claim.higher_is_better else ("lower", "higher")
    match claim.verdict:
        case "holds":
            return (f"{head}: in {w}, the {b} {u} has a {comparative} {m} than the {o} {u}: "
                    f"the difference is {claim.figure()} ({over}), beyond seed noise.")
        case "does not hold":
            return (f"{head}: the reverse of the claim; in {w}, the {b} {u} has a {opposite} "
                    f"{m} than the {o} {u}: the difference is {claim.figure()} ({over}), "
                    "beyond seed noise.")
        case "within noise" if d.low == d.high == 0:
            return (f"{head}: no difference; in {w}, the {b} and the {o} {u}s reach the same "
                    f"{m} on every seed ({claim.figure()}, {over}).")
        case "within noise":
            return (f"{head}: undecided; in {w}, the {b} and the {o} {u}s differ in {m} by "
                    f"{claim.figure()} ({over}), within seed noise.")
        case _:
            return (f"{head}: not measured; no paired seeds of the {b} and the {o} {u}s in {w} "
                    f"have a {m}.")
