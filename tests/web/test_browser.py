"""The labelling page in headless Chromium: sign in with a token, see two animated segments,
answer three queries by keyboard, let one time out; the database holds exactly those four."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oversight.types import PairTexts
from oversight.web.db import connect
from oversight.web.queue import Settings
from oversight.web.server import create_app
from oversight.web.texts import swaps, unswap

from .helpers import CHROMIUM_ARGS, add, live_server, need_chromium, post, post_texts, text_pairs

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
    rows = db.execute("SELECT q.idx, l.side, l.view, l.leased, l.shown, l.answered, l.status,"
                      " l.answer, q.swapped FROM labels l JOIN queries q ON q.id = l.query"
                      " ORDER BY l.id").fetchall()
    db.close()
    assert [(r[0], r[1], r[2], r[6]) for r in rows] == [
        (0, "left", "lay", "answered"), (1, "right", "lay", "answered"),
        (2, "tie", "lay", "answered"), (3, "timeout", "lay", "answered")]
    assert [r[7] for r in rows] == [unswap(r[1], bool(r[8])) for r in rows]  # query's order
    for _, given, _, leased, shown, answered, *_ in rows:
        assert leased <= shown < answered
        if given == "timeout":
            assert answered - shown == pytest.approx(TIME_LIMIT)  # when the countdown ran out
        else:
            assert 0 < answered - shown < TIME_LIMIT


def test_the_episodes_pause_step_scrub_and_replay_like_a_clip(tmp_path: Path) -> None:
    chromium = need_chromium()
    playwright = pytest.importorskip("playwright.sync_api")
    post(tmp_path, "b", 1, Settings(), seed=3)
    token = add(tmp_path, "ann")
    errors: list[str] = []
    with live_server(create_app(tmp_path)) as url, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 760})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.fill("#token", token)
        page.press("#token", "Enter")
        page.wait_for_selector("#work:not([hidden])")
        page.wait_for_function("() => document.getElementById('scrub').max > 0")  # shown
        steps = int(page.get_attribute("#scrub", "max") or 0)
        assert steps > 3
        left = page.locator("#left-step")
        page.locator("#scrub").fill("3")  # scrubbing pauses at that step
        playwright.expect(left).to_have_text(f"step 3 of {steps}")
        playwright.expect(page.locator("#play")).to_have_text("play")
        page.click("#forward")
        page.click("#forward")
        playwright.expect(left).to_have_text(f"step 5 of {steps}")
        page.click("#back")
        playwright.expect(left).to_have_text(f"step 4 of {steps}")
        playwright.expect(page.locator("#right-step")).to_have_text(f"step 4 of {steps}")
        page.select_option("#speed", "4")
        page.click("#replay")  # from step 0, playing again
        playwright.expect(page.locator("#play")).to_have_text("pause")
        page.wait_for_function("() => !document.getElementById('left-step').textContent"
                               ".startsWith('step 0 ')", timeout=5000)
        page.click("#play")
        playwright.expect(page.locator("#play")).to_have_text("play")
        at = int((left.text_content() or "").split()[1])  # it stays there while paused
        page.click("#forward" if at < steps else "#back")
        playwright.expect(left).to_have_text(f"step {at + 1 if at < steps else at - 1} of "
                                             f"{steps}")
        page.keyboard.press("ArrowLeft")  # the answer keys still answer
        playwright.expect(page.locator("#progress")).to_contain_text("answered 1 ")
        browser.close()
    assert errors == []


def test_a_text_query_shows_the_prompt_and_two_answers_as_text(tmp_path: Path) -> None:
    """A lay labeller sees the lay prompt and both completions on the sides drawn for the
    query, as text (markup in a completion stays text), and answers by key."""
    chromium = need_chromium()
    playwright = pytest.importorskip("playwright.sync_api")
    made = text_pairs(2)[1]
    texts = PairTexts(made.prompts, made.lay_prompts,
                      ('<b id="x">bold?</b> "Hal has 2 dogs." So 2.', made.first[1]),
                      made.second)
    post_texts(tmp_path, "t", 2, Settings(), texts=texts)
    swapped = swaps("t", 2)
    token = add(tmp_path, "ann")
    errors: list[str] = []
    with live_server(create_app(tmp_path)) as url, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 640})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.fill("#token", token)
        page.press("#token", "Enter")
        page.wait_for_selector("#texts:not([hidden])")
        for i in range(2):
            left, right = ((texts.second[i], texts.first[i]) if swapped[i]
                           else (texts.first[i], texts.second[i]))
            playwright.expect(page.locator("#prompt")).to_have_text(texts.lay_prompts[i])
            playwright.expect(page.locator("#left-text")).to_have_text(left.strip())
            playwright.expect(page.locator("#right-text")).to_have_text(right.strip())
            assert page.locator("#frames").is_hidden()
            assert page.locator("#x").count() == 0  # the markup was shown, not parsed
            playwright.expect(page.locator("#question")).to_have_text("Which answer is better?")
            if i == 0 and SCREENSHOT:
                page.screenshot(path=SCREENSHOT.replace(".png", "-text.png"), full_page=True)
            page.keyboard.press("ArrowRight")
            playwright.expect(page.locator("#progress")).to_contain_text(f"answered {i + 1} ")
        browser.close()
    assert errors == []
    db = connect(tmp_path)
    rows = db.execute("SELECT l.side, l.answer FROM labels l ORDER BY l.id").fetchall()
    db.close()
    assert rows == [("right", "left" if s else "right") for s in swapped]
