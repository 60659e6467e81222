"""The podcast: numbers spoken, every claim's verdict in the script, an episode as long as its
script (where espeak-ng is installed), a feed a podcast app can read."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from oversight.report import podcast
from oversight.report.build import build_document
from oversight.report.podcast import audio
from oversight.report.podcast.script import script, text
from oversight.report.podcast.spoken import decimal, integer, speak, year

from .helpers import ROWS, rows, spec


def test_numbers_are_spoken_as_people_say_them() -> None:
    assert integer(38) == "thirty-eight" and integer(100) == "one hundred"
    assert integer(1250) == "one thousand two hundred and fifty" and integer(0) == "zero"
    assert decimal("0.54") == "zero point five four" and decimal("1.00") == "one"
    assert year(2017) == "twenty seventeen" and year(2005) == "two thousand and five"
    said = speak("by +0.54 [0.39, 0.69] over 5 seeds; 78% ± 6; −38 pp; 8 arms × 5 seeds")
    assert said == ("by plus zero point five four, from zero point three nine to zero point "
                    "six nine, over five seeds; seventy-eight percent, plus or minus six; minus "
                    "thirty-eight percentage points; eight arms by five seeds")
    assert speak("as shown [@christiano2017] ([#claims]).") == \
        "as shown (Christiano and colleagues, twenty seventeen)."


def test_the_script_holds_every_claims_verdict() -> None:
    mixed = rows({"camera-room/lay": {"true_return_norm_deploy": [0.1, 0.2, 0.3, 0.4]},
                  "camera-room/expert": {"true_return_norm_deploy": [0.85, 0.95, 1.05, 1.15]},
                  "lie-in-wait/oracle": {"catastrophe_rate_deploy": [0.4, 0.1, 0.5, 0.2]},
                  "lie-in-wait/oracle, seen": {"catastrophe_rate_deploy": [0.1, 0.4, 0.2, 0.5]}})
    for data, verdicts in ((ROWS, ["holds", "holds"]), (mixed, ["holds", "within noise"])):
        doc = build_document(spec(), data, {})
        assert [c.verdict for c in doc.claims] == verdicts
        chapters = script(doc)
        words = text(chapters)
        assert [c.title for c in chapters] == ["Findings", "Introduction", "Method", "Results",
                                               "Limitations", "Close"]
        for i, claim in enumerate(doc.claims, 1):
            assert f"Claim {integer(i)}: {speak(claim.statement)}. Verdict: {claim.verdict}." \
                in words
        assert words.count("Verdict:") == len(doc.claims)  # the findings are said once
        assert words.index(speak(doc.setting)) < words.index("Claim one:")  # context first
        assert "|" not in words and "[" not in words and "±" not in words  # no table read out
        assert "A table, Worlds, has two rows: camera-room and lie-in-wait." in words
    # expert − lay is 0.75 on every seed: said as one number, not "from 0.75 to 0.75"
    assert ("The difference is plus zero point seven five on each of four paired seeds."
            in text(script(build_document(spec(), ROWS, {}))))


def test_without_espeak_the_script_is_written_and_the_note_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    written = podcast.write(build_document(spec(), ROWS, {}), tmp_path)
    assert (tmp_path / "script.txt").read_text().startswith("## Chapter 1: Findings")
    assert "apt-get install espeak-ng sox ffmpeg" in written.note
    assert set(written.paths) == {"script"} and not (tmp_path / "feed.xml").exists()


def _pcm(path: Path) -> tuple[np.ndarray, int]:
    rate = 16000
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(path), "-f", "s16le",
                          "-ac", "1", "-ar", str(rate), "-"], capture_output=True,
                         check=True).stdout
    return np.frombuffer(raw, dtype=np.int16), rate


def _longest_silence(samples: np.ndarray, rate: int, threshold: int = 200) -> float:
    """Seconds of the longest run of 10 ms windows whose peak is below `threshold`."""
    window = rate // 100
    peaks = np.abs(samples[: len(samples) // window * window].reshape(-1, window)).max(axis=1)
    longest = run = 0
    for quiet in peaks < threshold:
        run = run + 1 if quiet else 0
        longest = max(longest, run)
    return longest / 100


def test_the_episode_lasts_as_long_as_its_script_and_has_no_long_silence(tmp_path: Path) -> None:
    if audio.missing() or shutil.which("ffmpeg") is None:
        if os.environ.get("CI"):
            pytest.fail("espeak-ng and ffmpeg are not installed; .ci/run should install them")
        pytest.skip("espeak-ng or ffmpeg is not installed")
    doc = build_document(spec(), ROWS, {})
    written = podcast.write(doc, tmp_path)
    assert written.note == "" and written.paths["episode"].suffix == ".mp3"
    chapters = script(doc)
    words = sum(len(c.text.split()) for c in chapters)
    low, high = audio.expected_seconds(words, len(chapters))
    samples, rate = _pcm(written.paths["episode"])
    seconds = len(samples) / rate
    assert low <= seconds <= high, (words, seconds, low, high)
    assert _longest_silence(samples, rate) < 3.0
    rss = ET.parse(tmp_path / "feed.xml").getroot()
    item = rss.find("channel/item")
    assert item is not None and item.findtext("title") == doc.title
    description = item.findtext("description") or ""
    assert "(Christiano et al., 2017)" in description and "[#" not in description
    enclosure = item.find("enclosure")
    assert enclosure is not None and enclosure.get("url") == "episode.mp3"
    assert enclosure.get("length") == str(written.paths["episode"].stat().st_size)
    assert enclosure.get("type") == "audio/mpeg"
    import json
    marks = json.loads((tmp_path / "chapters.json").read_text())["chapters"]
    assert [m["title"] for m in marks] == [c.title for c in chapters]
    starts = [m["startTime"] for m in marks]
    assert starts[0] == 0 and starts == sorted(starts) and starts[-1] < seconds
