"""The labelling page in headless Chromium: sign in with a token, see two animated segments,
answer three queries by keyboard, let one time out; the database holds exactly those four."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oversight.web.db import connect
from oversight.web.queue import Settings
from oversight.web.server import create_app

from .helpers import CHROMIUM_ARGS, add, live_server, need_chromium, post

TIME_LIMIT = 3.0
SCREENSHOT = os.environ.get("OVERSIGHT_SCREENSHOT")  # set to a path to keep a screenshot


def test_a_labeller_answers_by_keyboard_and_lets_one_time_out(tmp_path: Path) -> None:
    chromium = need_chromium()
    playwright = pytest.importorskip("playwright.sync_api")
    post(tmp_path, "b", 4, Settings(time_limit=TIME_LIMIT), seed=3)
    token = add(tmp_path, "ann")
    errors: list[str] = []
    with live_server(create_app(tmp_path)) as url, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 760})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.fill("#token", token)
        page.press("#token", "Enter")
        page.wait_for_selector("#work:not([hidden])")
        progress = page.locator("#progress")
        playwright.expect(progress).to_have_text("answered 0 · remaining 3")
        playwright.expect(page.locator("#countdown")).to_be_visible()
        for side in ("left", "right"):  # both canvases animate
            first = page.eval_on_selector(f"#{side}", "c => c.toDataURL()")
            page.wait_for_function(f"d => document.getElementById('{side}').toDataURL() !== d",
                                   arg=first, timeout=5000)
        if SCREENSHOT:
            page.screenshot(path=SCREENSHOT, full_page=True)
        for i, key in enumerate(("ArrowLeft", "ArrowRight", "ArrowUp")):
            page.keyboard.press(key)
            playwright.expect(progress).to_contain_text(f"answered {i + 1} ")
        # the fourth query: no key pressed; the countdown runs out
        playwright.expect(progress).to_contain_text("answered 4 ",
                                                    timeout=int(TIME_LIMIT * 1000) + 10_000)
        playwright.expect(page.locator("#message")).to_contain_text("Nothing to label")
        browser.close()
    assert errors == []
    db = connect(tmp_path)
    rows = db.execute("SELECT q.idx, l.answer, l.view, l.leased, l.shown, l.answered, l.status"
                      " FROM labels l JOIN queries q ON q.id = l.query ORDER BY l.id").fetchall()
    db.close()
    assert [(r[0], r[1], r[2], r[6]) for r in rows] == [
        (0, "left", "lay", "answered"), (1, "right", "lay", "answered"),
        (2, "tie", "lay", "answered"), (3, "timeout", "lay", "answered")]
    for _, given, _, leased, shown, answered, _ in rows:
        assert leased <= shown < answered
        if given == "timeout":
            assert answered - shown == pytest.approx(TIME_LIMIT)  # when the countdown ran out
        else:
            assert 0 < answered - shown < TIME_LIMIT
