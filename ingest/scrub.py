"""Remove patient identifiers from free text: names, phones, e-mails, MRNs, SSNs, DOBs, addresses.

``scrub_text(text, known_names=...)`` is the one pure function; ``Scrubber`` precompiles
the known names once for many texts (ingestion passes every patient first and last name
of the export). Identifiers become placeholders: ``[NAME]``, ``[PHONE]``, ``[EMAIL]``,
``[MRN]``, ``[SSN]``, ``[DOB]``, ``[ADDRESS]``. Service dates, clinicians ("Dr. Patel"),
locations and brands are kept. See docs/scrubber.md for the rules and their measured
recall and precision.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ingest.scrub_names import NameFinder
from ingest.scrub_patterns import scrub_patterns

log = logging.getLogger(__name__)

PLACEHOLDERS = ("[NAME]", "[PHONE]", "[EMAIL]", "[MRN]", "[SSN]", "[DOB]", "[ADDRESS]")


class Scrubber:
    """A scrubber with the export's known patient names compiled once."""

    def __init__(self, known_names: Iterable[str] = ()) -> None:
        self._names = NameFinder(known_names)
        log.debug("scrubber ready with %d known name tokens", len(self._names.known))

    def scrub(self, text: str) -> str:
        """``text`` with every identifier replaced by its placeholder."""
        if not text:
            return text
        return self._names.replace(scrub_patterns(text))

    def scrub_many(self, texts: list[str | None]) -> list[str | None]:
        """Scrub each text; ``None`` passes through."""
        return [None if t is None else self.scrub(t) for t in texts]


def scrub_text(text: str, *, known_names: Iterable[str] = ()) -> str:
    """Scrub one text (build a ``Scrubber`` instead when scrubbing many)."""
    return Scrubber(known_names).scrub(text)
