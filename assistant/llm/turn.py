"""The LLM branch of one turn: interpret with the LLM, then run what it proposes safely.

:func:`answer_with_llm` is what the pipeline calls when the LLM should try a question
(first, with ``ACUITY_LLM_FIRST``, or when the built-in interpreter is not confident). A
semantic query runs through the pipeline's own compile -> guard -> execute step; SQL
runs only if the guard accepts it for the asker's role. The result is an
:class:`LLMTurn`: an answer (``interpreter="llm"``), or none and a visible note saying
why (failure, refusal, rejected SQL, a metric the role may not see), so the pipeline
falls back to the built-in interpreter's answer or clarifying question, adding the note.
A model's refusal alone never replaces the built-in interpreter's answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from assistant.llm.client import ChatModel
from assistant.llm.interpreter import LLMInterpretation, interpret_with_llm
from assistant.llm.prompt import Catalog, VerifiedExample, catalog_from_model
from semantic_layer.query import SemanticQuery

if TYPE_CHECKING:
    from assistant.pipeline import Answer, Engine

log = logging.getLogger(__name__)

_CATALOGS: weakref.WeakKeyDictionary[Any, Catalog] = weakref.WeakKeyDictionary()
_EXTRA: weakref.WeakKeyDictionary[Any, tuple[tuple[str, dict[str, Any]], ...]] = weakref.WeakKeyDictionary()


@dataclass
class LLMTurn:
    """The LLM's answer (kind ``answer``), or None with a note (shown to the user) when it has none."""

    answer: Answer | None
    note: str
    interpretation: LLMInterpretation


def engine_catalog(engine: Engine) -> Catalog:
    """The catalog of an engine's model and value index (built once per engine).

    Its examples are the model's verified queries plus those promoted in the app
    (``set_extra_examples``).
    """
    hit = _CATALOGS.get(engine)
    if hit is None:
        members = getattr(getattr(engine, "values", None), "members", None) or {}
        hit = catalog_from_model(engine.model, members)
        extra = tuple(VerifiedExample(q, dict(sq)) for q, sq in _EXTRA.get(engine, ()))
        if extra:
            hit = replace(hit, examples=hit.examples + extra)
        _CATALOGS[engine] = hit
    return hit


def set_extra_examples(engine: Engine, examples: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Verified (question, semantic query) pairs the practice promoted; the catalog is rebuilt."""
    _EXTRA[engine] = tuple(examples)
    _CATALOGS.pop(engine, None)


def answer_with_llm(
    engine: Engine,
    chat: ChatModel,
    question: str,
    *,
    context: Sequence[str],
    as_of: dt.date,
    access: Any,
    previous: SemanticQuery | None = None,
    small_cells: bool = True,
) -> LLMTurn:
    """Ask the LLM and run its proposal for ``access``; never raises."""

    interp = interpret_with_llm(
        chat, question, context=context, as_of=as_of, catalog=engine_catalog(engine), previous=previous
    )
    if interp.kind == "failure":
        return LLMTurn(None, interp.note, interp)
    if interp.kind == "refusal":  # the router and the built-in interpreter keep the last word on declining
        return LLMTurn(None, f"The language model declined: {interp.note}", interp)
    try:
        if interp.kind == "sql" and interp.sql is not None:
            ans = _run_sql(engine, question, interp.sql, access)
        else:
            ans = _run_query(engine, question, interp.semantic_query, access, small_cells)
    except Exception as exc:  # the LLM branch must never break the turn
        log.exception("LLM answer failed")
        return LLMTurn(None, f"The language model's query could not run ({type(exc).__name__}).", interp)
    if ans.kind != "answer":
        return LLMTurn(None, ans.narrative, interp)
    ans.interpreter = "llm"
    return LLMTurn(ans, "", interp)


def _run_query(
    engine: Engine, question: str, q: SemanticQuery | None, access: Any, small_cells: bool
) -> Answer:
    from assistant.pipeline import Answer
    from assistant.pipeline_steps import run_semantic_query

    if q is None:
        return Answer("refuse", question, narrative="The language model gave no query.")
    denied = [m for m in q.metrics if not access.allows_metric(m)]
    if denied:
        return Answer(
            "refuse", question, narrative=f"{', '.join(denied)} is not available to the {access.role} role."
        )
    return run_semantic_query(engine, question, q, access, small_cells=small_cells)


def _run_sql(engine: Engine, question: str, sql: str, access: Any) -> Answer:
    from assistant.pipeline import Answer
    from semantic_layer.guard import GuardRejection, guard_sql

    try:
        guarded = guard_sql(
            sql.strip().rstrip(";"), catalog=engine.catalog, access=access, max_rows=engine.max_rows
        )
    except GuardRejection as exc:
        log.info("guard rejected LLM SQL: %s", exc.reason)
        return Answer("refuse", question, narrative=f"The language model's SQL was rejected: {exc.reason}.")
    result = engine.executor.run(guarded)
    n = len(result.rows)
    more = " (cut at the row limit)" if result.truncated else ""
    return Answer(
        "answer",
        question,
        sql=guarded.sql,
        columns=list(result.columns),
        rows=[list(r) for r in result.rows],
        narrative=f"{n} row{'s' if n != 1 else ''}{more}.",
        truncated=result.truncated,
    )
