"""Score a scrubber on an annotated corpus of free-text notes (recall, precision, survivals).

The corpus is a YAML file (see ``tests/ingest/fixtures/notes/corpus.yaml``): a list of
``patients`` (first, last) given to the scrubber as known names, and ``notes``, each with
``text``, ``split`` (``dev`` or ``heldout``), ``remove`` (identifier strings that must
not appear in the output) and ``keep`` (strings that must still appear). Matching is
case-sensitive and whole-word, so ``Rose`` (a name) and ``rose`` (a verb) are distinct.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_TOKEN = re.compile(r"\w+(?:['’.-]\w+)*?(?=['’]s\b|[^\w'’.-]|['’.-](?!\w)|$)")


@dataclass(frozen=True)
class Note:
    """One annotated note of the corpus."""

    id: str
    split: str
    kind: str
    text: str
    remove: tuple[str, ...]
    keep: tuple[str, ...]


@dataclass(frozen=True)
class Corpus:
    """The notes and the known patient names they are scrubbed with."""

    patients: tuple[tuple[str, str], ...]
    notes: tuple[Note, ...]

    @property
    def known_names(self) -> list[str]:
        """Every first and last name of the patients, as ingestion passes them."""
        return [part for pair in self.patients for part in pair]

    def split(self, name: str) -> tuple[Note, ...]:
        """The notes of one split (``dev`` or ``heldout``)."""
        return tuple(n for n in self.notes if n.split == name)


@dataclass
class Score:
    """Recall on identifiers, survival of must-keep strings, token precision."""

    identifiers: int = 0
    removed: int = 0
    keeps: int = 0
    kept: int = 0
    tokens_removed: int = 0
    tokens_removed_correctly: int = 0
    leaks: list[tuple[str, str]] = field(default_factory=list)
    lost: list[tuple[str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of annotated identifiers that no longer appear."""
        return self.removed / self.identifiers if self.identifiers else 1.0

    @property
    def keep_rate(self) -> float:
        """Share of must-keep strings that still appear."""
        return self.kept / self.keeps if self.keeps else 1.0

    @property
    def precision(self) -> float:
        """Share of removed word tokens that belonged to an annotated identifier."""
        return self.tokens_removed_correctly / self.tokens_removed if self.tokens_removed else 1.0

    def summary(self) -> str:
        """One line with the three figures."""
        return (
            f"recall {self.recall:.3f} ({self.removed}/{self.identifiers}), "
            f"token precision {self.precision:.3f}, keep {self.keep_rate:.3f} ({self.kept}/{self.keeps})"
        )


def load_corpus(path: str | Path) -> Corpus:
    """Read an annotated corpus YAML file."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    notes = tuple(
        Note(
            id=str(n["id"]),
            split=str(n["split"]),
            kind=str(n.get("kind", "")),
            text=str(n["text"]),
            remove=tuple(str(x) for x in n.get("remove") or ()),
            keep=tuple(str(x) for x in n.get("keep") or ()),
        )
        for n in data["notes"]
    )
    patients = tuple((str(a), str(b)) for a, b in data.get("patients") or ())
    return Corpus(patients=patients, notes=notes)


def contains(text: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``text`` as a whole word (case-sensitive)."""
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", text) is not None


def score_outputs(notes: Iterable[Note], outputs: Iterable[str]) -> Score:
    """Score scrubbed ``outputs`` against the annotations of ``notes`` (same order)."""
    score = Score()
    for note, out in zip(notes, outputs, strict=True):
        for item in note.remove:
            score.identifiers += 1
            if contains(out, item):
                score.leaks.append((note.id, item))
            else:
                score.removed += 1
        for item in note.keep:
            score.keeps += 1
            if contains(out, item):
                score.kept += 1
            else:
                score.lost.append((note.id, item))
        identifier_tokens = {t for item in note.remove for t in _TOKEN.findall(item)}
        before, after = _TOKEN.findall(note.text), _TOKEN.findall(out)
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
            if tag in ("delete", "replace"):
                for tok in before[i1:i2]:
                    score.tokens_removed += 1
                    score.tokens_removed_correctly += tok in identifier_tokens
    return score


def evaluate(scrub: Callable[[str], str], notes: Iterable[Note]) -> Score:
    """Run ``scrub`` on every note and score the outputs."""
    notes = tuple(notes)
    return score_outputs(notes, [scrub(n.text) for n in notes])
