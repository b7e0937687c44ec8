"""The LLM interpreter: question + conversation + as-of date -> a validated SemanticQuery, or SQL.

The model answers with one JSON object (``kind`` semantic_query | sql | refusal), asked
for as structured output against :func:`answer_schema` where the endpoint supports it,
else as JSON mode, else as plain text; in every case the reply is parsed and validated
here against the catalog. An invalid reply gets one retry that quotes the validation
error. SQL is returned as data: the caller must pass it through the guard before it runs.
Whatever happens, the result is an :class:`LLMInterpretation`, never an exception.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assistant.llm.client import ChatModel, LLMError
from assistant.llm.prompt import Catalog, interpretation_messages, retry_message
from semantic_layer.query import TIME_GRAINS, FilterOp, SemanticQuery, TimeRange

log = logging.getLogger(__name__)

Kind = Literal["semantic_query", "sql", "refusal", "failure"]
_KINDS = ("semantic_query", "sql", "refusal")
MAX_NOTE = 240
_UNREACHABLE = ("timeout", "connection", "rate_limited", "server_error")


class ReplyInvalid(ValueError):
    """The model's reply is not a valid answer; the message says why (it is quoted back to the model)."""


@dataclass(frozen=True)
class LLMInterpretation:
    """What the LLM made of a question. ``note`` is a user-visible sentence for refusals and failures."""

    kind: Kind
    semantic_query: SemanticQuery | None = None
    sql: str | None = None
    note: str = ""
    model: str = ""
    attempts: int = 0

    @property
    def ok(self) -> bool:
        """True when there is a query or SQL to run."""
        return self.kind in ("semantic_query", "sql")


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def semantic_query_schema(metric_names: Sequence[str], dimension_names: Sequence[str]) -> dict[str, Any]:
    """JSON schema of ``SemanticQuery.to_dict()`` with the catalog's names as enums."""
    string = {"type": "string"}
    date = {"type": "string", "description": "YYYY-MM-DD"}
    time_range = _obj({"start": {"anyOf": [date, {"type": "null"}]}, "end": date})
    dims = {"type": "string", "enum": list(dimension_names)}
    return _obj(
        {
            "metrics": {"type": "array", "items": {"type": "string", "enum": list(metric_names)}},
            "dimensions": {"type": "array", "items": dims},
            "filters": {
                "type": "array",
                "items": _obj(
                    {
                        "dimension": dims,
                        "op": {"type": "string", "enum": [op.value for op in FilterOp]},
                        "values": {"type": "array", "items": string},
                    }
                ),
            },
            "time_range": _nullable(time_range),
            "compare_range": _nullable(time_range),
            "order_by": {
                "type": "array",
                "items": _obj({"field": string, "descending": {"type": "boolean"}}),
            },
            "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        }
    )


def answer_schema(catalog: Catalog) -> dict[str, Any]:
    """JSON schema of the whole reply: kind, semantic_query, sql, reason."""
    return _obj(
        {
            "kind": {"type": "string", "enum": list(_KINDS)},
            "semantic_query": _nullable(semantic_query_schema(catalog.metric_names, catalog.dimension_names)),
            "sql": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "reason": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        }
    )


def _json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text`` (tolerates code fences and chatter around it)."""
    start = text.find("{")
    if start < 0:
        raise ReplyInvalid("the reply holds no JSON object")
    try:
        obj, _ = json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError as exc:
        raise ReplyInvalid(f"the reply is not valid JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(obj, dict):
        raise ReplyInvalid("the reply must be a JSON object")
    return obj


def _check_range(name: str, r: TimeRange | None) -> None:
    if r is not None and r.start is not None and r.start >= r.end:
        raise ReplyInvalid(f"{name}.start {r.start} must be before {name}.end {r.end}")


def validate_semantic_query(q: SemanticQuery, catalog: Catalog) -> None:
    """Raise ``ReplyInvalid`` naming the first thing in ``q`` the catalog does not know."""
    metrics, dims = set(catalog.metric_names), set(catalog.dimension_names)
    if not q.metrics:
        raise ReplyInvalid("semantic_query.metrics must name at least one metric")
    for m in q.metrics:
        if m not in metrics:
            raise ReplyInvalid(f"unknown metric {m!r}; use one of: {', '.join(catalog.metric_names)}")
    for d in q.dimensions:
        if d not in dims:
            raise ReplyInvalid(f"unknown dimension {d!r}; use one of: {', '.join(catalog.dimension_names)}")
    for f in q.filters:
        if f.dimension not in dims:
            raise ReplyInvalid(f"unknown filter dimension {f.dimension!r}")
        if not f.values:
            raise ReplyInvalid(f"the filter on {f.dimension!r} has no values")
    by = {m.name: m.by for m in catalog.metrics if m.by is not None}
    for m in q.metrics:
        for d in [*q.dimensions, *(f.dimension for f in q.filters)]:
            if m in by and d not in by[m] and d not in TIME_GRAINS:
                raise ReplyInvalid(
                    f"metric {m!r} cannot be sliced by {d!r}; it can be by: {', '.join(by[m])}"
                )
    for o in q.order_by:
        if o.field not in set(q.metrics) | set(q.dimensions):
            raise ReplyInvalid(f"order_by field {o.field!r} must be one of the query's metrics or dimensions")
    if q.limit is not None and q.limit <= 0:
        raise ReplyInvalid("limit must be a positive integer or null")
    _check_range("time_range", q.time_range)
    _check_range("compare_range", q.compare_range)


def parse_reply(text: str, catalog: Catalog) -> LLMInterpretation:
    """Parse and validate one reply; raises ``ReplyInvalid`` with a reason the model can act on."""
    obj = _json_object(text)
    kind = obj.get("kind") or ("semantic_query" if "metrics" in obj else None)
    if kind not in _KINDS:
        raise ReplyInvalid(f"kind must be one of {', '.join(_KINDS)}, not {kind!r}")
    reason = str(obj.get("reason") or "")[:MAX_NOTE]
    if kind == "refusal":
        return LLMInterpretation("refusal", note=reason or "The language model declined this question.")
    if kind == "sql":
        sql = obj.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise ReplyInvalid("kind sql needs a non-empty sql string")
        return LLMInterpretation("sql", sql=sql.strip(), note=reason)
    raw = obj.get("semantic_query", obj if "metrics" in obj else None)
    if not isinstance(raw, dict):
        raise ReplyInvalid("kind semantic_query needs a semantic_query object")
    try:
        q = SemanticQuery.from_dict(raw)
    except KeyError as exc:
        raise ReplyInvalid(f"semantic_query is missing {exc}") from exc
    except (ValueError, TypeError) as exc:
        raise ReplyInvalid(f"semantic_query is malformed: {exc}") from exc
    validate_semantic_query(q, catalog)
    return LLMInterpretation("semantic_query", semantic_query=q)


def _failure(chat: ChatModel, note: str, attempts: int) -> LLMInterpretation:
    return LLMInterpretation("failure", note=note, model=getattr(chat, "name", ""), attempts=attempts)


def interpret_with_llm(
    chat: ChatModel,
    question: str,
    *,
    context: Sequence[str] = (),
    as_of: dt.date,
    catalog: Catalog,
    previous: SemanticQuery | None = None,
) -> LLMInterpretation:
    """Ask ``chat`` for the semantic query (or SQL) of ``question``; never raises."""
    messages = interpretation_messages(catalog, question, as_of=as_of, context=context, previous=previous)
    schema = answer_schema(catalog)
    name = getattr(chat, "name", "")
    error = ""
    for attempt in (1, 2):
        try:
            reply = chat.complete(messages, json_schema=schema)
        except LLMError as exc:
            log.warning("LLM interpretation failed: %s", exc)
            what = "could not be reached" if exc.reason in _UNREACHABLE else "returned an error"
            return _failure(chat, f"The language model {what} ({exc.reason}).", attempt)
        except Exception as exc:  # a ChatModel must never crash the chat
            log.exception("LLM interpretation crashed")
            return _failure(chat, f"The language model failed ({type(exc).__name__}).", attempt)
        if reply.refusal:
            return LLMInterpretation("refusal", note=reply.refusal[:MAX_NOTE], model=name, attempts=attempt)
        try:
            result = parse_reply(reply.text, catalog)
        except ReplyInvalid as exc:
            log.info("LLM reply invalid (attempt %d): %s", attempt, exc)
            error = str(exc)
            messages = [*messages, {"role": "assistant", "content": reply.text}, retry_message(error)]
            continue
        return LLMInterpretation(
            result.kind, result.semantic_query, result.sql, result.note, model=name, attempts=attempt
        )
    return _failure(chat, f"The language model's answer was not a valid query: {error}", 2)
