"""The one place the app's parts are wired together: settings -> warehouse, model, pipeline, stores.

Pages call these functions and never touch DuckDB, prompts or model names themselves
(style rule 2). ``app.py`` caches one :class:`Services` per process with
``st.cache_resource``; everything here is thread-safe so that many sessions share it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.audit import AppStore, Turn
from assistant.auth import User, UserStore, ensure_demo_users
from assistant.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


class SetupError(Exception):
    """The warehouse could not be built or opened; the message says what to do."""


def warehouse_ready(settings: Settings) -> bool:
    """True when the warehouse file exists (first start builds it)."""
    return Path(settings.db_path).is_file()


def build_demo_practice(settings: Settings, progress: Progress, *, end: dt.date | None = None) -> None:
    """First start: generate the demo export, ingest it and index its documents.

    ``progress(fraction, message)`` is called as each step starts. Writes nothing into the
    warehouse path until ingestion has succeeded (ingestion is atomic).
    """
    from assistant.warehouse import sync_warehouse as sync_with_rollups
    from ingest.deidentify import load_or_create_secret
    from ingest.demo import generate_demo

    home = Path(settings.home)
    home.mkdir(parents=True, exist_ok=True)
    export = home / "demo-export"
    if not (export / "appointments.csv").exists():
        progress(0.05, "Generating the demo practice (3 locations, 2023 to yesterday)…")
        if export.exists():
            import shutil

            shutil.rmtree(export)
        generate_demo(export, end=end)
    progress(0.45, "De-identifying and loading the warehouse…")
    secret = load_or_create_secret(settings.secret, settings.key_file)
    sync_with_rollups(export, settings.db_path, secret=secret)
    progress(0.75, "Indexing past reports and notes…")
    try:
        from ingest.documents import index_folder

        index_folder(export / "documents", settings.index_path)
    except ImportError:  # document search not installed
        log.warning("document indexing unavailable; skipping")
    ensure_demo_users(settings.users_file)
    progress(1.0, "Ready.")


@dataclass
class Services:
    """Long-lived parts shared by all sessions of the app."""

    settings: Settings
    store: AppStore
    _lock: threading.Lock

    @classmethod
    def create(cls, settings: Settings) -> Services:
        """Open the app's state store; the warehouse is opened lazily by the pipeline."""
        return cls(settings, AppStore(settings.app_db_path), threading.Lock())

    # -- sign-in -----------------------------------------------------------------
    def users(self) -> UserStore | None:
        """The users file, or None when there is none (single-user local mode)."""
        path = Path(self.settings.users_file)
        return UserStore.load(path) if path.exists() else None

    # -- questions -----------------------------------------------------------------
    def ask(
        self, question: str, *, context: list[str], user: User, as_of: dt.date | None = None
    ) -> dict[str, Any]:
        """Answer one chat turn as the JSON dict of architecture.md, and audit it (failures too)."""
        from assistant.pipeline import answer_question

        try:
            answer = answer_question(
                question,
                db_path=self.settings.db_path,
                context=context,
                as_of=as_of or self.settings.today(),
                role=user.role,
                location_ids=user.locations or None,
                settings=self.settings,
            )
        except Exception as exc:  # noqa: BLE001 - the turn is audited with its error, then shown
            log.exception("answering %r failed", question)
            data = {"kind": "error", "question": question, "narrative": f"Something went wrong: {exc}"}
            data["turn_id"] = self.store.record_turn(
                Turn(user.username, user.role, question, "error", error=str(exc))
            )
            return data
        data = answer.to_json()
        data["_polish"] = self.settings.llm_enabled  # the page streams a grounded rewrite once
        interpreter = data.get("interpreter") or "builtin"
        data["turn_id"] = self.store.record_turn(
            Turn(
                username=user.username,
                role=user.role,
                question=question,
                kind=data.get("kind", ""),
                interpretation=data.get("semantic_query"),
                sql=data.get("sql"),
                interpreter=interpreter,
                model=(self.settings.llm_model or "") if interpreter == "llm" else "",
                row_count=len(data.get("rows") or []),
                elapsed_ms=float(data.get("elapsed_ms") or 0),
            )
        )
        return data

    def polish_stream(self, ans: dict[str, Any]):
        """A grounded LLM rewrite of an answer's narrative to stream, or None without an LLM."""
        if not self.settings.llm_enabled or ans.get("kind") != "answer" or not ans.get("narrative"):
            return None
        from assistant.llm.client import shared_chat_model
        from assistant.llm.polish import stream_polish

        return stream_polish(
            shared_chat_model(self.settings),
            ans["narrative"],
            ans.get("columns") or [],
            ans.get("rows") or [],
        )

    # -- answering helpers shared by the pages -------------------------------------------
    def engine(self):
        """The shared pipeline engine (model, value index, executor) of the warehouse."""
        from assistant.pipeline import get_engine

        eng = get_engine(
            self.settings.db_path, timeout_s=self.settings.query_timeout_s, max_rows=self.settings.max_rows
        )
        if self.settings.llm_enabled and getattr(eng, "_acuity_examples_from", None) is not self.store:
            self._share_verified_queries(eng)
        return eng

    def _share_verified_queries(self, eng) -> None:
        from assistant.llm.turn import set_extra_examples

        set_extra_examples(eng, self.store.verified_queries())
        eng._acuity_examples_from = self.store

    def promote_to_verified(self, turn_id: str, user: User) -> str:
        """Save an answered turn's question and semantic query as a verified query (owners, managers).

        The query must still compile against the model; returns a message for the page.
        """
        from semantic_layer.compile import CompileError, compile_query
        from semantic_layer.query import SemanticQuery

        if user.role not in ("owner", "manager"):
            return "Only owners and managers can verify answers."
        turn = self.store.turn(turn_id)
        if not turn or not turn.get("interpretation"):
            return "That answer has no semantic query to verify."
        try:
            compile_query(self.engine().model, SemanticQuery.from_dict(turn["interpretation"]))
        except (CompileError, KeyError, ValueError) as exc:
            return f"Not saved: the query no longer compiles ({exc})."
        self.store.add_verified_query(turn["question"], turn["interpretation"], user.username, turn_id)
        if self.settings.llm_enabled:
            self._share_verified_queries(self.engine())
        return "Saved as a verified query: the LLM interpreter will see it as an example."

    def access(self, user: User):
        """The role access of ``user`` (row filters for managers)."""
        from semantic_layer.roles import access_for

        return access_for(user.role, user.locations or None)

    def run_query(self, user: User, q) -> tuple[list[str], list[list]]:
        """Compile, guard and run a semantic query as ``user``: (columns, rows)."""
        from assistant.pipeline_steps import execute_query

        _, columns, rows, _ = execute_query(self.engine(), q, self.access(user))
        return columns, [list(r) for r in rows]

    def metric_label(self, name: str) -> str:
        """The display label of a metric."""
        m = self.engine().model.metrics.get(name)
        return m.label if m else name.replace("_", " ")

    def metric_format(self, name: str) -> str:
        """The display format of a metric (count, percent, currency, ...)."""
        m = self.engine().model.metrics.get(name)
        return str(getattr(m.format, "value", m.format)) if m else ""

    def location_choices(self, user: User) -> list[str]:
        """Location names ``user`` may see, after "" (= all of them)."""
        from sqlglot import exp

        from semantic_layer.guard import guard_sql

        eng = self.engine()
        tree = exp.select("location_name").from_("locations").order_by("location_name")
        guarded = guard_sql(tree, catalog=eng.catalog, access=self.access(user), max_rows=eng.max_rows)
        return [""] + [str(r[0]) for r in eng.executor.run(guarded).rows]

    def column_formats(self, ans: dict[str, Any]) -> dict[str, str]:
        """Display format (count, percent, currency, minutes, hours, ...) of each metric column of an answer."""
        out = {}
        metrics = (ans.get("semantic_query") or {}).get("metrics") or []
        for col in ans.get("columns") or []:
            base = col.removesuffix("_previous")
            if base in metrics:
                out[col] = self.metric_format(base)
        return out

    def metric_display(self, name: str) -> MetricDisplay:
        """How a metric is shown: its label, its format and whether down is good (no-shows, waits)."""
        m = self.engine().model.metrics.get(name)
        if m is None:
            return MetricDisplay(name.replace("_", " ").capitalize(), "")
        direction = str(getattr(m.good_direction, "value", m.good_direction))
        return MetricDisplay(m.label, str(getattr(m.format, "value", m.format)), direction == "down")

    def kpi_figures(self, ans: dict[str, Any]) -> list[dict[str, Any]]:
        """The st.metric figures of an answer (one row compared with an earlier period)."""
        metrics = (ans.get("semantic_query") or {}).get("metrics") or []
        return kpi_figures(ans, {m: self.metric_display(m) for m in metrics})

    # -- dashboard ---------------------------------------------------------------------------
    def dashboard(self, user: User, period: str, location: str | None) -> DashboardView:
        """Tiles and call-outs for the dashboard over the selected period, as display strings."""
        from assistant import dashboards

        as_of = self.settings.today()
        run = lambda q: self.run_query(user, q)  # noqa: E731
        allowed = [m for m in dashboards.DASHBOARD_KPIS if self.access(user).allows_metric(m)]
        try:
            tiles = dashboards.kpi_tiles(run, as_of, period, location=location, metrics=allowed)
            check = dashboards.anomalies(run, as_of, period, location=location, metrics=allowed)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            log.warning("dashboard failed: %s", exc)
            return DashboardView([], [], f"The dashboard could not be built: {exc}")
        shown = [metric_figure(t.value, t.previous, self.metric_display(t.metric)) for t in tiles]
        notes = []
        for c in check.callouts:
            d = self.metric_display(c.metric)
            notes.append(c.explain(d.label, d.fmt))
        return DashboardView(shown, notes, None, _callout_summary(check, period, as_of))

    def _chart(self, user: User, q, title: str) -> dict[str, Any] | None:
        from assistant.charts import build_chart

        try:
            columns, rows = self.run_query(user, q)
        except Exception as exc:  # noqa: BLE001 - a chart that cannot be drawn is left out
            log.warning("chart query failed: %s", exc)
            return None
        labels = {m: self.metric_label(m) for m in q.metrics}
        formats = {m: self.metric_format(m) for m in q.metrics}
        return build_chart(
            columns,
            rows,
            metrics=list(q.metrics),
            dims=list(q.dimensions),
            labels=labels,
            formats=formats,
            title=title,
        )

    def trend_chart(self, user: User, metric: str, location: str | None) -> dict[str, Any] | None:
        """Monthly trend of ``metric`` over the last 13 whole months."""
        from assistant.dashboards import trend_query

        q = trend_query(metric, self.settings.today(), location=location)
        return self._chart(user, q, f"{self.metric_label(metric)} by month")

    def breakdown_chart(self, user: User, metric: str, dimension: str, period: str, location: str | None):
        """``metric`` by ``dimension`` over the period."""
        from assistant.dashboards import breakdown_query

        q = breakdown_query(metric, dimension, self.settings.today(), period, location=location)
        return self._chart(user, q, f"{self.metric_label(metric)} by {dimension}")

    def pin_chart(self, user: User, pin: dict[str, Any]) -> dict[str, Any] | None:
        """Re-run a pinned answer's semantic query (as the viewer, with their row filters)."""
        from semantic_layer.query import SemanticQuery

        return self._chart(user, SemanticQuery.from_dict(pin["semantic_query"]), pin["title"])

    # -- SQL mode ------------------------------------------------------------------------------
    def run_sql(self, user: User, sql: str) -> dict[str, Any]:
        """Analyst SQL through the guard and the executor; {"error": ...} when rejected."""
        from semantic_layer.guard import GuardRejection, guard_sql

        eng = self.engine()
        try:
            guarded = guard_sql(
                sql.strip().rstrip(";"), catalog=eng.catalog, access=self.access(user), max_rows=eng.max_rows
            )
            result = eng.executor.run(guarded)
        except GuardRejection as exc:
            return {"error": f"Rejected: {exc.reason}"}
        except Exception as exc:  # noqa: BLE001 - execution errors are shown with their reason
            return {"error": f"The query failed: {getattr(exc, 'reason', exc)}"}
        self.store.record_turn(
            Turn(
                user.username,
                user.role,
                sql,
                "sql",
                None,
                guarded.sql,
                "analyst",
                "",
                len(result.rows),
                result.elapsed_ms,
            )
        )
        return {
            "columns": list(result.columns),
            "rows": [list(r) for r in result.rows],
            "truncated": result.truncated,
            "sql": guarded.sql,
        }

    # -- documents -----------------------------------------------------------------------------
    def document_types(self) -> list[str]:
        """The document types one can filter by."""
        from ingest.documents.extract import DOC_TYPES

        return list(DOC_TYPES)

    def search_documents(
        self, user: User, query: str, *, doc_types=(), since=None, until=None
    ) -> dict[str, Any]:
        """Search the document index as ``user`` (their audience), with optional filters."""
        from assistant.documents import answer_documents
        from ingest.documents.filters import SearchFilters

        index = Path(self.settings.index_path)
        if not index.exists():
            return {
                "error": "No document index yet: run `acuity ingest` on an export with a documents/ folder."
            }
        until_excl = until + dt.timedelta(days=1) if until else None
        filters = SearchFilters(doc_types=tuple(doc_types or ()), date_from=since, date_to=until_excl)
        try:
            ans = answer_documents(query, index, top_k=8, filters=filters, audience=user.role)
        except Exception as exc:  # noqa: BLE001 - a broken index is reported, not raised
            return {"error": f"Search failed: {exc}"}
        return ans.to_dict()

    def document_text(self, user: User, source: str | None) -> str:
        """The scrubbed text of one indexed document, as stored (chunks in order)."""
        from assistant.documents import open_index

        if not source:
            return ""
        index = open_index(Path(self.settings.index_path))
        _, texts, metas = index.store.all_chunks()
        parts = [
            (m.get("chunk_index", i), t)
            for i, (t, m) in enumerate(zip(texts, metas, strict=True))
            if m.get("source") == source
        ]
        return "\n\n".join(t for _, t in sorted(parts, key=lambda p: p[0]))


@dataclass(frozen=True)
class DashboardView:
    """What the dashboard page shows: tiles (display strings), call-outs, or an error."""

    tiles: list[dict[str, Any]]
    callouts: list[str]
    error: str | None
    summary: str = ""  # why there are no call-outs (all in range, or too little history)


def _callout_summary(check, period: str, as_of: dt.date) -> str:
    from assistant.dashboards import MIN_HISTORY, PERIOD_PHRASES, PERIOD_UNITS, period_range

    if check.callouts:
        return ""
    cur, _ = period_range(period, as_of)
    unit = PERIOD_UNITS[period][0]
    if cur.start >= cur.end:
        return f"The {unit} has just begun: nothing to compare yet."
    if check.checked:
        return f"Every metric is within its usual range {PERIOD_PHRASES[period]}."
    return (
        f"Too little history to call out unusual values {PERIOD_PHRASES[period]}: "
        f"it takes at least {MIN_HISTORY[unit]} earlier {unit}s of data."
    )


# -- tables and exports (pure) ---------------------------------------------------------------
def rows_table(columns: list[str], rows: list[list[Any]]):
    """A pandas DataFrame for display."""
    import pandas as pd

    return pd.DataFrame([list(r) for r in rows], columns=list(columns))


def rows_csv(columns: list[str], rows: list[list[Any]]) -> str:
    """CSV text with a header row."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue()


def answer_table(ans: dict[str, Any]):
    """The answer's rows as a DataFrame."""
    return rows_table(ans.get("columns") or [], ans.get("rows") or [])


def answer_csv(ans: dict[str, Any]) -> str:
    """The answer's rows as CSV."""
    return rows_csv(ans.get("columns") or [], ans.get("rows") or [])


@dataclass(frozen=True)
class MetricDisplay:
    """What showing a metric needs: its label, its format and whether a fall is good news."""

    label: str
    fmt: str
    down_is_good: bool = False


def delta_text(cur: float | None, prev: float | None, fmt: str) -> str | None:
    """The change as st.metric shows it ('+12.0%', '-1.2 points', 'unchanged'); None when unknown.

    >>> delta_text(0.124, 0.136, "percent"), delta_text(110, 100, "currency"), delta_text(5, None, "count")
    ('-1.2 points', '+10.0%', None)
    """
    from assistant.narrative import fmt_change

    if cur is None or prev is None:
        return None
    change = fmt_change(float(cur), float(prev), fmt)
    for word, sign in (("up ", "+"), ("down ", "-")):
        if change.startswith(word) and change[len(word) : len(word) + 1].isdigit():
            return sign + change[len(word) :]
    return change


def metric_figure(
    cur: float | None, prev: float | None, display: MetricDisplay, *, vs_previous: bool = False
) -> dict[str, Any]:
    """One st.metric figure: value and change formatted per the metric, colour inverted when down is good."""
    from assistant.narrative import fmt_value

    delta = delta_text(cur, prev, display.fmt)
    if delta and vs_previous:
        delta = f"{delta} vs {fmt_value(prev, display.fmt)}"
    unchanged = bool(delta) and delta.startswith("unchanged")
    return {
        "label": display.label,
        "value": fmt_value(cur, display.fmt),
        "delta": delta,
        "delta_color": "off" if unchanged else ("inverse" if display.down_is_good else "normal"),
        "delta_arrow": "off" if unchanged else "auto",
    }


def kpi_figures(ans: dict[str, Any], metrics: dict[str, MetricDisplay]) -> list[dict[str, Any]]:
    """st.metric figures for a one-row answer compared with an earlier period.

    ``metrics`` says how each metric column is shown (``Services.kpi_figures`` passes the
    semantic model's labels, formats and good directions).
    """
    cols, rows = ans.get("columns") or [], ans.get("rows") or []
    if len(rows) != 1:
        return []
    figs = []
    for i, c in enumerate(cols):
        prev = f"{c}_previous"
        if prev in cols and rows[0][i] is not None and rows[0][cols.index(prev)] is not None:
            display = metrics.get(c) or MetricDisplay(c.replace("_", " ").capitalize(), "")
            figs.append(metric_figure(rows[0][i], rows[0][cols.index(prev)], display, vs_previous=True))
    return figs
