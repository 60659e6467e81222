"""The report as a podcast episode: `report/podcast/` holds script.txt (always), and where
espeak-ng and ffmpeg (or sox) are installed, episode.mp3 (or .ogg), chapters.json and feed.xml.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from oversight.report.document import Document
from oversight.report.podcast import audio, feed
from oversight.report.podcast.script import script, text
from oversight.report.podcast.spoken import plain


@dataclass(frozen=True)
class Podcast:
    paths: dict[str, Path]
    note: str  # empty, or what to install for the audio


def write(doc: Document, folder: Path) -> Podcast:
    """Write folder/script.txt, and the episode with its feed where the programs exist."""
    folder.mkdir(parents=True, exist_ok=True)
    chapters = script(doc)
    words = text(chapters)
    paths = {"script": folder / "script.txt"}
    paths["script"].write_text(words, encoding="utf-8")
    try:
        episode = audio.narrate(chapters, folder)
    except RuntimeError as e:
        return Podcast(paths, f"{e}; the script is written ({paths['script']})")
    (folder / "chapters.json").write_text(feed.chapters_json(chapters, episode.starts))
    guid = hashlib.sha256(words.encode()).hexdigest()[:16]
    (folder / "feed.xml").write_text(feed.feed(doc.title, plain(doc.abstract), episode.path,
                                               episode.seconds, guid), encoding="utf-8")
    paths |= {"episode": episode.path, "feed": folder / "feed.xml",
              "chapters": folder / "chapters.json"}
    return Podcast(paths, "")
