"""From matched phrases to readings: which metric, which breakdowns, which filters, which order.

The choices here follow the definitions of metrics.md: a phrase that names members of
several dimensions is read as the one the metric can be sliced by; "how many patients did
we see" counts completed visits; "comprehensive exams" done are completed visits of that
appointment type; new patients from campaigns are attributed new patients; and so on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.interpret import language
from assistant.interpret import qualifier_words as qw
from assistant.interpret.qualifiers import (
    change_ranking,
    counts_no_metric_defines,
    member_against_the_rest,
    metric_label,
    negated,
    part_of_collections,
    per_without_metric,
    population_of_a_rate,
    share_without_metric,
    status_of_base_noun,
    time_words,
    unsupported_statistic,
    value_threshold,
)
from assistant.interpret.ranking import GENERIC_DIM_WORDS, generic_dimension, is_breakdown, order
from assistant.interpret.timeexpr import default_grain
from semantic_layer.query import TIME_GRAINS, Filter, FilterOp, OrderBy, TimeRange

if TYPE_CHECKING:
    from assistant.interpret.builtin import BuiltinInterpreter, Parsed

RATE_OF = {"no_shows": "no_show_rate", "cancellations": "cancellation_rate"}
SHARE_WORDS = {"rate", "percentage", "percent", "share", "proportion", "ratio"}
COUNT_WORDS = ("how", "many", "number", "count", "total", "busiest", "most", "fewest")
CAMPAIGN_DIMS = ("campaign", "marketing_channel", "service_line")


@dataclass
class Readings:
    """Everything the question names, resolved against the model."""

    metrics: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    time_range: TimeRange | None = None
    compare_range: TimeRange | None = None
    order_by: list[OrderBy] = field(default_factory=list)
    limit: int | None = None
    clarify: str = ""
    choices: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # what the question itself named (follow-ups replace only these)
    named_metric: bool = False
    named_time: bool = False
    named_dims: list[str] = field(default_factory=list)
    named_grain: str | None = None
    named_filter_dims: set[str] = field(default_factory=set)
    named_order: bool = False
    compare_unit: str | None = None
    mentioned_dims: list[str] = field(default_factory=list)
    weak_metrics: list[str] = field(default_factory=list)
    order_desc: bool = True
    vague: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # breakdowns asked that no dimension reads
    negated: set[tuple[str, str]] = field(default_factory=set)  # (dimension, member) excluded


def _metrics(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    strong: list[str] = []
    weak: list[str] = []
    for m in p.mentions:
        if m.kind == "metric":
            name, prio = m.targets[0]
            (strong if prio >= 2 else weak).append(name)
        elif m.kind == "vague":
            r.vague.append(m.targets[0][0])
    if not strong and not weak:  # "how much did Northside make": a word that is also a (weaker) metric word
        for m in p.mentions:
            other = interp.lexicon.table.get(m.phrase, {}).get("metric")
            if m.kind == "dimension" and other and not is_breakdown(p, m, False, 1):
                weak.append(max(other, key=other.get))
    names = list(dict.fromkeys(strong or weak))
    r.weak_metrics = list(dict.fromkeys(weak))
    if not p.has("and", "plus", "with", "vs", "versus", "against"):  # "no-shows and appointments": two
        names = status_of_base_noun(interp, names, r.weak_metrics)
    # "revenue per visit" is one metric, "revenue and visits" two: keep distinct metrics in order
    r.metrics = names
    r.named_metric = bool(names)


def _nuances(interp: BuiltinInterpreter, p: Parsed, r: Readings, values: list[tuple[str, str]]) -> None:
    """The metric-specific readings of metrics.md."""
    model_metrics = interp.model.metrics
    value_dims = {d for d, _ in values}
    if not r.metrics:
        people = p.has(*qw.PEOPLE)  # "patients", "kids", "seniors": people seen
        if "referral_source" in value_dims and p.has(
            "patient", "came", "come", "referred", "referral", "referrals"
        ):
            r.metrics = ["new_patients"]  # "how many patients came from Google": how they found us
        elif (
            "appointment_type" in value_dims
            or people
            and p.has("see", "seen", "saw", "examine", "examined", "treat", "treated", "came")
        ):
            r.metrics = ["completed_visits"]
        elif people and p.has("have", "active") and p.time.time_range is None:
            r.metrics = ["active_patients"]
        elif people and p.has("how", "many", "number", "count", "most", "fewest", "more", "fewer"):
            r.metrics = ["completed_visits"]
        elif p.has("booked", "scheduled", "upcoming") and p.has("appointment"):
            r.metrics = ["upcoming_appointments"]
        elif p.has("schedule", "booked", "scheduled") and _future(p):
            r.metrics = ["upcoming_appointments"]  # "what does the schedule look like next week"
        # "only comprehensive exams" after another question is a filter, not a new metric
        r.named_metric = bool(r.metrics) and (people or not p.has("only", "just", "for"))
    if (not r.metrics or r.metrics in (["completed_visits"], ["appointments"])) and _how_long(p):
        r.metrics = ["avg_wait_minutes" if p.has("wait", "waiting") else "avg_visit_minutes"]
        r.named_metric = True
    campaignish = bool(value_dims & set(CAMPAIGN_DIMS)) or p.has("campaign", "campaigns")
    swaps = {"new_patients": "campaign_new_patients", "revenue": "campaign_revenue"}
    for i, m in enumerate(r.metrics):
        if m in swaps and campaignish and swaps[m] in model_metrics:
            r.metrics[i] = swaps[m]
        if m in ("appointments", "completed_visits") and _future(p):
            # appointments in the future can only be booked ones ("patients booked for tomorrow")
            r.metrics[i] = "upcoming_appointments"
        if (
            m == "completed_visits"
            and p.has("have", "active")
            and p.time.time_range is None
            and p.has("patient")
        ):
            r.metrics[i] = "active_patients"
    if set(r.vague) & SHARE_WORDS or p.has(*qw.SHARE_NOUNS):
        rates = list(dict.fromkeys(RATE_OF[m] for m in r.metrics + r.weak_metrics if m in RATE_OF))
        if rates:
            r.metrics = rates  # "what percent of appointments were no-shows": the no-show rate
    r.metrics = [m for m in dict.fromkeys(r.metrics) if m in model_metrics]


def _future(p: Parsed) -> bool:
    """True when the question's period lies ahead: it starts after today, or today with words
    that look ahead ("today", "booked", "next"); "this month" on its first day is still the
    month under way, compared as such."""
    tr = p.time.time_range
    if tr is None or tr.start is None or tr.start < p.time_as_of:
        return False
    return tr.start > p.time_as_of or p.has(
        "today", "tomorrow", "next", "coming", "upcoming", "booked", "scheduled"
    )


def _how_long(p: Parsed) -> bool:
    """'how long do exams take', 'how much time do visits take': a duration."""
    w = p.words
    return (
        any(w[i] == "how" and w[i + 1] == "long" for i in range(len(w) - 1))
        or (p.has("take", "takes", "last") and p.has("time", "minutes"))
        or p.has(*DURATION_WORDS)  # "the shortest visits", "the longest exams": a length, not a count
    )


# Words that measure a visit's length: with "visits" or "exams" they ask for the duration.
DURATION_WORDS = ("shortest", "longest", "quickest", "fastest", "lengthiest")


def _available(interp: BuiltinInterpreter, metrics: list[str]) -> set[str]:
    if not metrics:
        return set(interp.model.dimensions)
    dims = None
    for m in metrics:
        d = interp.dims_for(m)
        dims = d if dims is None else dims & d
    return dims or set()


def _values(interp: BuiltinInterpreter, p: Parsed, avail: set[str], r: Readings) -> list[tuple[str, str]]:
    """Pick one (dimension, member) per value phrase; ambiguous people names ask which one."""
    picked: list[tuple[str, str]] = []
    previous: tuple[int, bool] | None = None  # (end, negated) of the last value phrase
    r.negated.clear()
    for m in p.mentions:
        if m.kind != "value":
            continue
        cands = [(d, v, pr) for (d, v), pr in m.targets if d in avail]
        if not cands and r.metrics and all(d not in TIME_GRAINS for (d, _), _ in m.targets):
            r.notes.append(f"'{m.phrase}' does not apply to {', '.join(r.metrics)}")
            continue  # a member of a dimension the metric cannot be sliced by: not a filter
        cands = cands or [(d, v, pr) for (d, v), pr in m.targets]
        best = max(pr for _, _, pr in cands)
        cands = [c for c in cands if c[2] == best]
        pref = {d: i for i, d in enumerate(language.DIMENSION_PREFERENCE)}
        own = _own_tables(interp, r.metrics)
        cands.sort(
            key=lambda c: (
                getattr(interp.model.dimensions.get(c[0]), "table", None) not in own,
                pref.get(c[0], 99),
            )
        )
        top_dim = cands[0][0]
        same = sorted({v for d, v, _ in cands if d == top_dim})
        if len(same) > 1 and top_dim == "campaign":
            same = _named_for_the_year(same, p) or same
        if len(same) > 1 and top_dim in ("provider", "staff_member", "campaign"):
            r.clarify = f"Which one do you mean by '{m.phrase}'?"
            r.choices = same[:4]
        picked.append((top_dim, same[0]))
        if negated(p, m.start, previous):
            r.negated.add((top_dim, same[0]))
        previous = (m.end, (top_dim, same[0]) in r.negated)
    return picked


def _named_for_the_year(members: list[str], p: Parsed) -> list[str]:
    """Campaigns run every year under one name: within one calendar year ("the Dry Eye Relief
    Texts campaign in 2025") the name without its year means that year's campaign."""
    tr = p.time.time_range
    if tr is None or tr.start is None or tr.end is None:
        return []
    year = tr.start.year
    if (tr.end - dt.timedelta(days=1)).year != year:
        return []
    return [v for v in members if str(year) in v.split()]


def _own_tables(interp: BuiltinInterpreter, metrics: list[str]) -> set[str]:
    """The fact tables of the metrics ("email" on a message metric is the message channel)."""
    return {
        t
        for m in metrics
        if m in interp.model.metrics
        for t in (getattr(interp.model.metrics[m], "table", None),)
        if t
    }


def _dimensions(
    interp: BuiltinInterpreter, p: Parsed, avail: set[str], values: list[tuple[str, str]], r: Readings
) -> None:
    value_dims = {d for d, _ in values}
    ends: set[int] = set()  # where accepted breakdowns end: "by gender and age group" chains the second
    for m in p.mentions:
        if m.kind != "dimension":
            continue
        names = [t for t, _ in m.targets]
        dim = next((d for d in names if d in avail), names[0])
        if m.phrase in GENERIC_DIM_WORDS and r.metrics:
            dim = generic_dimension(interp, m.phrase, avail, r.metrics[0]) or dim
        if dim not in avail:
            last = m.phrase.split()[-1]
            alt = [d for d in avail if d.endswith(last) or d.endswith(last.rstrip("s"))]
            if dim in ("provider",) and "staff_member" in avail:
                alt = ["staff_member"]
            if alt:
                dim = sorted(
                    alt,
                    key=lambda d: (
                        language.DIMENSION_PREFERENCE.index(d) if d in language.DIMENSION_PREFERENCE else 99
                    ),
                )[0]
        chained = _after_breakdown(p, m.start, ends)
        if not chained and not is_breakdown(
            p, m, dim in value_dims, len([x for x in p.mentions if x.kind == "dimension"])
        ):
            continue  # "at the Northside location", "spend on campaigns": the head noun, not a breakdown
        ends.add(m.end)
        if dim not in r.dimensions:
            r.dimensions.append(dim)
    r.named_dims = list(r.dimensions)
    r.mentioned_dims = [t for x in p.mentions if x.kind == "dimension" for t, _ in x.targets[:1]]


def _after_breakdown(p: Parsed, start: int, ends: set[int]) -> bool:
    """True when the words before ``start`` are "and" / "or" (maybe "the") right after a breakdown."""
    i = start - 1
    if i >= 0 and p.words[i] in ("the", "by", "per"):
        i -= 1
    return i >= 0 and p.words[i] in ("and", "or", "then") and i in ends


BREAKDOWN_LEADS = ("by", "per", "across")


def unknown_breakdowns(p: Parsed) -> list[str]:
    """Words asked as a breakdown that no dimension reads ("by neighbourhood", "and zodiac sign").

    A breakdown cue ("by", "per", "across", "for each", or "and" after a breakdown) followed
    by words that no phrase, member or time word took ("seen by Smith" with no such provider
    is not answered for everyone either)."""
    taken = set(p.time.used)
    for m in p.mentions:
        taken.update(range(m.start, m.end))
    dim_ends = {m.end for m in p.mentions if m.kind == "dimension"}
    words = p.words
    out: list[str] = []
    for i, w in enumerate(words):
        if i in taken:
            continue
        cue = w in BREAKDOWN_LEADS or (w == "each" and i > 0 and words[i - 1] == "for")
        cue = cue or (w == "and" and i in dim_ends)
        if not cue:
            continue
        j = i + 1
        while j < len(words) and j not in taken and words[j] in MODIFIERS:
            j += 1
        if j < len(words) and words[j] in NOT_GROUPS:
            continue  # "by end of September", "by now": a deadline, not a group
        k = j
        while k < len(words) and k not in taken and words[k] not in language.STOPWORDS and words[k].isalpha():
            k += 1
        if k > j:
            out.append(" ".join(words[j:k]))
    return out


MODIFIERS = {"the", "a", "each", "every", "their", "our", "fiscal", "calendar", "individual", "different"}
NOT_GROUPS = {"end", "close", "now", "then", "far", "start", "beginning", "middle", "mid"}


def _zip_values(interp: BuiltinInterpreter, p: Parsed) -> list[tuple[str, str]]:
    """ "zip 021", "ZIP code 02139": the ZIP3 the number starts with (ZIP3 members are not indexed)."""
    if "zip3" not in interp.model.dimensions:
        return []
    out = []
    for i, w in enumerate(p.words):
        if (
            w.isdigit()
            and len(w) in (3, 5)
            and any(x in ("zip", "zipcode", "zip3", "postcode") for x in p.words[max(0, i - 2) : i])
        ):
            out.append(("zip3", w[:3]))
    return out


def _filters(interp: BuiltinInterpreter, p: Parsed, values: list[tuple[str, str]], r: Readings) -> None:
    values = [*values, *_zip_values(interp, p)]
    by_dim: dict[str, list[str]] = {}
    for d, v in values:
        by_dim.setdefault(d, [])
        if v not in by_dim[d]:
            by_dim[d].append(v)
    for d, vs in by_dim.items():
        kept = [v for v in vs if (d, v) not in r.negated]
        if not kept:  # "excluding Downtown": every other member
            r.filters.append(Filter(d, tuple(vs), FilterOp.NOT_IN))
            continue
        r.filters.append(Filter(d, tuple(kept)))  # "Northside and Lakeview, not Downtown": the named ones
        if len(kept) > 1 and d not in r.dimensions:
            r.dimensions.append(d)  # "Northside vs Lakeview": one row each
    r.named_filter_dims = set(by_dim)


def _role_filter(interp: BuiltinInterpreter, p: Parsed, avail: set[str], r: Readings) -> None:
    """'for each optometrist' on a per-staff metric (hours, patients per hour) keeps optometrists only."""
    if "staff_role" not in avail or any(f.dimension == "staff_role" for f in r.filters):
        return
    if not any(d in r.dimensions for d in ("provider", "staff_member")):
        return
    if not any(
        interp.model.metrics[m].table == "timeclock" or m == "patients_per_hour"
        for m in r.metrics
        if m in interp.model.metrics
    ):
        return
    for word, role in (
        ("optometrist", "optometrist"),
        ("doctor", "optometrist"),
        ("od", "optometrist"),
        ("optician", "optician"),
        ("technician", "technician"),
    ):
        if p.has(word):
            r.filters.append(Filter("staff_role", (role,)))
            return


def resolve(interp: BuiltinInterpreter, p: Parsed, as_of: dt.date) -> Readings:
    """Resolve the parsed question's phrases into readings."""
    p.time_as_of = as_of  # type: ignore[attr-defined]
    r = Readings()
    _metrics(interp, p, r)
    avail0 = _available(interp, r.metrics)
    values = _values(interp, p, avail0, r)
    _nuances(interp, p, r, values)
    avail = _available(interp, r.metrics)
    if r.metrics and avail != avail0:
        values = _values(interp, p, avail, r)
    _dimensions(interp, p, avail, values, r)
    _filters(interp, p, values, r)
    member_against_the_rest(p, r)
    _role_filter(interp, p, avail, r)
    t = p.time
    grain = t.grain
    if t.trend and not grain:
        grain = default_grain(t.time_range, as_of)
    if grain:
        r.named_grain = grain
    order(interp, p, r)
    if grain and grain not in r.dimensions:
        r.dimensions.append(grain)
        if not r.order_by and grain not in ("day_of_week", "hour_of_day") or not r.order_by:
            r.order_by = [OrderBy(grain, False)]
    r.named_time = t.time_range is not None and not t.main_defaulted
    r.compare_unit = t.compare_unit
    forward = bool(r.metrics) and r.metrics[0] == "upcoming_appointments"
    if t.time_range is not None:
        r.time_range = t.time_range
    elif forward:
        r.time_range = TimeRange(as_of, as_of + dt.timedelta(days=3650))
    else:
        r.time_range = TimeRange(None, as_of)
    r.compare_range = t.compare_range
    r.unknown = unknown_breakdowns(p)
    share_without_metric(interp, p, r)
    part_of_collections(interp, p, r)
    population_of_a_rate(interp, p, r)
    unsupported_statistic(interp, p, r)
    counts_no_metric_defines(interp, p, r)
    per_without_metric(interp, p, r)
    value_threshold(interp, p, r)
    change_ranking(interp, p, r, as_of)
    return r


def clarify_breakdown(interp: BuiltinInterpreter, r: Readings) -> None:
    """A breakdown nobody can compute: say so and offer the ones the metric has (never drop it silently)."""
    metric = r.metrics[0]
    label = metric_label(interp, metric)
    dims = sorted(_available(interp, r.metrics) - {"zip3"}, key=_dim_rank)
    names = [getattr(interp.model.dimensions.get(d), "label", d.replace("_", " ")).lower() for d in dims]
    asked = " and ".join(f"'{u}'" for u in r.unknown)
    r.clarify = (
        f"{asked} is not a breakdown (nor a name) in the data. {label} can be broken down by "
        f"{', '.join(names[:8])}{' and more' if len(names) > 8 else ''}, or by day, week, month, quarter or year. "
        "Which one?"
    )
    r.choices = [f"{label} by {n}" for n in names[:4]]


def _dim_rank(d: str) -> int:
    pref = language.DIMENSION_PREFERENCE
    return pref.index(d) if d in pref else 99


def clarify_metric(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    """No metric: ask which one, offering the likely ones for what the question does name."""
    pool = []
    for v in r.vague:
        pool += language.VAGUE_WORDS.get(v, ())
    pool = pool or list(language.COMMON_METRICS)
    dims_needed = set(r.dimensions) | r.named_filter_dims
    pool = [
        m
        for m in dict.fromkeys(pool)
        if m in interp.model.metrics
        and dims_needed
        <= interp.dims_for(m) | {"day", "week", "month", "quarter", "year", "day_of_week", "hour_of_day"}
    ]
    pool = pool[:4] or list(language.COMMON_METRICS)
    suffix = ""
    if r.dimensions:
        suffix = " by " + " and ".join(d.replace("_", " ") for d in r.dimensions)
    for f in r.filters:
        suffix += " for " + " and ".join(v.replace("_", " ") for v in f.values)
    when = time_words(p)
    suffix += f" {when}" if when else ""
    r.choices = [f"{metric_label(interp, m)}{suffix}" for m in pool]
    what = f"Which {r.vague[0]}" if r.vague else "Which number"
    r.clarify = f"{what} do you mean?" if r.vague else "Which number would you like to see?"
