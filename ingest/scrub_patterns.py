"""Compiled patterns for the identifiers that have a shape: e-mail, SSN, DOB, MRN, phone, address.

Each rule is ``(placeholder, pattern)``; the scrubber applies them in order and replaces
the named group ``id`` (or the whole match when there is none) with the placeholder.
Ordinary dates ("March 2026", "2026-03-14", "3/14") are deliberately not touched: only a
date in a date-of-birth context becomes ``[DOB]``.
"""

from __future__ import annotations

import re

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# A full date: numeric (3/14/1952, 03-14-52, 14.03.1952, 1952-03-14) or spelled out
# (March 14, 1952; 14 March 1952; Mar 14th 1952).
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    r"|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}})"
)
_DOB_CUE = (
    r"(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|birthday|born(?:\s+on)?|b\.)"
    r"(?:\s*(?:is|was|of|:|-|#|=))*\s*"
)

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")

SSN = re.compile(
    r"(?:(?i:\bss(?:n|#)|social\s+security(?:\s+(?:number|no\.?|#))?)\s*(?:is|:|#|-)*\s*)?"
    r"(?P<id>(?<![\w-])(?!000|666|9\d\d)\d{3}(?P<sep>[- ])(?!00)\d{2}(?P=sep)(?!0000)\d{4}(?![\w-]))"
    r"|(?i:\bss(?:n|#)|social\s+security(?:\s+(?:number|no\.?|#))?)\s*(?:is|:|#|-)*\s*(?P<id2>\d{9})\b"
)

DOB = re.compile(rf"(?i:\b{_DOB_CUE})(?P<id>{_DATE})(?![\w/-])")

# MRN: the export's own form (two to four capitals, a dash, four or more digits), or any
# number introduced by an MRN-like cue ("MRN 12345678", "MRN: 00123", "chart #4471-A").
MRN = re.compile(
    r"(?<![\w-])(?P<id>[A-Z]{2,4}-\d{4,10})(?![\w-])"
    r"|(?i:\b(?:mrn|m\.r\.n\.|medical\s+record(?:\s+(?:number|no\.?|#))?|patient\s+(?:number|no\.?|#|id)"
    r"|chart\s*(?:number|no\.?|#)|acct\.?\s*#?|account\s+(?:number|no\.?|#)))"
    r"(?:\s*(?:is|:|#|-))*\s*(?P<id2>[A-Z]{0,4}-?\d[\d-]{2,14})(?![\w-])"
)

PHONE = re.compile(
    r"(?<![\w+])(?P<id>(?:"
    r"(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}"  # (555) 123-4567, 555.123.4567, +1 555 123 4567
    r"|\+?1?\d{10}"  # 5551234567
    r"|\d{3}-\d{4}"  # 555-2937 (local)
    r")(?![\w-])(?:[ \t]*(?:ext\.?|x)[ \t]*\d{1,5}\b)?)"
)

_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|"
    r"Highway|Hwy|Parkway|Pkwy|Circle|Cir|Terrace|Ter|Trail|Trl|Square|Sq|Crescent|Cres|Close|"
    r"Row|Alley|Path|Pike|Loop|Plaza|Run|Walk|Heights|Hts|Grove|Gardens|Point|Pt)"
)
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Ste|Fl|Floor|Rm|Room|#)\.?\s*#?\s*[\w-]{1,6})"
ADDRESS = re.compile(
    r"(?<![\w/.-])(?P<id>\d{1,6}[A-Za-z]?\s+"
    r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+)?"
    r"(?:(?:[A-Z][\w'’-]*|\d+(?:st|nd|rd|th))\s+){0,3}?"
    rf"(?:[A-Z][\w'’-]*\s+){_STREET_SUFFIX}\b\.?"
    rf"{_UNIT}?"
    r"(?:,?\s+[A-Z][a-z]+(?:\s[A-Z][a-z]+)?,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?)?)"
    r"|(?P<id2>\b(?i:p\.?\s?o\.?\s+box)\s+\d{1,6})"
)

# A full date whose year is before 2000 is a date of birth in a practice's notes (its
# service dates are recent), with or without a cue.
OLD_DATE = re.compile(
    r"(?<![\w/.-])(?P<id>\d{1,2}[/.-]\d{1,2}[/.-]19\d\d"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+19\d\d"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+19\d\d"
    r"|19\d\d[/.-]\d{1,2}[/.-]\d{1,2})(?![\w/-])"
)

# Order matters: e-mails first (they hold digits), SSN before phone, DOB before MRN.
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[EMAIL]", EMAIL),
    ("[SSN]", SSN),
    ("[DOB]", DOB),
    ("[DOB]", OLD_DATE),
    ("[MRN]", MRN),
    ("[PHONE]", PHONE),
    ("[ADDRESS]", ADDRESS),
)


def apply_rule(placeholder: str, pattern: re.Pattern[str], text: str) -> str:
    """Replace the ``id`` group of every match of ``pattern`` (else the match) by ``placeholder``."""

    def _sub(m: re.Match[str]) -> str:
        whole = m.group(0)
        for name in ("id", "id2"):
            if name in pattern.groupindex and m.group(name) is not None:
                s, e = m.span(name)
                base = m.start()
                return whole[: s - base] + placeholder + whole[e - base :]
        return placeholder

    return pattern.sub(_sub, text)


def _anonymous(pattern: str) -> str:
    """``pattern`` without named groups or back-references, to join several into one."""
    pattern = pattern.replace("(?P<sep>[- ])", "[- ]").replace("(?P=sep)", "[- ]")
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


# One pass that tells whether any rule could fire: most texts have no identifier at all.
_ANY_RULE = re.compile("|".join(f"(?:{_anonymous(p.pattern)})" for _, p in RULES))
_NEEDS_RULES = re.compile(r"[\d@]")


def scrub_patterns(text: str) -> str:
    """Apply every shaped-identifier rule to ``text``."""
    if not _NEEDS_RULES.search(text) or not _ANY_RULE.search(text):
        return text  # every rule needs a digit or an "@"
    for placeholder, pattern in RULES:
        text = apply_rule(placeholder, pattern, text)
    return text
