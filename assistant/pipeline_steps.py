"""The steps of one turn after routing: interpret, run through the guard, write the answer.

Kept apart from :mod:`assistant.pipeline` (the entry point and the typed ``Answer``) so
that each module has one job.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.charts import build_chart
from assistant.narrative import MetricInfo, scope, write
from assistant.router import Route, route
from semantic_layer.query import TIME_GRAINS, SemanticQuery, TimeRange

if TYPE_CHECKING:
    from assistant.pipeline import Answer, Engine

log = logging.getLogger(__name__)
SQL_REFUSAL = "That SQL cannot run: {reason}."


def interpret_with_context(engine: Engine, question: str, context: Sequence[str], as_of: dt.date):
    """Re-interpret the earlier turns in order, then ``question`` as a possible follow-up.

    Returns (interpretation, the previous turn's semantic query or None)."""
    previous: SemanticQuery | None = None
    for earlier in context:
        if route(earlier).kind not in ("kpi", "both"):
            continue
        try:
            got = engine.interpreter.interpret(earlier, as_of, previous)
        except Exception:  # an earlier turn the interpreter trips on is skipped, not fatal
            log.exception("interpreting context %r failed", earlier)
            continue
        if got.kind == "query" and got.query is not None:
            previous = got.query
    return engine.interpreter.interpret(question, as_of, previous), previous


def answer_turn(
    engine: Engine,
    question: str,
    r: Route,
    *,
    context: Sequence[str],
    as_of: dt.date,
    role: str,
    location_ids: Sequence[str] | None,
    index_path: Path | None,
    small_cells: bool = True,
    chat: Any = None,
    llm_first: bool = False,
) -> Answer:
    """Everything after the router's decision. ``chat``: the LLM (None: built-in only)."""
    from assistant.pipeline import Answer
    from semantic_layer.roles import RoleError, access_for

    try:
        access = access_for(role, location_ids)
    except RoleError as exc:
        return Answer("refuse", question, narrative=str(exc))
    if r.kind == "sql":
        return _raw_sql(engine, question, access)
    if r.kind == "documents":
        return documents_answer(question, index_path, role=role, chat=chat)
    try:
        interp, previous = interpret_with_context(engine, question, context, as_of)
    except Exception:  # a bug must not end the conversation: ask for a rephrasing
        log.exception("interpreting %r failed", question)
        return Answer("clarify", question, narrative="I could not read that question. Could you rephrase it?")
    note = ""
    llm = lambda: _llm_turn(engine, chat, question, context, as_of, access, previous, small_cells)  # noqa: E731
    if chat is not None and llm_first:
        got, note = llm()
        if got is not None:
            return _with_documents(got, r, question, index_path, role)
    ans = _builtin_answer(engine, question, interp, access, role, small_cells, as_of)
    if ans.kind == "clarify" and chat is not None and not llm_first:
        got, note = llm()  # the built-in interpreter is not sure: let the LLM try
        if got is not None:
            return _with_documents(got, r, question, index_path, role)
    if note:
        ans.narrative = f"{ans.narrative} ({note})".strip()
    return _with_documents(ans, r, question, index_path, role)


def _builtin_answer(
    engine: Engine, question: str, interp: Any, access: Any, role: str, small_cells: bool, as_of: dt.date
) -> Answer:
    from assistant.pipeline import Answer

    if interp.kind == "clarify" or interp.query is None:
        return Answer("clarify", question, narrative=interp.message, choices=list(interp.choices))
    q = interp.query
    denied = [m for m in q.metrics if not access.allows_metric(m)]
    if denied:
        names = ", ".join(engine.model.metrics[m].label for m in denied)
        return Answer(
            "refuse",
            question,
            semantic_query=q.to_dict(),
            narrative=f"{names} is not available to the {role} role.",
        )
    return run_semantic_query(engine, question, q, access, small_cells=small_cells, as_of=as_of)


def _llm_turn(
    engine, chat, question, context, as_of, access, previous, small_cells
) -> tuple[Answer | None, str]:
    """The LLM's answer, or None and a note saying why it has none."""
    try:
        from assistant.llm.turn import answer_with_llm

        turn = answer_with_llm(
            engine, chat, question, context=context, as_of=as_of, access=access, previous=previous,
            small_cells=small_cells,
        )  # fmt: skip
    except Exception as exc:  # the LLM branch must never break the turn
        log.exception("LLM turn failed")
        return None, f"the language model failed ({type(exc).__name__})"
    return turn.answer, turn.note


def _with_documents(
    ans: Answer, r: Route, question: str, index_path: Path | None, role: str | None
) -> Answer:
    """For "why" questions: add the passages that discuss the number (those ``role`` may read)."""
    if r.kind == "both" and ans.kind == "answer":
        docs = documents_answer(question, index_path, role=role)
        ans.citations = docs.citations
        ans.passages = docs.passages
        if docs.citations:
            ans.narrative = f"{ans.narrative} {docs.narrative}".strip()
    return ans


def run_semantic_query(
    engine: Engine,
    question: str,
    q: SemanticQuery,
    access: Any,
    *,
    small_cells: bool = True,
    as_of: dt.date | None = None,
) -> Answer:
    """Compile, guard and run ``q``; then the narrative and the chart (``as_of``: today, for the data's end)."""
    from assistant.pipeline import Answer
    from semantic_layer.compile import CompileError

    previous: dict[str, Any] | None = None
    prev_range = _comparable(q)
    try:
        if prev_range is not None:
            try:  # one query for the period and the previous comparable one
                sql, columns, rows, truncated = _execute(engine, q.replace(compare_range=prev_range), access)
                columns, rows, previous = _split_previous(q, columns, rows)
            except Exception as exc:  # the comparison is a bonus: never fail the answer for it
                log.info("comparison with the previous period failed: %s", exc)
                prev_range = None
        if prev_range is None:
            sql, columns, rows, truncated = _execute(engine, q, access)
    except CompileError as exc:
        if "empty time range" in exc.reason and _has_span(q.compare_range):
            return _not_started(engine, question, q, access)
        if "empty time range" in exc.reason:
            return Answer(
                "answer",
                question,
                semantic_query=q.to_dict(),
                narrative="That period has not started yet: there is no data for it.",
            )
        return Answer(
            "clarify",
            question,
            semantic_query=q.to_dict(),
            narrative=f"I can't answer that as asked: {exc.reason}.",
            choices=_alternatives(engine, q),
        )
    except Exception as exc:  # guard rejection or execution failure of a compiled query
        log.warning("query failed: %s", exc)
        return Answer(
            "refuse",
            question,
            semantic_query=q.to_dict(),
            narrative=f"That query could not run: {getattr(exc, 'reason', exc)}.",
        )
    rows = _suppress(q, columns, rows, engine, small_cells)
    infos = [_info(engine, m) for m in q.metrics]
    within = scope(q.filters, q.dimensions)  # "No-show rate for contact lens exam in 2025"
    narrated = [replace(i, label=f"{i.label} {within}") for i in infos] if within else infos
    narrative = write(
        columns, rows, metrics=narrated, dimensions=q.dimensions, time_range=q.time_range, compare_range=q.compare_range,
        previous=previous, previous_range=prev_range, truncated=truncated,
        data_end=data_end(engine, q.metrics[0], q.time_range, access, as_of),
    )  # fmt: skip
    labels = {m.name: m.label for m in infos} | {
        d: engine.model.dimensions[d].label for d in q.dimensions if d in engine.model.dimensions
    }
    chart = build_chart(
        columns, rows, metrics=list(q.metrics), dims=list(q.dimensions), labels=labels,
        formats={m.name: m.fmt for m in infos}, reference=(previous or {}).get(q.metrics[0]), title=question,
    )  # fmt: skip
    return Answer(
        "answer", question, semantic_query=q.to_dict(), sql=sql, columns=list(columns), rows=[list(r) for r in rows],
        narrative=narrative, chart=chart, truncated=truncated,
    )  # fmt: skip


def _has_span(r: TimeRange | None) -> bool:
    return r is not None and r.start is not None and r.start < r.end


def _not_started(engine: Engine, question: str, q: SemanticQuery, access: Any) -> Answer:
    """'this quarter vs last quarter' on the quarter's first day: no data yet, and the other period's value."""
    from assistant.narrative import fmt_period, fmt_value
    from assistant.pipeline import Answer

    other = q.replace(time_range=q.compare_range, compare_range=None)
    sql, columns, rows, truncated = _execute(engine, other, access)
    keep = [c for c in columns if c in q.metrics or c in q.dimensions]
    idx = {c: i for i, c in enumerate(columns)}
    out_cols = [c for c in keep if c in q.dimensions] + [
        x for m in q.metrics if m in idx for x in (m, f"{m}_previous")
    ]
    out_rows = [
        [r[idx[c]] for c in keep if c in q.dimensions]
        + [x for m in q.metrics if m in idx for x in (None, r[idx[m]])]
        for r in rows
    ]
    parts = []
    if not q.dimensions and rows:
        for m in q.metrics:
            info = _info(engine, m)
            parts.append(
                f"{info.label} {fmt_period(q.compare_range)}: {fmt_value(rows[0][idx[m]], info.fmt)}"
            )
    start = q.time_range.start.isoformat() if q.time_range and q.time_range.start else "today"
    text = f"The current period starts on {start} and has no data yet."
    if parts:
        text += " For comparison, " + "; ".join(parts) + "."
    elif rows:
        text += f" The table shows the other period ({fmt_period(q.compare_range)})."
    return Answer(
        "answer", question, semantic_query=q.to_dict(), sql=sql, columns=out_cols, rows=out_rows,
        narrative=text, truncated=truncated,
    )  # fmt: skip


def data_end(
    engine: Engine, metric: str, tr: TimeRange | None, access: Any, as_of: dt.date | None = None
) -> dt.date | None:
    """The last day with data for ``metric`` before today (``as_of``; else the end of ``tr``).

    One guarded query per (metric, today, access), kept on the engine: the narrative uses it
    to say that a period reaching past the data is partial."""
    if tr is None or tr.end is None:
        return None
    anchor = as_of or tr.end
    if tr.end < anchor - dt.timedelta(days=400):
        return None  # a period long past: the data cannot end inside it
    key = (metric, anchor, access)
    cache = engine.data_ends
    if key not in cache:
        try:
            cache[key] = _last_day(engine, metric, TimeRange(anchor - dt.timedelta(days=400), anchor), access)
        except Exception as exc:  # the note is a bonus: never fail the answer for it
            log.info("no data end for %s: %s", metric, exc)
            cache[key] = None
    return cache[key]


def _last_day(engine: Engine, metric: str, window: TimeRange, access: Any) -> dt.date | None:
    """The latest day in ``window`` on which ``metric`` has data, as ``access`` sees it."""
    from semantic_layer.compile_probe import DAY, compile_last_day
    from semantic_layer.guard import guard_sql
    from semantic_layer.query import OrderBy

    trees = compile_last_day(engine.model, metric, window)
    if trees is None:  # a running total or trailing window: ask the metric itself, per day
        probe = SemanticQuery(
            metrics=(metric,), dimensions=(DAY,), time_range=window, order_by=(OrderBy(DAY, True),), limit=1
        )
        _, cols, rows, _ = _execute(engine, probe, access)
        days = [rows[0][cols.index(DAY)]] if rows else []
    else:  # the metric's own rows: one MAX per fact table, through the guard like any SQL
        days = []
        for tree in trees:
            guarded = guard_sql(tree, catalog=engine.catalog, access=access, max_rows=engine.max_rows)
            result = engine.executor.run(guarded)
            days += [r[0] for r in result.rows]
    days = [d.date() if isinstance(d, dt.datetime) else d for d in days if d is not None]
    return max(days, default=None)


def _execute(engine: Engine, q: SemanticQuery, access: Any) -> tuple[str, list[str], list[tuple], bool]:
    guarded = engine.prepare(q, access)
    result = engine.executor.run(guarded)
    return guarded.sql, list(result.columns), [tuple(r) for r in result.rows], result.truncated


def execute_query(engine: Engine, q: SemanticQuery, access: Any) -> tuple[str, list[str], list[tuple], bool]:
    """Compile, guard and run a semantic query as ``access``: (sql, columns, rows, truncated)."""
    return _execute(engine, q, access)


def _info(engine: Engine, name: str) -> MetricInfo:
    m = engine.model.metrics[name]
    fmt = getattr(m.format, "value", m.format)
    kind = getattr(m.type, "value", m.type)
    agg = getattr(getattr(m.measure, "agg", None), "value", None)
    return MetricInfo(name, m.label, str(fmt), additive=kind == "simple" and agg in ("count", "sum"))


def previous_range(tr: TimeRange) -> TimeRange | None:
    """The previous comparable period (see ``timeexpr.comparable_previous``)."""
    from assistant.interpret.timeexpr import comparable_previous

    return comparable_previous(tr)


def _comparable(q: SemanticQuery) -> TimeRange | None:
    """For one period with no breakdown: the previous comparable period to compare with (none
    for booked appointments: an earlier period's bookings have happened, or not, since)."""
    from assistant.interpret.builtin import FORWARD_METRICS

    if q.dimensions or q.compare_range or q.time_range is None or set(q.metrics) & set(FORWARD_METRICS):
        return None
    return previous_range(q.time_range)


def _split_previous(q: SemanticQuery, columns: list[str], rows: list[tuple]):
    """Keep the asked columns; return the previous period's values apart."""
    idx = {c: i for i, c in enumerate(columns)}
    keep = [c for c in columns if c in q.metrics or c in q.dimensions]
    previous = {m: rows[0][idx[f"{m}_previous"]] for m in q.metrics if rows and f"{m}_previous" in idx}
    return keep, [tuple(r[idx[c]] for c in keep) for r in rows], previous or None


def _suppress(q: SemanticQuery, columns, rows, engine: Engine, enabled: bool):
    from semantic_layer.suppress import suppress_small_cells

    counts = {m for m in q.metrics if _info(engine, m).fmt == "count"}
    return suppress_small_cells(
        columns, rows, group_columns=set(q.dimensions), count_columns=counts, enabled=enabled
    )


def _alternatives(engine: Engine, q: SemanticQuery) -> list[str]:
    """Rephrasings that the model can answer: the metric by each dimension it supports."""
    m = q.metrics[0]
    dims = sorted(engine.interpreter.dims_for(m))[:3]
    label = engine.model.metrics[m].label
    return [f"{label} by {engine.model.dimensions[d].label.lower()}" for d in dims] or [label]


def _raw_sql(engine: Engine, question: str, access: Any) -> Answer:
    from assistant.pipeline import Answer
    from semantic_layer.guard import GuardRejection, guard_sql

    try:
        guarded = guard_sql(
            question.strip().rstrip(";"), catalog=engine.catalog, access=access, max_rows=engine.max_rows
        )
        result = engine.executor.run(guarded)
    except GuardRejection as exc:
        return Answer("refuse", question, narrative=SQL_REFUSAL.format(reason=exc.reason))
    except Exception as exc:
        return Answer("refuse", question, narrative=SQL_REFUSAL.format(reason=getattr(exc, "reason", exc)))
    n = len(result.rows)
    more = " (cut at the row limit)" if result.truncated else ""
    return Answer(
        "answer", question, sql=guarded.sql, columns=list(result.columns), rows=[list(r) for r in result.rows],
        narrative=f"{n} row{'s' if n != 1 else ''}{more}.", truncated=result.truncated,
    )  # fmt: skip


def documents_answer(
    question: str, index_path: Path | None, *, role: str | None = None, chat: Any = None
) -> Answer:
    """Cited passages ``role`` may read (with ``chat``: led by a grounded short answer), or why there are none."""
    from assistant.pipeline import Answer

    if index_path is None or not Path(index_path).exists():
        return Answer(
            "documents",
            question,
            narrative="Document search is not available: no document index was found (run `acuity ingest`).",
        )
    try:
        from assistant.documents import answer_documents
    except ImportError as exc:
        return Answer("documents", question, narrative=f"Document search is not available ({exc}).")
    try:
        docs = answer_documents(question, Path(index_path), audience=role)
    except Exception as exc:  # a broken index must not break the chat
        log.warning("document search failed: %s", exc)
        return Answer("documents", question, narrative=f"Document search failed: {exc}.")
    ans = Answer("documents", question, narrative=docs.narrative, citations=list(docs.citations))
    ans.passages = list(docs.hits)
    if chat is not None and docs.hits:  # the LLM may only restate what a cited passage says
        from assistant.llm.doc_answer import grounded_narrative

        ans.narrative, ans.interpreter = grounded_narrative(chat, question, docs.hits, docs.narrative)
    return ans


__all__ = [
    "answer_turn",
    "run_semantic_query",
    "execute_query",
    "documents_answer",
    "previous_range",
    "TIME_GRAINS",
]
