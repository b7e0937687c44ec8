"""The Streamlit app driven headless with AppTest: chat, clarify buttons, roles, pages, first start."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.auth import User, write_users_file

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 120


@pytest.fixture()
def home(tmp_path, demo_db, monkeypatch) -> Path:
    """An ACUITY_HOME with a copy of the demo warehouse and no users file (local owner)."""
    shutil.copy(demo_db, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("ACUITY_HOME", str(tmp_path))
    monkeypatch.setenv("ACUITY_AS_OF", "2026-10-01")  # the demo's data ends 2026-09-30
    for var in ("ACUITY_DB", "ACUITY_INDEX", "ACUITY_APP_DB", "ACUITY_USERS", "ACUITY_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [w.value for w in at.warning] + [c.value for c in at.code]
    return "\n".join(str(p) for p in parts)


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run(timeout=TIMEOUT)
    assert not at.exception, at.exception
    return at


def test_chat_answers_with_narrative_chart_and_sql(home):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("Ask Acuity" in t.value for t in at.title)
    _ask(at, "No-show rate by location in Q3 2026")
    text = _texts(at)
    assert "No-show rate" in text or "no-show rate" in text.lower()
    assert "Northside" in text or any("Northside" in str(df.value) for df in at.dataframe)
    assert at.get("plotly_chart"), "no chart rendered"
    assert any("SELECT" in c.value for c in at.code), "SQL not shown"
    # a follow-up keeps the context
    _ask(at, "and by provider?")
    assert any("Dr." in str(df.value) for df in at.dataframe)
    # the turn was audited
    from assistant.audit import AppStore

    cols, rows = AppStore(home / "app.duckdb").audit_rows()
    assert [r[cols.index("question")] for r in rows][:2] == [
        "and by provider?",
        "No-show rate by location in Q3 2026",
    ]


def test_clarify_answer_offers_buttons_that_ask(home):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "How are we doing?")
    choice_buttons = [b for b in at.button if b.key and b.key.startswith("choice_")]
    assert 2 <= len(choice_buttons) <= 4
    label = choice_buttons[0].label
    choice_buttons[0].click().run(timeout=TIMEOUT)
    assert not at.exception
    users_turns = [m for m in at.chat_message if m.name == "user"]
    assert len(users_turns) == 2 and label.lower() in users_turns[1].markdown[0].value.lower()


def _sign_in(at: AppTest, username: str, password: str) -> None:
    at.text_input[0].set_value(username)
    at.text_input[1].set_value(password)
    at.button[0].click().run(timeout=TIMEOUT)
    assert not at.exception, at.exception


def test_staff_cannot_see_money_or_owner_pages(home):
    write_users_file(
        home / "users.toml",
        [(User("sofia", "staff"), "pw-staff"), (User("olivia", "owner"), "pw-owner")],
    )
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert any("Sign in" in t.value for t in at.title)
    _sign_in(at, "sofia", "wrong")
    assert any("do not match" in e.value for e in at.error)
    _sign_in(at, "sofia", "pw-staff")
    _ask(at, "Revenue by location in 2025")
    assert "not available to the staff role" in _texts(at)
    assert not at.get("plotly_chart")
    # operational questions still work
    _ask(at, "No-show rate in 2025")
    assert at.get("plotly_chart")


def test_manager_sees_only_own_location(home):
    write_users_file(home / "users.toml", [(User("marcus", "manager", locations=("LOC2",)), "pw")])
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _sign_in(at, "marcus", "pw")
    _ask(at, "Completed visits by location in 2025")
    shown = " ".join(str(df.value) for df in at.dataframe)
    assert "Northside" in shown and "Downtown" not in shown and "Lakeview" not in shown


def test_first_start_builds_the_demo_practice(tmp_path, demo_export, monkeypatch):
    monkeypatch.setenv("ACUITY_HOME", str(tmp_path))
    for var in ("ACUITY_DB", "ACUITY_INDEX", "ACUITY_APP_DB", "ACUITY_USERS"):
        monkeypatch.delenv(var, raising=False)
    shutil.copytree(demo_export, tmp_path / "demo-export")  # generation itself is tested in tests/ingest
    at = AppTest.from_file(APP, default_timeout=600).run()
    assert not at.exception, at.exception
    assert (tmp_path / "warehouse.duckdb").is_file()
    assert (tmp_path / "users.toml").is_file()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert any("Sign in" in t.value for t in at.title)
    assert any("Demo accounts" in i.value for i in at.info)


def test_owner_pages_dashboard_sql_audit(home):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "No-show rate by location in 2025")
    pin = next(b for b in at.button if b.key and b.key.startswith("pin_"))
    pin.click().run(timeout=TIMEOUT)
    # dashboard: eight KPI tiles, a trend, breakdowns and the pinned answer
    at.switch_page("assistant/ui/scripts/dashboard.py").run(timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert any("dashboard" in t.value.lower() for t in at.title)
    assert len(at.metric) == 8
    assert {m.label for m in at.metric} >= {"No-show rate", "Revenue", "NPS"}
    assert len(at.get("plotly_chart")) >= 4  # trend, by location, by provider, the pin
    assert any("No-show rate by location in 2025" in m.value for m in at.markdown)
    # SQL mode: a rejected statement names why; a good one runs
    at.switch_page("assistant/ui/scripts/sql.py").run(timeout=TIMEOUT)
    at.text_area[0].set_value("SELECT * FROM read_csv('/etc/passwd')")
    at.button(key="sql_run").click().run(timeout=TIMEOUT)
    assert at.error and "Rejected" in at.error[0].value
    at.text_area[0].set_value(
        "SELECT location_name, count(*) AS n FROM appointments JOIN locations USING (location_id) GROUP BY 1"
    )
    at.button(key="sql_run").click().run(timeout=TIMEOUT)
    assert not at.error and "Northside" in str(at.dataframe[0].value)
    # audit: every turn so far, exportable
    at.switch_page("assistant/ui/scripts/audit.py").run(timeout=TIMEOUT)
    questions = at.dataframe[0].value["question"].tolist()
    assert "No-show rate by location in 2025" in questions
    assert any("location_name" in q for q in questions)  # the SQL-mode statement
    assert at.get("download_button")


def test_manager_dashboard_is_limited_to_own_location(home):
    write_users_file(home / "users.toml", [(User("marcus", "manager", locations=("LOC2",)), "pw")])
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _sign_in(at, "marcus", "pw")
    at.switch_page("assistant/ui/scripts/dashboard.py").run(timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert at.selectbox(key="dash_location").options == ["All locations", "Northside"]
    with pytest.raises(ValueError):
        at.switch_page("assistant/ui/scripts/audit.py").run(timeout=TIMEOUT)


def test_reports_page_searches_scrubbed_documents(home, demo_export):
    from ingest.documents import index_folder

    index_folder(demo_export / "documents", home / "index")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("assistant/ui/scripts/reports.py").run(timeout=TIMEOUT)
    at.text_input(key="reports_query").set_value("frame supplier delay").run(timeout=TIMEOUT)
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "supplier" in text.lower()
    assert at.expander, "no document text expander"


def _polish_reply(body):
    """The scripted model: rewrites the narrative when asked to, with or without a made-up number."""
    from tests.llm_server import Reply

    text = json.dumps(body)
    if "MAKE-UP" in os.environ.get("ACUITY_TEST_POLISH", ""):
        return Reply.text("No-show rates averaged 42.42% across the offices.")
    if "No-show rate" in text or "no-show" in text.lower():
        return Reply.text("Polished: the no-show picture for 2025 by office is in the chart below.")
    return Reply.text("{}")


@pytest.mark.parametrize("made_up", [False, True])
def test_llm_polishes_the_narrative_only_when_grounded(home, monkeypatch, made_up):
    from tests.llm_server import ScriptedLLMServer

    with ScriptedLLMServer() as srv:
        srv.set_responder(_polish_reply)
        monkeypatch.setenv("ACUITY_LLM_MODEL", "scripted")
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        monkeypatch.setenv("ACUITY_TEST_POLISH", "MAKE-UP" if made_up else "")
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        _ask(at, "No-show rate by location in 2025")
        text = _texts(at)
        if made_up:
            assert "42.42" not in text  # an ungrounded number is never shown
            assert "highest" in text.lower()  # the built-in narrative instead
            assert any("not polished" in c.value for c in at.caption)
        else:
            assert "Polished: the no-show picture" in text
        assert at.get("plotly_chart")


def test_thumbs_up_then_verify_feeds_the_llm_examples(home, monkeypatch):
    from assistant.audit import AppStore
    from tests.llm_server import Reply, ScriptedLLMServer

    with ScriptedLLMServer() as srv:
        srv.set_responder(lambda body: Reply.text("{}"))
        monkeypatch.setenv("ACUITY_LLM_MODEL", "scripted")
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        monkeypatch.setenv("ACUITY_LLM_FIRST", "1")  # every question goes to the (scripted) LLM first
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        _ask(at, "Optical capture rate by provider in 2025")
        at.feedback[0].set_value(1).run(timeout=TIMEOUT)
        at.button(key="verify_0").click().run(timeout=TIMEOUT)
        assert not at.exception, at.exception
        assert any("Saved as a verified query" in t.value for t in at.toast)
        stored = AppStore(home / "app.duckdb").verified_queries()
        assert [q for q, _ in stored] == ["Optical capture rate by provider in 2025"]
        assert stored[0][1]["metrics"] == ["optical_capture_rate"]
        # the next similar question's prompt carries the verified example
        before = len(srv.requests)
        _ask(at, "eyewear capture by doctor in 2026")
        prompts = json.dumps([r.body for r in srv.requests[before:]])
        assert "Q: Optical capture rate by provider in 2025\\nA: " in prompts  # among the verified examples
