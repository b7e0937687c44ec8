"""Narrative polishing: an LLM may rewrite the built-in narrative, if every number stays grounded.

The model sees only the built-in narrative and the aggregate result (column names and
at most ``MAX_PROMPT_ROWS`` rows); a result with a patient-level column is never sent.
The rewrite is kept only when :mod:`assistant.llm.grounding` finds every number in it;
otherwise, and on any failure, the built-in narrative stands. Streaming is gated by
sentence: a sentence reaches the UI only after its numbers are checked, so an
ungrounded number is never shown.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.llm.client import ChatModel, LLMError
from assistant.llm.grounding import Grounding

log = logging.getLogger(__name__)

MAX_PROMPT_ROWS = 50
_PATIENT_COLUMN = re.compile(
    r"patient_(key|id)|zip|postal|birth|dob|mrn|phone|email|address|first_name|last_name|_key$", re.I
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

POLISH_RULES = """You edit a short analytics narrative for an eye-care practice manager.
Rewrite the draft so it reads clearly and naturally, in at most four sentences of plain text
(no Markdown, no lists). Use only numbers that appear in the draft or the data, written with the
same precision or rounder; you may state the difference or percent change of two numbers in
the data, nothing else. Do not speculate about causes. Reply with the narrative only."""


@dataclass(frozen=True)
class Polished:
    """The narrative to show, whether it is the LLM's rewrite, and why not if it is not."""

    text: str
    polished: bool
    note: str = ""


def _cell(v: Any) -> Any:
    if isinstance(v, float):
        return float(f"{v:.6g}")
    if isinstance(v, decimal.Decimal):
        return float(f"{float(v):.6g}")
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    return v


def patient_level_columns(columns: Sequence[str]) -> list[str]:
    """Columns whose names suggest patient-level data (never sent to a model)."""
    return [c for c in columns if _PATIENT_COLUMN.search(str(c))]


def polish_messages(
    narrative: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[dict[str, str]]:
    """The messages asking for a rewrite of ``narrative`` over the aggregate result."""
    shown = [[_cell(v) for v in row] for row in rows[:MAX_PROMPT_ROWS]]
    data = {"columns": list(columns), "rows": shown}
    if len(rows) > MAX_PROMPT_ROWS:
        data["rows_not_shown"] = len(rows) - MAX_PROMPT_ROWS
    user = f"Draft:\n{narrative}\n\nData (JSON):\n{json.dumps(data, default=str)}"
    return [{"role": "system", "content": POLISH_RULES}, {"role": "user", "content": user}]


def _refuse_reason(columns: Sequence[str]) -> str:
    cols = patient_level_columns(columns)
    return f"not sent to the language model: patient-level column(s) {', '.join(cols)}" if cols else ""


def polish(
    chat: ChatModel, narrative: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> Polished:
    """The LLM's rewrite of ``narrative`` when grounded, else the original with a note; never raises."""
    reason = _refuse_reason(columns)
    if reason or not narrative.strip():
        return Polished(narrative, False, reason)
    try:
        reply = chat.complete(polish_messages(narrative, columns, rows))
    except LLMError as exc:
        return Polished(narrative, False, f"narrative not polished: the language model failed ({exc.reason})")
    except Exception as exc:  # a ChatModel must never crash the chat
        log.exception("narrative polishing crashed")
        return Polished(narrative, False, f"narrative not polished ({type(exc).__name__})")
    text = (reply.text or "").strip()
    if reply.refusal or not text:
        return Polished(narrative, False, "narrative not polished: the language model gave no text")
    missing = Grounding(rows, [narrative]).ungrounded(text)
    if missing:
        log.info("polished narrative rejected, ungrounded numbers: %s", missing)
        return Polished(
            narrative, False, "narrative not polished: numbers not in the result: " + ", ".join(missing)
        )
    return Polished(text, True)


def polish_narrative(
    chat: ChatModel, narrative: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> str:
    """The grounded rewrite of ``narrative``, or ``narrative`` itself."""
    return polish(chat, narrative, columns, rows).text


class PolishStream:
    """Iterate for checked sentence chunks; afterwards ``text``/``polished``/``note`` say what to show.

    If a sentence fails the check or the stream breaks, iteration stops and ``text`` is
    the built-in narrative: the UI then replaces what it streamed with ``text``.
    """

    def __init__(
        self, chat: ChatModel, narrative: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ):
        self._chat, self._narrative = chat, narrative
        self._columns, self._rows = columns, rows
        self.text = narrative
        self.polished = False
        self.note = ""

    def _fail(self, note: str) -> None:
        self.text, self.polished, self.note = self._narrative, False, note

    def __iter__(self) -> Iterator[str]:
        reason = _refuse_reason(self._columns)
        if reason or not self._narrative.strip():
            self._fail(reason)
            return
        grounding = Grounding(self._rows, [self._narrative])
        shown: list[str] = []
        buffer = ""
        try:
            for piece in self._chat.stream(polish_messages(self._narrative, self._columns, self._rows)):
                buffer += piece
                *done, buffer = _SENTENCE_END.split(buffer)
                for sentence in done:
                    if not self._accept(grounding, sentence):
                        return
                    shown.append(sentence)
                    yield sentence + " "
        except LLMError as exc:
            self._fail(f"narrative not polished: the language model failed ({exc.reason})")
            return
        except Exception as exc:  # a ChatModel must never crash the chat
            log.exception("narrative stream crashed")
            self._fail(f"narrative not polished ({type(exc).__name__})")
            return
        if buffer.strip():
            if not self._accept(grounding, buffer):
                return
            shown.append(buffer.strip())
            yield buffer.strip()
        if not shown:
            self._fail("narrative not polished: the language model gave no text")
            return
        self.text, self.polished, self.note = " ".join(shown), True, ""

    def _accept(self, grounding: Grounding, sentence: str) -> bool:
        missing = grounding.ungrounded(sentence)
        if missing:
            self._fail("narrative not polished: numbers not in the result: " + ", ".join(missing))
        return not missing


def stream_polish(
    chat: ChatModel, narrative: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> PolishStream:
    """A :class:`PolishStream` of the rewrite (for ``st.write_stream``); read ``.text`` after it ends."""
    return PolishStream(chat, narrative, columns, rows)
