"""The built-in interpreter: a question -> a SemanticQuery, or a clarifying question. No LLM.

Steps: tokens -> abbreviations expanded -> typos corrected against the vocabulary ->
time words resolved (:mod:`timeexpr`) -> phrases matched longest first (:mod:`lexicon`)
-> readings resolved with the metric in hand (which dimensions it can be sliced by) ->
a :class:`~semantic_layer.query.SemanticQuery`. When the metric is unknown or the words
fit several readings equally well, the result is a clarification with 2-4 choices.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from assistant.interpret import language
from assistant.interpret.fuzzy import Corrector, english_words
from assistant.interpret.lexicon import Lexicon, Mention, expand, model_phrases, stem_all
from assistant.interpret.readings import Readings, clarify_breakdown, clarify_metric, resolve
from assistant.interpret.text import key, tokens
from assistant.interpret.timeexpr import MONTHS, NUMBERS, ORDINALS, TIME_WORDS, UNITS, TimeParse, parse_time
from assistant.interpret.values import ValueIndex
from semantic_layer.query import SemanticQuery

log = logging.getLogger(__name__)

FORWARD_METRICS = ("upcoming_appointments",)


@dataclass
class Interpretation:
    """What the built-in interpreter made of a question."""

    kind: str  # "query" | "clarify"
    query: SemanticQuery | None = None
    message: str = ""  # the clarifying question (kind clarify) or a note
    choices: tuple[str, ...] = ()
    followup: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    """The raw readings of a question before they become a query."""

    words: list[str]
    stems: list[str]
    time: TimeParse
    mentions: list[Mention]

    def has(self, *words: str) -> bool:
        """True when any of ``words`` is among the question's words (or their stems)."""
        return any(w in self.words or w in self.stems for w in words)

    def unused(self) -> list[tuple[int, str]]:
        """Tokens not taken by time words nor by phrases."""
        taken = set(self.time.used)
        for m in self.mentions:
            taken.update(range(m.start, m.end))
        return [(i, w) for i, w in enumerate(self.words) if i not in taken]


class BuiltinInterpreter:
    """Interprets questions against one semantic model and one value index."""

    def __init__(self, model: Any, values: ValueIndex | None = None) -> None:
        self.model = model
        # weekdays filter the day_of_week grain ("visits on Mondays")
        self.values = (values or ValueIndex()).extended({"day_of_week": language.WEEKDAYS})
        metrics, dims = model_phrases(model)
        self.lexicon = Lexicon.from_parts(metrics, dims, self.values.by_alias(), language.VAGUE_WORDS)
        vocab = self.lexicon.vocabulary() | language.STOPWORDS | set(MONTHS) | set(NUMBERS) | set(UNITS)
        vocab |= (
            TIME_WORDS
            | set(ORDINALS)
            | language.ORDER_DESC
            | language.ORDER_ASC
            | language.ORDER_GOOD
            | language.ORDER_BAD
        )
        vocab |= {w for words in language.METRIC_WORDS.values() for p in words for w in p.split()}
        self.vocab = vocab
        self.corrector_known = english_words() | {"long"}
        self.corrector = Corrector(vocab, known=english_words() - vocab)
        self._dims_for: dict[str, set[str]] = {}

    def dims_for(self, metric: str) -> set[str]:
        """Dimensions ``metric`` can be sliced by (cached)."""
        hit = self._dims_for.get(metric)
        if hit is None:
            try:
                hit = set(self.model.dimensions_for(metric))
            except Exception:  # a model without the lookup: anything goes
                hit = set(self.model.dimensions)
            self._dims_for[metric] = hit
        return hit

    def words(self, question: str) -> list[str]:
        """Tokens with abbreviations expanded and typos corrected."""
        raw = expand(tokens(question))
        out = []
        for i, w in enumerate(raw):
            cands = [w] if w in language.STOPWORDS else self.corrector.candidates(w)
            if len(cands) > 1:  # a tie: the reading that makes a phrase with its neighbours wins
                before = out[-1] if out else ""
                after = raw[i + 1] if i + 1 < len(raw) else ""
                cands = sorted(cands, key=lambda c: -self._fit(before, c, after))
            out.append(cands[0])
        return out

    def _fit(self, before: str, cand: str, after: str) -> int:
        """How well a corrected word fits: 3 in a phrase with a neighbour, 2 a phrase alone, 0 a common word."""
        table = self.lexicon.table
        if key(f"{before} {cand}") in table or key(f"{cand} {after}") in table:
            return 3
        if key(cand) in table:
            return 2
        return 0 if cand in language.STOPWORDS else 1

    def parse(self, question: str, as_of: dt.date, *, forward: bool = False) -> Parsed:
        """Words, time and phrases of ``question``."""
        words = self.words(question)
        stems = stem_all(words)
        named = self._years_in_names(stems)
        time = parse_time(["" if i in named else w for i, w in enumerate(words)], as_of, forward=forward)
        mentions = self.lexicon.match(stems, skip=time.used)
        return Parsed(words, stems, time, mentions)

    def _years_in_names(self, stems: list[str]) -> set[int]:
        """Years that belong to a member's full name ("the Back-to-School Eye Exams 2025 campaign"):
        the time grammar leaves them to the name, so the year names the member, not a period."""
        if not any(len(s) == 4 and s.isdigit() for s in stems):
            return set()
        out: set[int] = set()
        for m in self.lexicon.match(stems):
            if m.kind == "value" and m.end - m.start > 1 and m.targets[0][1] >= 2:
                out.update(i for i in range(m.start, m.end) if len(stems[i]) == 4 and stems[i].isdigit())
        return out

    def names_metric(self, question: str) -> bool:
        """True when ``question`` names a metric outright (for the router)."""
        parsed = self.parse(question, dt.date.today())
        return any(m.kind == "metric" and m.targets[0][1] >= 2 for m in parsed.mentions)

    def interpret(
        self, question: str, as_of: dt.date, previous: SemanticQuery | None = None
    ) -> Interpretation:
        """The semantic query of ``question`` (a follow-up of ``previous`` when it reads as one)."""
        parsed = self.parse(question, as_of)
        readings = resolve(self, parsed, as_of)
        if readings.metrics and readings.metrics[0] in FORWARD_METRICS:
            parsed = self.parse(question, as_of, forward=True)
            readings = resolve(self, parsed, as_of)
        from assistant.interpret.followup import is_followup, merge
        from assistant.interpret.qualifiers import time_words
        from assistant.interpret.unknown import clarify_period, clarify_unknown, unknown_names, unread_periods

        metric = (readings.metrics or (list(previous.metrics) if previous is not None else []) or [None])[0]
        asked = metric and not readings.clarify and not readings.unknown  # unknown breakdowns say so already
        names = unknown_names(self, question, parsed) if asked else []
        if names:
            return clarify_unknown(self, metric, names)
        kind = (
            getattr(getattr(self.model.metrics.get(metric), "type", None), "value", None) if metric else None
        )
        periods = unread_periods(parsed, running_total=kind == "cumulative") if asked else []
        if periods:
            return clarify_period(self, metric, periods, time_words(parsed))
        if previous is not None and is_followup(parsed, readings):
            return merge(self, previous, parsed, readings, as_of)
        if not readings.metrics and not readings.clarify:
            clarify_metric(self, parsed, readings)
        return build(self, readings, as_of)


def build(interp: BuiltinInterpreter, r: Readings, as_of: dt.date) -> Interpretation:
    """A stand-alone interpretation from resolved readings."""
    if r.metrics and r.unknown and not r.clarify:
        clarify_breakdown(interp, r)
    if r.clarify:
        return Interpretation("clarify", message=r.clarify, choices=tuple(r.choices))
    if not r.metrics:
        return Interpretation(
            "clarify", message=r.clarify or "Which number would you like?", choices=tuple(r.choices)
        )
    q = SemanticQuery(
        metrics=tuple(r.metrics),
        dimensions=tuple(r.dimensions),
        filters=tuple(r.filters),
        time_range=r.time_range,
        compare_range=r.compare_range,
        order_by=tuple(r.order_by),
        limit=r.limit,
    )
    return Interpretation("query", q, notes=list(r.notes))
