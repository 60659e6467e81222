"""The podcast feed: an RSS 2.0 channel with one item whose enclosure is the episode, and its
chapters as a Podcasting 2.0 `chapters.json`, so a podcast app subscribed to the folder's
address (wherever it is served) finds the episode and can jump between sections."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from oversight.report.podcast.script import Chapter

TYPES = {".mp3": "audio/mpeg", ".ogg": "audio/ogg"}


def duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def chapters_json(chapters: list[Chapter], starts: tuple[float, ...]) -> str:
    return json.dumps({"version": "1.2.0", "chapters": [
        {"startTime": round(t, 2), "title": c.title} for c, t in zip(chapters, starts,
                                                                     strict=True)]}, indent=2)


def feed(title: str, summary: str, episode: Path, seconds: float, guid: str,
         when: datetime | None = None) -> str:
    """The feed's XML; enclosure and chapters are relative to the feed (served together)."""
    when = when or datetime.now(UTC)
    kind = TYPES[episode.suffix]
    size = episode.stat().st_size
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel>
<title>oversight-lab reports</title>
<link>./</link>
<description>Experiments on RLHF and scalable oversight, read aloud.</description>
<language>en</language>
<itunes:explicit>false</itunes:explicit>
<item>
<title>{escape(title)}</title>
<description>{escape(summary)}</description>
<guid isPermaLink="false">{escape(guid)}</guid>
<pubDate>{format_datetime(when)}</pubDate>
<enclosure url="{episode.name}" length="{size}" type="{kind}"/>
<itunes:duration>{duration(seconds)}</itunes:duration>
<podcast:chapters url="chapters.json" type="application/json+chapters"/>
</item>
</channel>
</rss>
"""
