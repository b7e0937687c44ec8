"""A small domain lexicon: words eye-care staff use for the same thing, as keyword synonyms.

Each group lists single words that mean the same in a practice's documents ("till" and
"cash", "SMS" and "text"). A query word in a group also matches the group's other words
in keyword search and keyword coverage (see ``query.py``). Groups are general practice
and optical vocabulary, not written for particular documents or questions; keep them
narrow (true synonyms or the usual spelling variant), since every member widens a match.
"""

from __future__ import annotations

from functools import cache

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    # front desk and scheduling
    ("appointment", "appt", "booking"),
    ("cancel", "cancellation", "cancelled", "canceled"),
    ("noshow", "dna"),
    ("reschedule", "rebook"),
    ("text", "sms", "texting"),
    ("phone", "telephone"),
    ("till", "cash", "register"),
    ("deposit", "banking"),
    ("copay", "copayment"),
    ("insurance", "insurer", "coverage"),
    ("eligibility", "eligible"),
    ("fee", "charge", "penalty"),
    ("complaint", "complain", "grievance"),
    ("survey", "feedback"),
    # clinical and optical
    ("optometrist", "doctor", "dr", "od"),
    ("technician", "tech", "techs"),
    ("pretest", "pretesting", "workup"),
    ("exam", "examination", "checkup"),
    ("prescription", "rx"),
    ("glasses", "eyeglasses", "spectacles", "specs", "eyewear"),
    ("sunglasses", "sunwear", "sun"),
    ("progressive", "progressives", "varifocal", "varifocals", "multifocal"),
    ("lab", "laboratory"),
    ("myopia", "myopic", "nearsighted", "nearsightedness", "shortsighted"),
    ("kids", "children", "child", "pediatric", "paediatric"),
    # suppliers, stock and money
    ("supplier", "vendor", "distributor"),
    ("shipping", "shipment", "shipments", "deliveries", "delivery"),
    ("stockout", "backorder", "backordered", "shortage"),
    ("inventory", "stock"),
    ("price", "pricing", "prices", "expensive", "cheaper", "pricier"),
    ("discount", "markdown"),
    ("credit", "refund", "compensation"),
    ("freight", "postage"),
    ("revenue", "income", "takings"),
    ("overtime", "ot"),
    ("hire", "hiring", "recruit", "recruiting"),
    # marketing
    ("ads", "ad", "advert", "adverts", "advertising"),
    ("meta", "facebook", "instagram"),
    ("campaign", "promotion", "promo"),
    # reporting words
    ("increase", "rise", "raise", "raising", "hike", "jump", "spike", "surge"),
    ("decrease", "drop", "fall", "dip"),
    ("backup", "second", "fallback"),
    ("outage", "failure", "failed", "undelivered"),
    ("nps", "satisfaction"),
)


@cache
def synonyms() -> dict[str, frozenset[str]]:
    """Stemmed word -> the stems of its group's other words."""
    from ingest.documents.tokens import stem

    out: dict[str, set[str]] = {}
    for group in SYNONYM_GROUPS:
        stems = {stem(w) for w in group}
        for s in stems:
            out.setdefault(s, set()).update(stems - {s})
    return {k: frozenset(v) for k, v in out.items() if v}
