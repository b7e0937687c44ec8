"""The lexicon: phrases of the semantic model (metrics, dimensions, member values) and a matcher.

Built once per model and value index from the model's names, labels and synonyms plus
the everyday words of :mod:`assistant.interpret.language`. Matching is longest phrase
first over stemmed tokens, left to right; each match says what it may refer to (a phrase
can name a metric, a dimension, or members of several dimensions: the interpreter picks
with the metric in hand).

>>> lex = Lexicon.from_parts({"no_show_rate": ["no-show rate"]}, {"location": ["office"]}, {})
>>> [(m.kind, m.targets) for m in lex.match("no show rate by office".split())]
[('metric', (('no_show_rate', 2),)), ('dimension', (('location', 2),))]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.interpret import language
from assistant.interpret import qualifier_words as qw
from assistant.interpret.spelling import normalise_all
from assistant.interpret.text import key, stem, tokens

MAX_WORDS = 6
KIND_RANK = {"metric": 4, "dimension": 3, "value": 2, "vague": 1}


@dataclass(frozen=True)
class Mention:
    """A phrase found in the question: its kind, candidate targets and token span."""

    kind: str  # metric | dimension | value | vague
    targets: tuple[tuple[Any, int], ...]  # (target, priority): metric/dimension name or (dimension, member)
    start: int
    end: int
    phrase: str


@dataclass
class Lexicon:
    """Phrase key -> {kind: {target: priority}}."""

    table: dict[str, dict[str, dict[Any, int]]] = field(default_factory=dict)

    def add(self, phrase: str, kind: str, target: Any, priority: int = 2) -> None:
        """Register ``phrase`` as naming ``target`` (a higher priority wins ties)."""
        k = key(phrase)
        if not k:
            return
        slot = self.table.setdefault(k, {}).setdefault(kind, {})
        slot[target] = max(priority, slot.get(target, 0))

    @classmethod
    def from_parts(
        cls,
        metrics: Mapping[str, Iterable[str]],
        dimensions: Mapping[str, Iterable[str]],
        values: Mapping[str, Iterable[tuple[str, str, int]]],
        vague: Mapping[str, Iterable[str]] | None = None,
    ) -> Lexicon:
        """A lexicon from phrase lists: metric -> phrases, dimension -> phrases, phrase -> (dim, member, prio)."""
        lex = cls()
        for name, phrases in metrics.items():
            lex.add(name.replace("_", " "), "metric", name)
            for p in phrases:
                lex.add(p, "metric", name, 1 if len(p.split()) == 1 and p != name else 2)
        for name, phrases in dimensions.items():
            lex.add(name.replace("_", " "), "dimension", name)
            for p in phrases:
                lex.add(p, "dimension", name)
        for phrase, members in values.items():
            for dim, member, prio in members:
                lex.add(phrase, "value", (dim, member), prio)
        for word, _ in (vague or {}).items():
            lex.add(word, "vague", word)
        return lex

    def vocabulary(self) -> set[str]:
        """Every word of every full phrase (for the spelling corrector), with plural forms.

        Partial spellings (a first name alone) are left out: a typo is only ever read as a
        word people write in full."""
        words: set[str] = set()
        for k, kinds in self.table.items():
            if max(p for targets in kinds.values() for p in targets.values()) < 2:
                continue
            for w in k.split():
                words.update((w, w + "s", w + "es"))
        return words

    def match(self, stems: list[str], skip: set[int] | None = None) -> list[Mention]:
        """The phrases of ``stems`` that cover the most words; tokens in ``skip`` (time words) break phrases.

        Longest first, left to right, unless a shorter phrase lets the next words make one
        too: "annual exam recall compliance" is the member "annual exam" and the metric
        "recall compliance", not the member "annual exam recall" and a stray word.
        """
        skip = skip or set()
        out: list[Mention] = []
        for i, size in self._segments(stems, skip):
            entry = self.table[" ".join(stems[i : i + size])]
            phrase = " ".join(stems[i : i + size])
            top = {k: max(v.values()) for k, v in entry.items()}
            kinds = sorted(entry, key=lambda k: (-top[k], -KIND_RANK[k]))[:1]
            if "metric" in entry and top["metric"] >= max(top.values()):
                kinds = ["metric"]
            for kind in kinds:
                targets = tuple(sorted(entry[kind].items(), key=lambda kv: -kv[1]))
                out.append(Mention(kind, targets, i, i + size, phrase))
                if kind in ("metric", "dimension") and size > 1:
                    out += self._qualifiers(stems, i, i + size, targets[0][0])
        return out

    def _segments(self, stems: list[str], skip: set[int]) -> list[tuple[int, int]]:
        """(start, size) of the phrases that cover the most words, fewest phrases, longest first."""
        n = len(stems)
        # best[i] = (words covered, -phrases, the first phrase's size) from token i on, and its phrases
        best: list[tuple[tuple[int, int, int], list[tuple[int, int]]]] = [((0, 0, 0), [])] * (n + 1)
        for i in range(n - 1, -1, -1):
            cands = [((best[i + 1][0][0], best[i + 1][0][1], 0), best[i + 1][1])]
            if i not in skip:
                for size in range(min(MAX_WORDS, n - i), 0, -1):
                    if any(j in skip for j in range(i, i + size)):
                        continue
                    if " ".join(stems[i : i + size]) in self.table:
                        (cov, neg, _), rest = best[i + size]
                        cands.append(((cov + size, neg - 1, size), [(i, size), *rest]))
            best[i] = max(cands, key=lambda c: c[0])
        return best[0][1]

    def _qualifiers(self, stems: list[str], start: int, end: int, name: str) -> list[Mention]:
        """Values inside a longer name: "email open rate" is the open rate of emails."""
        name_words = key(name.replace("_", " ")).split()
        words = stems[start:end]
        if not set(name_words) <= set(words):
            return []
        out = []
        for i in range(start, end):
            if stems[i] in name_words:
                continue
            values = self.table.get(stems[i], {}).get("value", {})
            best = {t: p for t, p in values.items() if p >= 2}
            if best:
                out.append(Mention("value", tuple(best.items()), i, i + 1, stems[i]))
        return out


def model_phrases(model: Any) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Metric and dimension phrases: the model's own plus the built-in language for names it has."""
    metrics: dict[str, list[str]] = {}
    for name, m in model.metrics.items():
        phrases = [name.replace("_", " "), getattr(m, "label", "") or "", *getattr(m, "synonyms", ())]
        phrases += language.METRIC_WORDS.get(name, ())
        metrics[name] = [p for p in phrases if p]
    _per_phrases(model, metrics)
    dims: dict[str, list[str]] = {}
    for name, d in model.dimensions.items():
        phrases = [name.replace("_", " "), getattr(d, "label", "") or "", *getattr(d, "synonyms", ())]
        for concept, words in language.DIMENSION_WORDS.items():
            if name == concept or name in language.DIMENSION_ALIASES.get(concept, ()):
                phrases += words
        dims[name] = [p for p in phrases if p]
    _drop_shared_single_words(dims)
    return metrics, dims


def _per_phrases(model: Any, metrics: dict[str, list[str]]) -> None:
    """A derived "A per B" metric also answers to every noun phrase of A before its "per ...".

    "revenue per exam" is a synonym, so "production per exam" and "gross revenue per
    patient" are the same metric: the numerator's own words compose with the
    denominators the metric's phrases already name.
    """
    for name, m in model.metrics.items():
        parts = getattr(m, "components", ())
        if len(parts) != 2 or parts[0] not in metrics:
            continue
        rights = {p.split(" per ", 1)[1] for p in metrics[name] if " per " in p}
        lefts = [p for p in metrics[parts[0]] if not set(p.split()) & qw.VERB_WORDS]
        metrics[name] += [f"{left} per {right}" for left in lefts for right in sorted(rights)]


def _drop_shared_single_words(dims: dict[str, list[str]]) -> None:
    """A one-word phrase claimed by several dimensions stays with the one whose name it is."""
    owners: dict[str, list[str]] = {}
    for name, phrases in dims.items():
        for p in {key(p) for p in phrases}:
            owners.setdefault(p, []).append(name)
    for p, names in owners.items():
        if len(names) > 1:
            keep = next((n for n in names if key(n.replace("_", " ")) == p), None)
            if keep is None:
                pref = [n for n in language.DIMENSION_PREFERENCE if n in names]
                keep = pref[0] if pref else names[0]
            for n in names:
                if n != keep:
                    dims[n] = [x for x in dims[n] if key(x) != p]


def expand(words: list[str]) -> list[str]:
    """Spelling variants normalised, then the abbreviation expansions ("cl" -> "contact lens")."""
    out: list[str] = []
    for w in normalise_all(words):
        out.extend(language.EXPANSIONS.get(w, (w,)))
    return out


def stem_all(words: list[str]) -> list[str]:
    """``stem`` of each word."""
    return [stem(w) for w in words]


__all__ = ["Lexicon", "Mention", "model_phrases", "expand", "stem_all", "tokens"]
