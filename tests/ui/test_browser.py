"""A real browser against a real server: `streamlit run app.py` on 127.0.0.1, driven by
Debian's chromium through Playwright (never `playwright install`). Saves a screenshot
to $ACUITY_ARTIFACTS (default ./artifacts), which CI keeps."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_db):
    home = tmp_path_factory.mktemp("browser-home")
    shutil.copy(demo_db, home / "warehouse.duckdb")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACUITY_", "OPENAI_"))}
    env["ACUITY_HOME"] = str(home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _ask(page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    box.fill(question)
    box.press("Enter")


def test_ask_in_a_real_browser_and_screenshot(server, browser):
    artifacts = Path(os.environ.get("ACUITY_ARTIFACTS", ROOT / "artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.goto(server, wait_until="networkidle")  # warm-up: the first render can be the placeholder
    page.get_by_text("Ask Acuity").wait_for(timeout=60_000)
    _ask(page, "Monthly revenue trend for 2025")
    page.locator(".js-plotly-plot").first.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)  # let plotly finish drawing
    assert page.get_by_text("Revenue").first.is_visible()
    shot = artifacts / "chat-answer.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    page.close()


QUESTIONS = [
    "No-show rate by location in 2025",
    "Revenue by location in 2025",
    "Completed visits by appointment type in 2025",
    "Average wait time by provider in 2025",
    "Units sold by brand in 2025",
    "Recall compliance rate by recall type in 2025",
    "Marketing spend by channel in 2025",
    "NPS by location in 2025",
    "Cancellation rate by booking channel in 2025",
    "Hours worked by role in 2025",
]


def test_ten_sessions_at_once(server, browser):
    pages = []
    for _ in QUESTIONS:
        ctx = browser.new_context(viewport={"width": 1200, "height": 1600})
        page = ctx.new_page()
        page.goto(server)
        pages.append(page)
    for page, question in zip(pages, QUESTIONS, strict=True):
        _ask(page, question)
    for page, question in zip(pages, QUESTIONS, strict=True):
        page.locator(".js-plotly-plot").first.wait_for(timeout=240_000)  # its own answer, with a chart
        text = page.inner_text("body")
        assert question in text, f"{question!r} missing from its own session"
        others = [q for q in QUESTIONS if q != question]
        assert not any(o in text for o in others), f"another session's question shows in {question!r}"
        assert "Something went wrong" not in text and "Traceback" not in text
        page.context.close()
