"""Narration: each chapter spoken by espeak-ng, joined with short pauses, encoded by ffmpeg
(MP3) or sox (Ogg Vorbis).

`narrate` writes one WAV per chapter with `espeak-ng -w`, joins them with `wave` (a pause of
`PAUSE_S` seconds between chapters, so no gap is longer than that plus espeak's own sentence
pauses), and encodes the result. It returns the chapter start times, for the feed's chapters.
Without the programs it says what to install instead of failing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from oversight.report.podcast.script import Chapter

INSTALL = "apt-get install espeak-ng sox ffmpeg"
PAUSE_S = 1.2
WORDS_PER_MINUTE = 165  # espeak-ng -s: a calm reading speed


@dataclass(frozen=True)
class Episode:
    path: Path
    seconds: float
    starts: tuple[float, ...]  # each chapter's start, in seconds


def missing() -> list[str]:
    """The programs narration needs that are not installed (espeak-ng, and ffmpeg or sox)."""
    out = [] if shutil.which("espeak-ng") else ["espeak-ng"]
    if not (shutil.which("ffmpeg") or shutil.which("sox")):
        out.append("ffmpeg (or sox)")
    return out


def _speak(text: str, target: Path, voice: str) -> None:
    source = target.with_suffix(".txt")
    source.write_text(text, encoding="utf-8")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(target),
                    "-f", str(source)], check=True, capture_output=True, timeout=600)


def _join(parts: list[Path], target: Path) -> list[float]:
    """Concatenate WAVs of one format with PAUSE_S of silence between them; start times."""
    starts: list[float] = []
    with wave.open(str(parts[0])) as first:
        params = first.getparams()
    with wave.open(str(target), "wb") as out:
        out.setparams(params)
        pause = b"\x00" * int(PAUSE_S * params.framerate) * params.sampwidth * params.nchannels
        elapsed = 0.0
        for i, part in enumerate(parts):
            if i:
                out.writeframes(pause)
                elapsed += PAUSE_S
            starts.append(elapsed)
            with wave.open(str(part)) as w:
                frames = w.readframes(w.getnframes())
                elapsed += w.getnframes() / w.getframerate()
            out.writeframes(frames)
    return starts


def _encode(wav: Path, folder: Path) -> Path:
    if shutil.which("ffmpeg"):
        target = folder / "episode.mp3"
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(wav), "-codec:a",
                        "libmp3lame", "-q:a", "5", str(target)], check=True,
                       capture_output=True, timeout=600)
    else:
        target = folder / "episode.ogg"
        subprocess.run(["sox", str(wav), str(target)], check=True, capture_output=True,
                       timeout=600)
    return target


def narrate(chapters: list[Chapter], folder: Path, voice: str = "en-us") -> Episode:
    """Speak every chapter into folder/episode.mp3 (or .ogg). Raises RuntimeError naming what
    to install when espeak-ng or an encoder is missing."""
    absent = missing()
    if absent:
        raise RuntimeError(f"the podcast audio needs {', '.join(absent)}: {INSTALL}")
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for i, chapter in enumerate(chapters):
            part = Path(tmp) / f"chapter-{i:02d}.wav"
            _speak(chapter.text, part, voice)
            parts.append(part)
        joined = Path(tmp) / "episode.wav"
        starts = _join(parts, joined)
        with wave.open(str(joined)) as w:
            seconds = w.getnframes() / w.getframerate()
        path = _encode(joined, folder)
    return Episode(path, seconds, tuple(starts))


def expected_seconds(words: int, chapters: int) -> tuple[float, float]:
    """The range a narration of `words` words in `chapters` chapters should last: the reading
    speed within a factor of 1.6 either way (espeak's pauses at punctuation, long number words),
    plus the pauses between chapters."""
    pauses = PAUSE_S * max(0, chapters - 1)
    minutes = words / WORDS_PER_MINUTE
    return 60 * minutes / 1.6 + pauses, 60 * minutes * 1.6 + pauses
