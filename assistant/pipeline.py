"""One turn, end to end: route -> interpret -> compile -> guard -> execute -> narrative + chart.

``answer_question`` returns an :class:`Answer` whose ``to_json()`` is exactly the JSON of
``acuity ask --json`` (architecture.md). The semantic model, the value index, the
interpreter and the executor are built once per warehouse file and shared (thread-safe).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.router import route

log = logging.getLogger(__name__)

JSON_KEYS = (
    "kind", "question", "semantic_query", "sql", "columns", "rows", "narrative", "chart", "choices",
    "citations", "interpreter", "elapsed_ms",
)  # fmt: skip


@dataclass
class Answer:
    """The answer to one turn (kind answer | clarify | refuse | documents)."""

    kind: str
    question: str
    semantic_query: dict[str, Any] | None = None
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    narrative: str = ""
    chart: dict[str, Any] | None = None
    choices: list[str] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    interpreter: str = "builtin"
    elapsed_ms: float = 0.0
    truncated: bool = False
    passages: list[dict[str, Any]] = field(default_factory=list)  # document hits, for the UI

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``acuity ask --json`` (exactly its keys)."""
        return {
            "kind": self.kind,
            "question": self.question,
            "semantic_query": self.semantic_query,
            "sql": self.sql,
            "columns": list(self.columns),
            "rows": [[json_cell(v) for v in r] for r in self.rows],
            "narrative": self.narrative,
            "chart": json_safe(self.chart),
            "choices": list(self.choices),
            "citations": json_safe(self.citations),
            "interpreter": self.interpreter,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def json_cell(v: Any) -> Any:
    """A result cell as a plain JSON value: dates ISO, Decimals float, NaN null."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    return str(v)


def json_safe(obj: Any) -> Any:
    """``obj`` with every leaf made JSON-safe."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return json_cell(obj)


# ---------------------------------------------------------------- shared engine per warehouse


class Engine:
    """The model, value index, interpreter and executor of one warehouse file."""

    def __init__(self, db_path: Path, *, timeout_s: float, max_rows: int) -> None:
        from assistant.interpret.builtin import BuiltinInterpreter
        from assistant.interpret.values import load_value_index
        from semantic_layer.execute import Executor, connection_config
        from semantic_layer.model import load_model

        self.db_path = db_path
        self.model = load_model()
        self.executor = Executor(db_path, timeout_s=timeout_s, max_rows=max_rows)
        self.max_rows = max_rows
        self.catalog = self.model.catalog()
        # member lists are the model's own queries (no user input): read on a connection
        # configured like the executor's, so that one process opens the file one way only
        self.values = load_value_index(self.model, db_path, config=connection_config(timeout_s))
        self.interpreter = BuiltinInterpreter(self.model, self.values)
        self.rollups = _load_rollups(self.model, db_path, connection_config(timeout_s))
        self._prepared: OrderedDict[tuple[str, Any], Any] = OrderedDict()
        self._prepared_lock = threading.Lock()
        self.data_ends: dict[tuple[Any, ...], dt.date | None] = {}  # last day with data, per metric and end

    def prepare(self, q: Any, access: Any) -> Any:
        """The guarded statement answering ``q`` for ``access`` (compiled and guarded once, then cached).

        Compiling and guarding are pure functions of (model, query, access), so the result
        is kept (an LRU of 512); the executor still runs it on the current data."""
        from semantic_layer.compile import compile_query, to_sql
        from semantic_layer.guard import guard_sql

        key = (json.dumps(q.to_dict(), sort_keys=True), access)
        with self._prepared_lock:
            hit = self._prepared.get(key)
            if hit is not None:
                self._prepared.move_to_end(key)
                return hit
        rollups = tuple(r for r in self.rollups if r.usable_by(access))
        tree = compile_query(self.model, q, allowed_metrics=access.allowed_metrics, rollups=rollups)
        catalog = {**self.catalog, **{r.name: r.catalog_columns(access) for r in rollups}}
        # the guard re-parses the rendered SQL: what it checks is exactly the text that runs
        guarded = guard_sql(to_sql(tree, "duckdb"), catalog=catalog, access=access, max_rows=self.max_rows)
        with self._prepared_lock:
            self._prepared[key] = guarded
            while len(self._prepared) > 512:
                self._prepared.popitem(last=False)
        return guarded


def _load_rollups(model: Any, db_path: Path, config: dict[str, Any]) -> tuple[Any, ...]:
    """The warehouse's up-to-date rollups (semantic_layer/rollup.py); none when it cannot be read."""
    import duckdb

    from semantic_layer.rollup import available_rollups

    try:
        con = duckdb.connect(str(db_path), read_only=True, config=config)
    except duckdb.Error as exc:
        log.warning("rollups not read from %s: %s", db_path, exc)
        return ()
    try:
        return tuple(available_rollups(model, con))
    finally:
        con.close()


_ENGINES: dict[tuple[str, float, float, int], Engine] = {}
_LOCK = threading.Lock()


def get_engine(db_path: str | Path, *, timeout_s: float = 10, max_rows: int = 5000) -> Engine:
    """The shared :class:`Engine` of ``db_path`` (rebuilt when the file changes)."""
    path = Path(db_path)
    if not path.is_file():
        from semantic_layer.execute import WarehouseUnavailable

        raise WarehouseUnavailable(f"no warehouse at {path}; run `acuity demo` and `acuity ingest` first")
    stamp = (str(path.resolve()), path.stat().st_mtime, float(timeout_s), int(max_rows))
    with _LOCK:
        eng = _ENGINES.get(stamp)
        if eng is None:
            for k in [k for k in _ENGINES if k[0] == stamp[0]]:
                _ENGINES.pop(k).executor.close()
            eng = _ENGINES[stamp] = Engine(path, timeout_s=timeout_s, max_rows=max_rows)
        return eng


def _configured_chat(settings: Any) -> Any:
    """The LLM the settings configure, or None (imports the LLM client only when one is set)."""
    if settings is None or not getattr(settings, "llm_enabled", False):
        return None
    from assistant.llm.client import shared_chat_model

    return shared_chat_model(settings)


def close_engines() -> None:
    """Close every shared engine's warehouse connection (the CLI calls this before exiting)."""
    with _LOCK:
        for eng in _ENGINES.values():
            eng.executor.close()
        _ENGINES.clear()


# ---------------------------------------------------------------- one turn


def answer_question(
    question: str,
    *,
    db_path: str | Path,
    context: Sequence[str] = (),
    as_of: dt.date | str | None = None,
    role: str = "owner",
    location_ids: Sequence[str] | None = None,
    settings: Any = None,
    index_path: str | Path | None = None,
    chat: Any = None,
) -> Answer:
    """Answer ``question`` (with earlier turns ``context``) as ``role``; never raises for bad questions.

    ``as_of`` ("today" for relative dates) is a date or an ISO ``YYYY-MM-DD`` string; a
    string that is not a date raises ValueError naming it.

    ``chat`` is the LLM (a ``ChatModel``); by default the one ``settings`` configure, if any.
    The built-in interpreter answers first and the LLM takes what it is not sure of, or the
    LLM goes first with ``settings.llm_first``; declining stays with the router."""
    from assistant.pipeline_steps import answer_turn

    t0 = time.perf_counter()
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            raise ValueError(f"as_of {as_of!r} is not a date (YYYY-MM-DD)") from None
    elif isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    as_of = as_of or (settings.today() if hasattr(settings, "today") else dt.date.today())
    timeout = getattr(settings, "query_timeout_s", 10)
    max_rows = getattr(settings, "max_rows", 5000)
    if index_path is None and settings is not None:
        index_path = getattr(settings, "index_path", None)
    r = route(question)
    if r.kind == "refuse":
        ans = Answer("refuse", question, narrative=r.reason)
    else:
        engine = get_engine(db_path, timeout_s=timeout, max_rows=max_rows)
        if r.kind in ("kpi", "documents", "both"):
            r = route(question, knows_metric=engine.interpreter.names_metric)
        ans = answer_turn(
            engine,
            question,
            r,
            context=context,
            as_of=as_of,
            role=role,
            location_ids=location_ids,
            index_path=Path(index_path) if index_path else None,
            small_cells=getattr(settings, "small_cell_suppression", True),
            chat=chat if chat is not None else _configured_chat(settings),
            llm_first=bool(getattr(settings, "llm_first", False)),
        )
    ans.elapsed_ms = (time.perf_counter() - t0) * 1000
    return ans
