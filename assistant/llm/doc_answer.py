"""Short answers to document questions: the LLM may only say what a cited passage says.

The model sees the question and the numbered passages (title, date and the already
scrubbed snippet; nothing else) and writes at most three sentences, each ending with the
passage it comes from, ``[1]``. The reply is checked sentence by sentence: each must cite
at least one existing passage, and every number, ordinal and month name in it must be
written in one of the passages it cites (within the rounding it is written with, as in
:mod:`assistant.llm.grounding`). One failing sentence, a refusal or any LLM failure
makes the whole answer fall back to the built-in documents narrative, with a note; it
never raises.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.documents import cite, split_sentences
from assistant.llm.client import ChatModel, LLMError
from assistant.llm.grounding import TextNumber, extract_numbers

log = logging.getLogger(__name__)

MAX_SENTENCES = 3
NO_ANSWER = "NO_ANSWER"

DOC_ANSWER_RULES = f"""You answer a question from the staff of an eye-care practice using only the
numbered passages from the practice's own documents given below.
Reply with at most {MAX_SENTENCES} short sentences of plain text (no Markdown, no lists, no heading).
End every sentence with the number of the passage it comes from in square brackets, like [1]
or [2] (or [1][2] when it uses two). State only what the cited passage says: every number and
date you write must be written in that passage. Do not guess causes, add advice or use other
knowledge. If the passages do not answer the question, reply exactly {NO_ANSWER}."""

_CITE = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_ONLY_CITES = re.compile(r"^(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+\s*[.!?]?\s*$")
_ORDINAL = re.compile(r"(?<![\w.])(\d+)(?:st|nd|rd|th)\b")
_ISO_MONTH = re.compile(r"\b\d{4}-(\d{2})(?:-\d{2})?\b")
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
_MONTH_WORD = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?"
)
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip  # "one" is a pronoun as often as a number: only passages may use it
_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r"|one)\b", re.I)


@dataclass(frozen=True)
class GroundedDocAnswer:
    """The narrative to show, whether it is the LLM's short answer, and why not if it is not."""

    text: str
    used: bool
    note: str = ""
    cited: tuple[int, ...] = ()  # 1-based passage numbers the short answer cites


def _passage_text(hit: dict[str, Any]) -> str:
    """Exactly what the model sees of one passage: title, date, snippet."""
    head = str(hit.get("title") or "Untitled")
    if hit.get("date"):
        head += f" ({hit['date']})"
    return f"{head}\n{hit.get('snippet') or ''}"


def doc_answer_messages(question: str, hits: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The messages asking for a short cited answer to ``question`` from the numbered ``hits``."""
    block = "\n\n".join(f"[{i}] {_passage_text(h)}" for i, h in enumerate(hits, 1))
    user = f"Passages:\n{block}\n\nQuestion: {question}"
    return [{"role": "system", "content": DOC_ANSWER_RULES}, {"role": "user", "content": user}]


def _numbers(text: str, *, words_one: bool) -> list[TextNumber]:
    out = extract_numbers(text)
    out += [TextNumber(m.group(0), float(m.group(1)), 0.5, False) for m in _ORDINAL.finditer(text)]
    for m in _WORD.finditer(text):
        word = m.group(1).lower()
        if word == "one" and not words_one:
            continue
        out.append(TextNumber(m.group(0), float(_NUMBER_WORDS.get(word, 1)), 1e-9, False))
    return out


def _months(text: str) -> set[int]:
    found = {_month_index(m.group(1)) for m in _MONTH_WORD.finditer(text)}
    return found | {int(m.group(1)) for m in _ISO_MONTH.finditer(text) if 1 <= int(m.group(1)) <= 12}


def _month_index(word: str) -> int:
    return next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(word.lower()[:3]))


def unsupported(sentence: str, passages: Sequence[str]) -> list[str]:
    """Numbers, ordinals and month names of ``sentence`` that none of ``passages`` writes."""
    support = "\n".join(passages)
    values = _numbers(support, words_one=True)
    missing = []
    for n in _numbers(sentence, words_one=False):
        if not any(n.matches(v.value) and (v.percent or not n.percent) for v in values):
            missing.append(n.raw)
    months = _months(support)
    for m in _MONTH_WORD.finditer(sentence):
        at_start = m.start() == 0 or sentence[m.start() - 1] in "\"'("
        if m.group(1) == "May" and at_start and not re.search(r"\d", sentence[m.end() : m.end() + 6]):
            continue  # "May we ..." at a sentence start: a verb, not a month
        if _month_index(m.group(1)) not in months:
            missing.append(m.group(0))
    return missing


def split_answer(text: str) -> list[str]:
    """The reply's sentences; a citation left alone after a full stop joins the sentence before it."""
    out: list[str] = []
    for piece in split_sentences(text):
        piece = piece.lstrip("-*\u2022 ").strip()
        if out and _ONLY_CITES.match(piece):
            out[-1] = f"{out[-1]} {piece}"
        elif piece:
            out.append(piece)
    return out


def check_answer(text: str, hits: Sequence[dict[str, Any]]) -> tuple[tuple[int, ...], str]:
    """(passage numbers cited, problem); an empty problem means every sentence is grounded."""
    sentences = split_answer(text)
    if not sentences:
        return (), "the language model gave no text"
    if len(sentences) > MAX_SENTENCES:
        return (), f"the answer has {len(sentences)} sentences (at most {MAX_SENTENCES})"
    cited: list[int] = []
    for s in sentences:
        nums = [int(n) for group in _CITE.findall(s) for n in re.split(r"\s*[,;]\s*", group)]
        if not nums:
            return (), f"a sentence cites no passage: \u201c{s}\u201d"
        bad = [n for n in nums if not 1 <= n <= len(hits)]
        if bad:
            return (), f"a sentence cites passage [{bad[0]}], which does not exist"
        missing = unsupported(_CITE.sub(" ", s), [_passage_text(hits[n - 1]) for n in nums])
        if missing:
            return (), "not in the cited passage: " + ", ".join(missing)
        cited += [n for n in nums if n not in cited]
    return tuple(cited), ""


def _with_sources(answer: str, hits: Sequence[dict[str, Any]], cited: Sequence[int]) -> str:
    sources = "; ".join(f"[{n}] {cite(hits[n - 1])}" for n in sorted(cited))
    return f"{answer}\n\nSources: {sources}"


def answer_from_passages(
    chat: ChatModel, question: str, hits: Sequence[dict[str, Any]], *, fallback: str = ""
) -> GroundedDocAnswer:
    """A short answer citing ``hits`` when every sentence is grounded, else ``fallback`` and a note.

    ``hits`` are the passages of a documents answer (``title``, ``date``, ``page``,
    ``section``, ``snippet``); the text of a used answer ends with its sources. Never raises.
    """

    def fall(note: str) -> GroundedDocAnswer:
        return GroundedDocAnswer(fallback, False, f"short answer not used: {note}" if note else "")

    if not hits:
        return fall("")
    try:
        reply = chat.complete(doc_answer_messages(question, hits))
    except LLMError as exc:
        return fall(f"the language model failed ({exc.reason})")
    except Exception as exc:  # a ChatModel must never crash the chat
        log.exception("document answer crashed")
        return fall(f"the language model failed ({type(exc).__name__})")
    text = (reply.text or "").strip()
    if reply.refusal:
        return fall("the language model declined")
    if text.strip(" .").upper() == NO_ANSWER:
        return fall("the language model found no answer in the passages")
    cited, problem = check_answer(text, hits)
    if problem:
        log.info("document answer rejected: %s", problem)
        return fall(problem)
    answer = " ".join(split_answer(text))
    return GroundedDocAnswer(_with_sources(answer, hits, cited), True, "", cited)


def grounded_narrative(
    chat: ChatModel, question: str, hits: Sequence[dict[str, Any]], builtin: str
) -> tuple[str, str]:
    """(narrative, interpreter) of a documents answer: the LLM's short answer ("llm"), or ``builtin`` with the note."""
    got = answer_from_passages(chat, question, hits, fallback=builtin)
    if got.used:
        return got.text, "llm"
    return (f"{builtin} ({got.note})" if got.note else builtin), "builtin"
