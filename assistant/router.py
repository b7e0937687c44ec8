"""The router: what kind of turn is this? KPI, documents, both, or one to decline.

Declines come first and are decided on the words alone: requests for patient identities
or patient-level lists, requests to change data, instructions aimed at the system
(prompt injection), questions far outside the practice's data. Raw SQL is routed to the
guard (the pipeline refuses it when the guard does). Document questions are recognised by
what they ask for (decisions, notes, procedures, reports) rather than a number; "why did
X rise?" asks for both the number and the notes that discuss it.

>>> route("List the names and phone numbers of patients who missed appointments").kind
'refuse'
>>> route("Find the procedure for reordering contact lenses").kind
'documents'
>>> route("No-show rate by location").kind
'kpi'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.interpret.followup import VIEW_WORDS
from assistant.interpret.text import tokens


@dataclass(frozen=True)
class Route:
    """The router's decision: ``kind`` is kpi | documents | both | refuse | sql; ``reason`` for refusals."""

    kind: str
    reason: str = ""


IDENTIFIERS = {
    "name", "names", "phone", "phones", "telephone", "number", "numbers", "email", "emails", "address",
    "addresses", "dob", "birthday", "birthdate", "mrn", "mrns", "ssn", "contact", "details", "identity",
    "identities", "who", "whose", "identify", "info", "information", "birth",
}  # fmt: skip
PATIENT_WORDS = {"patient", "patients", "person", "people", "customer", "customers", "client", "clients"}
LIST_VERBS = {
    "list",
    "show",
    "give",
    "export",
    "download",
    "print",
    "dump",
    "send",
    "display",
    "get",
    "provide",
    "pull",
}
WRITE_VERBS = {
    "delete", "remove", "drop", "truncate", "update", "insert", "alter", "erase", "wipe", "purge", "overwrite",
    "modify", "edit", "change", "set", "add", "create", "cancel", "reschedule", "rename", "replace", "merge",
    "grant", "revoke", "write", "book", "mark", "move", "clear", "reset", "destroy", "upload", "import",
}  # fmt: skip
SQL_WRITE = re.compile(
    r"\b(drop\s+(table|view|schema|database)|delete\s+from|insert\s+into|update\s+\w+\s+set|truncate\s+table|"
    r"alter\s+table|create\s+(or\s+replace\s+)?(table|view|macro|function|secret)|attach\s+|detach\s+|copy\s+\w+|"
    r"pragma\s+|install\s+\w+|load\s+\w+;|export\s+database|import\s+database)",
    re.IGNORECASE,
)
INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules?|prompts?|guard|guardrails?|restrictions?|"
    r"policy|policies|system|above|previous|prior)\b|system prompt|developer mode|jailbreak|\bdan mode\b|"
    r"you are now\b|pretend (to be|you are)|act as (an? )?(admin|administrator|root|dba|developer)|"
    r"reveal (your|the) (prompt|instructions|system)|\bsudo\b|run (this|the following) (sql|query|command)|"
    r"execute (this|the following)|\brun\s*:|^\s*system\s*:|\byou are an? (unrestricted|unfiltered|jailbroken|uncensored)\b|"
    r"\b(list|show|print|dump|reveal)\b.{0,12}\b(all )?(the )?(tables|database schema|schema)\b",
    re.IGNORECASE,
)
RAW_SQL = re.compile(r"^\s*(select|with)\b[\s\S]*\b(from|select)\b", re.IGNORECASE)
OUTSIDE = {
    "weather", "forecast", "joke", "poem", "recipe", "stock", "stocks", "bitcoin", "crypto", "football", "soccer",
    "basketball", "election", "president", "movie", "movies", "song", "lyrics", "translate", "capital",
    "horoscope", "lottery", "news",
}  # fmt: skip
OUTSIDE_STRONG = {
    "weather",
    "joke",
    "poem",
    "recipe",
    "bitcoin",
    "crypto",
    "football",
    "soccer",
    "basketball",
    "election",
    "horoscope",
    "lottery",
    "lyrics",
}
DOC_WORDS = {
    "decide", "decided", "decision", "decisions", "discuss", "discussed", "discussion", "notes", "note", "meeting",
    "meetings", "minutes", "memo", "memos", "procedure", "procedures", "sop", "sops", "policy", "policies",
    "protocol", "protocols", "instructions", "guideline", "guidelines", "document", "documents", "doc", "docs",
    "report", "reports", "notice", "notices", "vendor", "supplier", "suppliers", "mentioned", "mention", "said",
    "say", "says", "wrote", "written", "agreed", "announcement", "letter", "handbook", "manual",
    "checklist", "steps", "training", "explanation", "delay", "delays", "problem", "problems", "complaint",
    "complaints", "incident", "incidents", "agenda", "huddle", "huddles", "recap", "recaps", "bulletin",
    "newsletter", "postmortem", "backorder", "backorders",
}  # fmt: skip
DOC_LEADS = ("what did", "what was decided", "find the", "find our", "where is the", "how do we", "how do i",
             "how should", "what is the procedure", "what's the procedure", "what is our policy", "what does the",
             "search for", "look up", "according to", "is there a", "do we have a", "summarize the",
             "summarise the", "give me a summary of the")  # fmt: skip
# What people say: the notes and reports hold it, never a number ("what are patients saying about ...").
VOICE_LEADS = ("say about", "saying about", "said about", "complaints about", "complaining about",
               "feedback about", "feedback on", "comments about", "complaints on")  # fmt: skip
ACTION_VERBS = {"send", "notify", "remind"}  # ("call", "contact", "message" start KPI questions too)
OUTSIDE_REASON = (
    "That is outside the practice's data; I can answer questions about its KPIs, reports and notes."
)
WHY = {"why", "explain", "cause", "caused", "reason"}
# "patient John Smith", "patient named Lee", "Mrs. Jones's appointments": one person, by name.
NAMED_PATIENT = re.compile(
    r"\b(?i:patients?)\s+(?:named\s+|called\s+)?(?:(?i:mr|mrs|ms|miss)\.?\s+)?(?!(?:Dr|Doctor|Do|Did|Does)\b)[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\b"
    r"|\b(?i:mr|mrs|ms|miss)\.?\s+[A-Z][a-z]+"
)


def route(question: str, knows_metric: Callable[[str], bool] | None = None) -> Route:
    """Classify one turn (before interpretation); ``knows_metric(question)`` says whether it names a KPI."""
    text = question.strip()
    words = tokens(text)
    wset = set(words)
    low = " ".join(words)
    if INJECTION.search(text):
        return Route(
            "refuse",
            "That reads as an instruction to the system; I can only answer questions about the practice's data.",
        )
    if SQL_WRITE.search(text):
        return Route("refuse", "Acuity only reads data; it cannot change, delete or add anything.")
    if wset & OUTSIDE_STRONG:
        return Route("refuse", OUTSIDE_REASON)
    writes = words and (
        words[0] in WRITE_VERBS or (words[0] in ("please", "can", "could", "pls") and _write_after(words))
    )
    acts = words and (
        words[0] in ACTION_VERBS
        or (
            words[0] in ("email", "text", "sms")
            and len(words) > 1
            and words[1] in ("all", "the", "every", "patients", "them", "our")
        )
    )
    if acts and not _is_question_about_counts(words):
        return Route(
            "refuse",
            "Acuity only reads and reports data; it cannot contact patients or act on their records.",
        )
    if writes and not _is_question_about_counts(words) and not wset & VIEW_WORDS:
        return Route("refuse", "Acuity only reads data; it cannot change, delete or add anything.")
    if _asks_identities(words, wset) or NAMED_PATIENT.search(text):
        return Route(
            "refuse",
            "Patient identities and patient-level lists are not available: the warehouse is de-identified. "
            "I can give counts and rates instead.",
        )
    if RAW_SQL.search(text):
        return Route("sql")
    if wset & OUTSIDE and not _has_kpi_hint(wset):
        return Route("refuse", OUTSIDE_REASON)
    strong = len(_doc_words(words))
    leads = any(low.startswith(lead) or f" {lead} " in f" {low} " for lead in DOC_LEADS)
    kpi = _has_kpi_hint(wset) or bool(knows_metric and knows_metric(text))
    if wset & WHY and kpi:
        return Route("both")
    if any(f" {v} " in f" {low} " for v in VOICE_LEADS):
        return Route("documents")
    # two signs of a document ("is there a policy ...", "the notes of the huddle") outweigh a KPI word
    if strong + leads >= 2 or (strong + leads >= 1 and not kpi):
        return Route("documents")
    return Route("kpi")


def _doc_words(words: list[str]) -> set[str]:
    """The document words of a question; "doc" after "by", "per", "each" is a doctor ("cancels by doc")."""
    return {
        w
        for i, w in enumerate(words)
        if w in DOC_WORDS and not (w in ("doc", "docs") and i and words[i - 1] in ("by", "per", "each", "every"))
    }


def _write_after(words: list[str]) -> bool:
    return any(w in WRITE_VERBS for w in words[1:4])


def _is_question_about_counts(words: list[str]) -> bool:
    """'cancel rate by location' starts with a write verb but is a KPI question."""
    if len(words) > 1 and words[1] in ("in", "of", "over", "rate", "rates", "vs", "versus", "since", "from"):
        return True
    return bool({"rate", "rates", "count", "how", "many", "percent", "percentage"} & set(words[:4]))


def _asks_identities(words: list[str], wset: set[str]) -> bool:
    low = " ".join(words)
    if PHI_PHRASES.search(low) and (wset & (PATIENT_WORDS | GROUP_WORDS)):
        return True  # "phone numbers of the no-shows"
    if WHO_PHRASES.search(low) and wset & GROUP_WORDS and not wset & AGGREGATE_WORDS:
        return True  # "who missed their appointments yesterday?"
    if not wset & PATIENT_WORDS:
        return False
    if wset & COUNTING_WORDS and not (
        wset & {"name", "names", "phone", "email", "emails", "address", "addresses", "mrn", "dob", "ssn"}
    ):
        return False
    if wset & {
        "name",
        "names",
        "phone",
        "phones",
        "telephone",
        "email",
        "emails",
        "address",
        "addresses",
        "mrn",
        "mrns",
        "dob",
        "ssn",
        "birthdate",
        "birthday",
    }:
        return True
    if _lists_patients(words):
        return True  # "list all patients seen by Dr. Lee last week"
    # "list the patients who ...", "which patients missed ...", "who are the patients ..."
    aggregate = bool(wset & {"by", "per", "each", "count", "number", "many", "total", "rate", "average"})
    for i, w in enumerate(words):
        if w not in PATIENT_WORDS:
            continue
        after = words[i + 1] if i + 1 < len(words) else ""
        if after in NOT_HEAD:
            continue
        before = set(words[max(0, i - 3) : i])
        if before & {"which", "who", "whom"} or after in ("who", "whose", "that", "named", "called"):
            return True
        if before & STRONG_LIST and not aggregate:
            return True
    return False


COUNTING = {
    "how", "many", "count", "counts", "number", "numbers", "total", "totals", "rate", "rates", "average", "percent",
    "percentage", "share", "breakdown", "trend", "volume", "sum",
}  # fmt: skip
AGENT_BEFORE_BY = {"seen", "saw", "treated", "examined", "booked", "referred", "visited", "checked"}


def _lists_patients(words: list[str]) -> bool:
    """A request for a list of patients ("list all patients seen by ...", "give me a list of the patients ...").

    A list verb (or "a list of") comes before the patient word and nothing asks for a number:
    "by" only groups when it does not name who saw them ("seen by Dr. Lee")."""
    at = next((i for i, w in enumerate(words) if w in PATIENT_WORDS), -1)
    if at < 0:
        return False
    after = words[at + 1] if at + 1 < len(words) else ""
    if after in NOT_HEAD and after != "seen":
        return False  # "list patient visits": a metric, not people
    lead = [w for w in words[:at] if w not in ("please", "can", "could", "you", "me", "us", "pls")]
    listing = bool(set(lead) & STRONG_LIST) or (
        bool(lead)
        and lead[0] in LIST_VERBS
        and (bool(set(lead) & {"all", "every", "each"}) or lead[-1] in ("the", "those", "these"))
    )
    if not listing or set(words) & COUNTING:
        return False
    # "list patient visits by location": a breakdown, not a list
    return not any(w in ("by", "per", "across") and _groups(words, i) for i, w in enumerate(words))


GROUP_NOUNS = {
    "location", "locations", "office", "offices", "clinic", "clinics", "site", "sites", "branch", "branches",
    "provider", "providers", "doctor", "doctors", "optometrist", "optometrists", "type", "month", "week", "day",
    "quarter", "year", "age", "gender", "insurance", "payer", "channel", "source", "each", "every",
}  # fmt: skip
NAME_AFTER = {"dr", "doctor", "doc", "optometrist", "provider"}


def _groups(words: list[str], i: int) -> bool:
    """Whether "by" at ``i`` groups ("seen by location") rather than names who ("seen by Dr. Lee")."""
    if i == 0 or words[i - 1] not in AGENT_BEFORE_BY:
        return True
    nxt = words[i + 1] if i + 1 < len(words) else ""
    after = words[i + 2] if i + 2 < len(words) else ""
    if nxt in NAME_AFTER and after.isalpha() and after not in GROUP_STOPS:
        return False  # "seen by doctor Lee"
    return nxt in GROUP_NOUNS


GROUP_STOPS = {
    "last",
    "this",
    "in",
    "during",
    "for",
    "and",
    "per",
    "each",
    "yesterday",
    "today",
    "since",
    "over",
}


PHI_PHRASES = re.compile(
    r"\b(phone|cell|mobile|telephone|contact) (number|numbers|info|information|details)\b|\bemail address(es)?\b|"
    r"\bhome address(es)?\b|\baddress(es)?\b|\bdate(s)? of birth\b|\bdob\b|\bbirth ?days?\b|\bmrns?\b|\bssns?\b|"
    r"\bsocial security\b"
)
WHO_PHRASES = re.compile(r"\bnames\b|\bwho\b|\bwhose\b")
COUNTING_WORDS = {
    "how",
    "many",
    "count",
    "number",
    "rate",
    "percent",
    "percentage",
    "share",
    "average",
    "total",
}
AGGREGATE_WORDS = COUNTING_WORDS | {"by", "per"}
GROUP_WORDS = {
    "no",
    "shows",
    "noshows",
    "those",
    "them",
    "people",
    "anyone",
    "everyone",
    "cancelled",
    "missed",
    "cancellations",
}
STRONG_LIST = {"list", "export", "dump", "download", "print", "names"}
NOT_HEAD = {
    "visit", "visits", "volume", "satisfaction", "count", "base", "flow", "wait", "experience", "mix", "retention",
    "acquisition", "per", "seen", "numbers", "growth", "counts", "trend",
}  # fmt: skip


KPI_HINTS = {
    "rate", "revenue", "visits", "no", "show", "shows", "cancellations", "patients", "sales", "spend", "nps", "wait",
    "hours", "collections", "units", "stock", "appointments", "bookings", "roi", "rise", "rose", "drop", "dropped",
    "fall", "fell", "increase", "increased", "decrease", "decreased", "higher", "lower", "up", "down", "many",
    "collect", "collected", "sell", "sold", "spent", "booked", "bill", "billed",
}  # fmt: skip


def _has_kpi_hint(wset: set[str]) -> bool:
    return bool(wset & KPI_HINTS)
