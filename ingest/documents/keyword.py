"""Keyword search: a small BM25 (Okapi) index over chunks, persisted beside the Chroma store.

DuckDB's ``fts`` extension cannot be installed offline, so this is our own: an inverted
index held as numpy arrays (one postings list per term), saved as ``.npz`` plus a JSON
file of chunk ids and the vocabulary. Scoring a query touches only its terms' postings.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.documents.query import QueryTerm, analyse
from ingest.documents.tokens import STOPWORDS, TOKENS_VERSION, stem, tokenize

__all__ = ["STOPWORDS", "KeywordIndex", "stem", "tokenize"]  # the token functions, re-exported


SYNONYM_WEIGHT = 0.8  # a lexicon synonym's share of the BM25 score the word itself would get


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
    _analysed: dict[str, list[QueryTerm]] = field(default_factory=dict, repr=False, compare=False)

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

    def df(self, term: str) -> int:
        """Number of rows containing ``term`` (0 if unknown)."""
        t = self.vocab.get(term)
        return 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])

    def idf(self, term: str) -> float:
        """BM25 IDF of ``term``; a term the index never saw gets the largest possible value."""
        n = len(self.ids)
        df = self.df(term)
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def analyse(self, query: str) -> list[QueryTerm]:
        """The query's words with typos corrected against this index and lexicon synonyms added (cached)."""
        if query not in self._analysed:
            if len(self._analysed) >= 256:
                self._analysed.clear()
            self._analysed[query] = analyse(query, self.vocab, self.df)
        return self._analysed[query]

    def term_weight(self, term: QueryTerm) -> float:
        """A query word's weight: the IDF of the first of its stems the index knows (else the largest IDF)."""
        known = next((a for a in term.alternatives if a in self.vocab), term.main)
        return self.idf(known)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zero where no query word, correction or synonym occurs).

        Each query word scores by the best of its stems in a row, a synonym's score
        weighted by ``SYNONYM_WEIGHT``.
        """
        n = len(self.ids)
        out = np.zeros(n, dtype=np.float32)
        if n == 0:
            return out
        avgdl = max(float(self.doc_len.mean()), 1.0)
        for qt in self.analyse(query):
            best = np.zeros(n, dtype=np.float32)
            for i, term in enumerate(qt.alternatives):
                t = self.vocab.get(term)
                if t is None:
                    continue
                lo, hi = self.indptr[t], self.indptr[t + 1]
                rows, tf = self.rows[lo:hi], self.tfs[lo:hi]
                norm = tf + self.k1 * (1.0 - self.b + self.b * self.doc_len[rows] / avgdl)
                part = self.idf(term) * tf * (self.k1 + 1.0) / norm * (1.0 if i == 0 else SYNONYM_WEIGHT)
                best[rows] = np.maximum(best[rows], part)
            out += best
        return out

    def coverage(self, query: str, rows: np.ndarray) -> np.ndarray:
        """Share of the query's weight whose words (or a correction or synonym) occur in each of ``rows`` (0..1).

        A word the index has never seen (nor any of its synonyms) counts with the highest
        possible IDF, so a query about something absent from every document gets a low
        coverage everywhere.
        """
        rows = np.asarray(rows, dtype=np.int64)
        terms = self.analyse(query)
        if not terms or len(self.ids) == 0:
            return np.zeros(len(rows), dtype=np.float32)
        got = np.zeros(len(rows), dtype=np.float32)
        total = 0.0
        for qt in terms:
            weight = self.term_weight(qt)
            total += weight
            present = np.zeros(len(rows), dtype=bool)
            for term in qt.alternatives:
                t = self.vocab.get(term)
                if t is not None:
                    present |= np.isin(rows, self.rows[self.indptr[t] : self.indptr[t + 1]])
            got += present.astype(np.float32) * weight
        return got / total

    def unknown_share(self, query: str) -> float:
        """Share of the query's weight carried by words the index does not know (nor a correction or synonym)."""
        terms = self.analyse(query)
        weights = [self.term_weight(qt) for qt in terms]
        unknown = sum(w for qt, w in zip(terms, weights, strict=True) if not self.knows(qt))
        return unknown / sum(weights) if weights and sum(weights) > 0 else 0.0

    def knows(self, term: QueryTerm) -> bool:
        """True when the index holds the word, its correction or one of its synonyms."""
        return any(a in self.vocab for a in term.alternatives)

    def matched_terms(self, query: str) -> list[str]:
        """The query's stems (after typo correction, with synonyms) that occur somewhere in the index."""
        return [a for qt in self.analyse(query) for a in qt.alternatives if a in self.vocab]

    def save(self, folder: Path) -> None:
        """Write the index as ``keyword.npz`` and ``keyword.json`` in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "keyword.tmp.npz"
        numeric = {f"col_{k}": v for k, v in self.columns.items() if v.dtype.kind in "iuf"}
        np.savez(tmp, indptr=self.indptr, rows=self.rows, tfs=self.tfs, doc_len=self.doc_len, **numeric)
        meta = {
            "tokens_version": TOKENS_VERSION,
            "ids": self.ids,
            "vocab": sorted(self.vocab, key=self.vocab.__getitem__),
            "columns": {k: v.tolist() for k, v in self.columns.items() if v.dtype.kind not in "iuf"},
        }
        (folder / "keyword.tmp.json").write_text(json.dumps(meta), encoding="utf-8")
        tmp.replace(folder / "keyword.npz")
        (folder / "keyword.tmp.json").replace(folder / "keyword.json")

    @staticmethod
    def is_current(folder: Path) -> bool:
        """True when ``folder`` holds a keyword index built with the current tokenizer."""
        try:
            meta = json.loads((folder / "keyword.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return meta.get("tokens_version") == TOKENS_VERSION

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
