"""Keyword search: a small BM25 (Okapi) index over chunks, persisted beside the Chroma store.

DuckDB's ``fts`` extension cannot be installed offline, so this is our own: an inverted
index held as numpy arrays (one postings list per term), saved as ``.npz`` plus a JSON
file of chunk ids and the vocabulary. Scoring a query touches only its terms' postings.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_STOPWORDS_TEXT = """a about above after again all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my no nor not of
off on once only or other our ours out over own same she should so some such than that the their theirs
them then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours us get got what's whats anything something tell
find give"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
# Compounds written with a space, a hyphen or nothing ("no show", "no-show", "noshow") become one token.
_COMPOUNDS = re.compile(
    r"\b(no|walk|check|follow|e|pre|re)[\s-]+(shows?|ins?|ups?|mails?|auths?|authorizations?)\b"
)
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:['’][a-z]+)?")
_SUFFIXES = (
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "edly",
    "ies",
    "ied",
    "ers",
    "er",
    "ed",
    "es",
    "s",
)


def stem(word: str) -> str:
    """A light suffix-stripping stemmer: ``rescheduled`` and ``reschedules`` -> ``reschedul``."""
    w = word.replace("’", "'").split("'")[0]
    if len(w) <= 3 or w.isdigit():
        return w
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            if suf in ("ies", "ied"):
                w += "y"
            elif len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsfz":  # shipp(ing) -> ship
                w = w[:-1]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed word tokens (``no-shows`` gives ``noshow`` and ``show``)."""
    out: list[str] = []
    for word in _WORD.findall(_COMPOUNDS.sub(r"\1\2", text.lower())):
        parts = word.split("-")
        if len(parts) > 1:
            out.append(stem("".join(parts)))
        out.extend(stem(p) for p in parts if p and p not in STOPWORDS)
    return out


@dataclass
class KeywordIndex:
    """A BM25 index over chunk texts; rows are addressed by chunk id."""

    ids: list[str]
    vocab: dict[str, int]
    indptr: np.ndarray  # postings of term t: rows[indptr[t]:indptr[t+1]], tfs likewise
    rows: np.ndarray
    tfs: np.ndarray
    doc_len: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # per-row metadata for filtering
    k1: float = 1.2
    b: float = 0.75

    @classmethod
    def build(
        cls, ids: Sequence[str], texts: Iterable[str], columns: dict[str, Sequence] | None = None
    ) -> KeywordIndex:
        """Index ``texts`` (one per id), keeping per-row ``columns`` (for filters) beside them."""
        postings: dict[str, list[tuple[int, int]]] = {}
        lengths = []
        for row, text in enumerate(texts):
            toks = tokenize(text)
            lengths.append(len(toks))
            for term, tf in Counter(toks).items():
                postings.setdefault(term, []).append((row, tf))
        vocab = {t: i for i, t in enumerate(sorted(postings))}
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        rows: list[int] = []
        tfs: list[int] = []
        for t, i in vocab.items():
            plist = postings[t]
            rows.extend(r for r, _ in plist)
            tfs.extend(f for _, f in plist)
            indptr[i + 1] = len(rows)
        return cls(
            ids=list(ids),
            vocab=vocab,
            indptr=indptr,
            rows=np.asarray(rows, dtype=np.int32),
            tfs=np.asarray(tfs, dtype=np.float32),
            doc_len=np.asarray(lengths, dtype=np.float32),
            columns={k: np.asarray(v) for k, v in (columns or {}).items()},
        )

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zero where no query term occurs)."""
        n = len(self.ids)
        out = np.zeros(n, dtype=np.float32)
        if n == 0:
            return out
        avgdl = max(float(self.doc_len.mean()), 1.0)
        for term in set(tokenize(query)):
            t = self.vocab.get(term)
            if t is None:
                continue
            lo, hi = self.indptr[t], self.indptr[t + 1]
            rows, tf = self.rows[lo:hi], self.tfs[lo:hi]
            df = hi - lo
            idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
            norm = tf + self.k1 * (1.0 - self.b + self.b * self.doc_len[rows] / avgdl)
            out[rows] += idf * tf * (self.k1 + 1.0) / norm
        return out

    def coverage(self, query: str, rows: np.ndarray) -> np.ndarray:
        """Share of the query's weight (IDF) whose terms occur in each of ``rows`` (0..1).

        A term the index has never seen counts with the highest possible IDF, so a query
        about something absent from every document gets a low coverage everywhere.
        """
        rows = np.asarray(rows, dtype=np.int64)
        n = len(self.ids)
        terms = list(dict.fromkeys(tokenize(query)))
        if not terms or n == 0:
            return np.zeros(len(rows), dtype=np.float32)
        got = np.zeros(len(rows), dtype=np.float32)
        total = 0.0
        for term in terms:
            t = self.vocab.get(term)
            df = 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])
            idf = float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))
            total += idf
            if t is not None:
                posting = self.rows[self.indptr[t] : self.indptr[t + 1]]
                got += np.isin(rows, posting).astype(np.float32) * idf
        return got / total

    def matched_terms(self, query: str) -> list[str]:
        """The query's (stemmed) terms that occur somewhere in the index."""
        return [t for t in dict.fromkeys(tokenize(query)) if t in self.vocab]

    def save(self, folder: Path) -> None:
        """Write the index as ``keyword.npz`` and ``keyword.json`` in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "keyword.tmp.npz"
        numeric = {f"col_{k}": v for k, v in self.columns.items() if v.dtype.kind in "iuf"}
        np.savez(tmp, indptr=self.indptr, rows=self.rows, tfs=self.tfs, doc_len=self.doc_len, **numeric)
        meta = {
            "ids": self.ids,
            "vocab": sorted(self.vocab, key=self.vocab.__getitem__),
            "columns": {k: v.tolist() for k, v in self.columns.items() if v.dtype.kind not in "iuf"},
        }
        (folder / "keyword.tmp.json").write_text(json.dumps(meta), encoding="utf-8")
        tmp.replace(folder / "keyword.npz")
        (folder / "keyword.tmp.json").replace(folder / "keyword.json")

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        """Read an index written by :meth:`save`; an empty index when there is none."""
        if not (folder / "keyword.json").is_file():
            return cls.build([], [])
        meta = json.loads((folder / "keyword.json").read_text(encoding="utf-8"))
        with np.load(folder / "keyword.npz", allow_pickle=False) as z:
            columns = {k[4:]: z[k] for k in z.files if k.startswith("col_")}
            columns.update({k: np.asarray(v) for k, v in meta.get("columns", {}).items()})
            return cls(
                ids=meta["ids"],
                vocab={t: i for i, t in enumerate(meta["vocab"])},
                indptr=z["indptr"],
                rows=z["rows"],
                tfs=z["tfs"],
                doc_len=z["doc_len"],
                columns=columns,
            )
