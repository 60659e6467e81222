"""Text for the ear: numbers as people say them, symbols as words, marks resolved.

`speak(text)` turns a sentence of the report into what a narrator reads: "+0.54 [0.39, 0.69]"
becomes "plus zero point five four, from zero point three nine to zero point six nine",
"78% ± 6" becomes "seventy-eight percent, plus or minus six", "2017" in a citation "twenty
seventeen", "8 arms × 5 seeds" "eight arms by five seeds". Pure string work, no audio.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from oversight.report.document import pieces
from oversight.report.references import BIB

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def integer(n: int) -> str:
    """An integer in words: 38 → 'thirty-eight', 1200 → 'one thousand two hundred'."""
    if n < 0:
        return "minus " + integer(-n)
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + (f" and {integer(rest)}" if rest else "")
    for size, word in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            return (integer(n // size) + f" {word}"
                    + ("" if not rest else (" and " if rest < 100 else " ") + integer(rest)))
    raise AssertionError("unreachable")


def year(n: int) -> str:
    """2017 → 'twenty seventeen', 2005 → 'two thousand and five'."""
    if 2000 <= n < 2010:
        return integer(n)
    return f"{integer(n // 100)} {integer(n % 100) if n % 100 >= 10 else 'oh ' + integer(n % 100)}"


def decimal(text: str) -> str:
    """'0.54' → 'zero point five four'; '1.00' → 'one'; '12.5' → 'twelve point five'."""
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    said = integer(int(whole or "0"))
    return said + (" point " + " ".join(ONES[int(d)] for d in frac) if frac else "")


NUMBER = re.compile(r"(?<![\w.])([+\-−]?)(\d+(?:\.\d+)?)(\s*(?:%|pp\b))?")
SYMBOLS = {"×": " by ", "±": ", plus or minus ", "≥": " at least ", "≤": " at most ",
           "→": " to ", "≈": " about ", "√": "square root of ", "∞": "infinity", "β": "beta",
           "ε": "epsilon", "γ": "gamma", "α": "alpha", "π": "pi", "‖": " against ", "–": "-",
           "—": ", ", "½": " to the half", "²": " squared", "&": " and "}


def _number(m: re.Match[str]) -> str:
    sign, digits, unit = m.group(1), m.group(2), (m.group(3) or "").strip()
    n = digits if "." in digits else str(int(digits))
    said = decimal(n) if "." in digits else integer(int(n))
    prefix = {"+": "plus ", "-": "minus ", "−": "minus "}.get(sign, "")
    suffix = {"%": " percent", "pp": " percentage points"}.get(unit, "")
    return prefix + said + suffix


def cite(keys: str) -> str:
    names = [re.sub(r"\b(19|20)\d\d\b", lambda m: year(int(m.group(0))),
                    BIB[k][0].replace(" et al.", " and colleagues")) for k in keys.split(";")]
    return "(" + "; and ".join(names) + ")"


def _resolve(text: str, names: Callable[[str], str]) -> str:
    """Marks resolved: code as text, citations by `names`, references to tables and figures
    dropped ("see Table 3" means nothing to a listener, nor in a feed's description)."""
    out = []
    for kind, content in pieces(text):
        match kind:
            case "text" | "code":
                out.append(content)
            case "cite":
                out.append(names(content))
            case _:
                pass
    said = re.sub(r"[;,]\s*\)", ")", "".join(out))
    return re.sub(r"\s*\(\s*\)", "", said)


def plain(text: str) -> str:
    """A paragraph as plain text (citations as 'Christiano et al., 2017')."""
    return _resolve(text, lambda keys: "(" + "; ".join(BIB[k][0] for k in keys.split(";"))
                    + ")")


def speak(text: str) -> str:
    """One paragraph of the document, as a narrator says it."""
    said = _resolve(text, cite)
    said = re.sub(r"\[\s*([^\[\],]+),\s*([^\[\],]+)\]", r", from \1 to \2,", said)  # intervals
    for symbol, word in SYMBOLS.items():
        said = said.replace(symbol, word)
    said = NUMBER.sub(_number, said)
    said = re.sub(r"(\w)/(\w)", r"\1, \2", said)  # camera-room/lay
    said = re.sub(r"\bvs\b\.?", "versus", said)
    said = said.replace("_", " ")
    said = re.sub(r"\s+([,.;:])", r"\1", re.sub(r"\s{2,}", " ", said))
    return re.sub(r",([.;:,])", r"\1", said).strip()
