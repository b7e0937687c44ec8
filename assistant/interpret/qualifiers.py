"""Words that qualify what a question counts: status words on appointments, members left
out, and shares no metric defines. Each returns a reading or a clarification; none
guesses a number (docs/interpreter.md, "Breakdowns, filters, ranking").
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from assistant.interpret import qualifier_words as qw
from assistant.interpret.calendar_math import comparable_previous, shift_range, unit_start
from assistant.interpret.timewords import GRAIN_ADJ, TREND_WORDS, UNITS
from semantic_layer.query import TIME_GRAINS, OrderBy, TimeRange

if TYPE_CHECKING:
    from assistant.interpret.builtin import BuiltinInterpreter, Parsed
    from assistant.interpret.readings import Readings


def metric_label(interp: BuiltinInterpreter, metric: str) -> str:
    """The metric's label ("No-show rate"), or its name in words."""
    m = interp.model.metrics.get(metric)
    return getattr(m, "label", "") or metric.replace("_", " ")


def time_words(p: Parsed) -> str:
    """The question's own period words ("last year", "in 2025"), to repeat in a choice
    (grain and trend words are left out: a choice names its breakdown itself)."""
    skip = TREND_WORDS | set(GRAIN_ADJ) | {"over", "time", "by", "per", "each", "every"}
    words = [
        p.words[i]
        for i in sorted(p.time.used)
        if p.words[i] not in skip and not (i and p.words[i - 1] in ("by", "per", "each", "every"))
    ]
    while words and words[0] in ("of", "for", "during", "within", "the", "at", "on"):
        words = words[1:]
    return " ".join(words)


def _ask(r: Readings, p: Parsed, message: str, offers: list[str]) -> None:
    """Ask ``message``, offering ``offers`` each followed by the question's own period words."""
    when = time_words(p)
    r.clarify = message
    r.choices = [f"{o} {when}".strip() for o in offers]


def _dimension_label(interp: BuiltinInterpreter, d: str) -> str:
    return getattr(interp.model.dimensions.get(d), "label", d.replace("_", " ")).lower()


def status_of_base_noun(interp: BuiltinInterpreter, names: list[str], weak: list[str]) -> list[str]:
    """Status words: in "appointments that were missed" the status names the metric, not the noun.

    A base noun metric (BASE_NOUN_METRICS) read alongside one other count of the same
    table (a status: missed, cancelled, did not show up) is replaced by that count."""
    metrics = interp.model.metrics
    out = list(names)
    for i, name in enumerate(out):
        if name not in qw.BASE_NOUN_METRICS or name not in metrics:
            continue
        table = metrics[name].table
        status = [
            w
            for w in dict.fromkeys([*names, *weak])
            if w != name and w in metrics and metrics[w].table == table and metrics[w].format == "count"
        ]
        if len(status) == 1:
            out[i] = status[0]
    return list(dict.fromkeys(out))


_LINKS = ("at", "in", "for", "from", "the", "of", "by", "to")


def negated(p: Parsed, start: int, previous: tuple[int, bool] | None) -> bool:
    """Whether the value phrase at ``start`` is excluded: "excluding Downtown", "all
    locations except Lakeview and Northside" (a list goes on excluding)."""
    if (
        previous is not None
        and previous[1]
        and all(w in ("and", "or", "nor") for w in p.words[previous[0] : start])
    ):
        return True
    words = p.words[max(0, start - 4) : start]
    stripped = list(words)
    while stripped and stripped[-1] in _LINKS:  # "but not at Downtown", "except the Lakeview office"
        stripped.pop()
    if stripped[-1:] and stripped[-1] in qw.NEGATION_WORDS:
        return True
    return any(
        " ".join(before[i:]) in qw.NEGATION_PHRASES
        for before in (words, stripped)
        for i in range(len(before))
    )


def _share_of_people(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    """ "what percent of our patients are over 65": no metric names the people counted, so
    offer the visits and the active patients broken down by what the question filters."""
    if not p.has(*qw.SHARE_NOUNS):
        return
    if not p.has(*qw.PEOPLE):
        return
    dims = [f.dimension for f in r.filters if f.dimension not in TIME_GRAINS]
    if not dims:
        return
    label = _dimension_label(interp, dims[0])
    _ask(
        r,
        p,
        f"There is no metric for a share of patients; a breakdown by {label} gives each group's share.",
        [
            f"{metric_label(interp, m)} by {label}"
            for m in ("completed_visits", "active_patients")
            if m in interp.model.metrics
        ],
    )


def share_without_metric(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    """Shares no metric defines ("what share of visits were new patients", "what share of
    revenue is self-pay"). Ask, offering the breakdown that states each group's share of the
    total (or the counts), instead of answering an amount to a question about a share."""
    if r.clarify:
        return
    if not r.metrics:
        _share_of_people(interp, p, r)
        return
    rate_after = any(
        m.kind == "metric" and p.words[m.end : m.end + 1] == ["rate"] and m.targets[0][0] in r.metrics
        for m in p.mentions
    )  # "collection rate": a rate of an amount
    if not rate_after and not p.has(*qw.SHARE_NOUNS):
        return
    if any(d not in TIME_GRAINS for d in r.dimensions):
        return  # a breakdown's narrative gives each group's share of the total
    amounts = [*r.metrics, *(w for w in r.weak_metrics if w not in r.metrics)]
    amounts = [m for m in amounts if m in interp.model.metrics]
    if not amounts or any(
        interp.model.metrics[m].format not in ("count", "currency", "hours") for m in amounts
    ):
        return
    labels = [metric_label(interp, m) for m in amounts]
    by = [f.dimension for f in r.filters if f.dimension not in TIME_GRAINS]
    breakdowns = [f"{labels[0]} by {_dimension_label(interp, d)}" for d in by]
    if not breakdowns and len(amounts) == 1 and not rate_after:
        return  # "share of revenue in 2025": nothing to take a share of
    offer = (
        "a breakdown gives each group's share of the total."
        if breakdowns
        else "I can show the totals, or a breakdown that gives each group's share."
    )
    shares = " or ".join(lb.lower() for lb in labels)
    _ask(r, p, f"There is no metric for a share of {shares}; {offer}", (breakdowns or labels)[:3])


def population_of_a_rate(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    """ "no-show rate for new patients": a count named as the population of a rate. No
    breakdown of the rate by that population exists, so ask instead of answering the rate
    for everyone beside the count."""
    if r.clarify or len(r.metrics) != 2:
        return
    metrics = interp.model.metrics
    rates = [m for m in r.metrics if m in metrics and metrics[m].format in qw.RATE_FORMATS]
    counts = [m for m in r.metrics if m in metrics and metrics[m].format == "count"]
    if len(rates) != 1 or len(counts) != 1:
        return
    for m in p.mentions:
        named = m.kind == "metric" and m.targets[0][0] == counts[0] and m.start > 0
        if named and p.words[m.start - 1] in ("for", "among", "of", "with"):
            rate, count = metric_label(interp, rates[0]), metric_label(interp, counts[0])
            message = (
                f"The {rate.lower()} cannot be split by {count.lower()}: no breakdown of it says who "
                "is one. Which would you like?"
            )
            _ask(r, p, message, [rate, count])
            return


def change_ranking(interp: BuiltinInterpreter, p: Parsed, r: Readings, as_of: dt.date) -> None:
    """ "which location grew revenue the most", "biggest drop in visits by location", "which
    provider improved their no-show rate the most": rank the groups by their change against
    the previous comparable period (this year to date against the same span last year when no
    period is named), not by their level."""
    if r.clarify or not r.metrics or not r.order_by or not any(d not in TIME_GRAINS for d in r.dimensions):
        return
    words = set(p.words)
    metric = r.metrics[0]
    good_up = (
        getattr(getattr(interp.model.metrics.get(metric), "good_direction", None), "value", "up") != "down"
    )
    if words & qw.CHANGE_UP:
        desc = True
    elif words & qw.CHANGE_DOWN:
        desc = False
    elif words & qw.CHANGE_GOOD:
        desc = good_up
    elif words & qw.CHANGE_BAD:
        desc = not good_up
    elif words & qw.CHANGE_ANY:
        desc = r.order_desc
    else:
        return
    if r.compare_range is None:
        if r.time_range is None or r.time_range.start is None:
            r.time_range = TimeRange(unit_start(as_of, "year"), as_of)
            r.compare_range = shift_range(r.time_range, "year", -1)
        else:
            r.compare_range = comparable_previous(r.time_range)
    if r.compare_range is not None:
        r.order_by = [OrderBy(f"{metric}_change", desc)]


def unsupported_statistic(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    """ "median wait time", "the maximum wait at Northside": a statistic the model does not
    define. Ask, offering the average (and the ranking for an extreme), instead of answering
    the average as if it were the median."""
    if r.clarify or not r.metrics:
        return
    metric = r.metrics[0]
    m = interp.model.metrics.get(metric)
    words = set(p.words)
    asked = sorted(words & qw.STATISTIC_WORDS)
    agg = getattr(getattr(m, "measure", None), "agg", None)
    average = getattr(agg, "value", agg) == "avg"
    if not asked and average and not r.dimensions:
        asked = sorted(words & qw.EXTREME_WORDS & {"max", "maximum", "min", "minimum", "longest", "shortest"})
    if not asked:
        return
    label = metric_label(interp, metric)
    kind = "an average" if average else "a total or a rate"
    message = (
        f"The {' and '.join(asked)} is not a measure here: {label.lower()} is {kind}. Which would you like?"
    )
    _ask(r, p, message, [label, f"{label} by day", f"{label} by provider"])


def value_threshold(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    """ "providers with more than 2000 visits", "locations where the no-show rate is above 6%":
    groups cannot be filtered by a value. Ask, offering the ranking that shows every group's value."""
    if r.clarify or not r.metrics:
        return
    for i, w in enumerate(p.words[:-1]):
        nxt = p.words[i + 1]
        if p.words[i + 2 : i + 3] and p.words[i + 2] in UNITS:
            continue  # "over 90 days": a period
        if w in qw.THRESHOLD_WORDS and (nxt.replace(".", "", 1).isdigit() or nxt in ("percent",)):
            break
        if (
            w in ("over", "under")
            and nxt.replace(".", "", 1).isdigit()
            and not (len(nxt) == 4 and nxt.startswith("20"))
        ):
            break
    else:
        return
    label = metric_label(interp, r.metrics[0])
    dims = [d for d in r.dimensions if d not in TIME_GRAINS] or [
        d for d in r.mentioned_dims if d not in TIME_GRAINS
    ]
    by = f" by {dims[0].replace('_', ' ')}" if dims else ""
    message = (
        f"Groups cannot be filtered by a value of {label.lower()}; the ranking shows every group's value."
    )
    _ask(r, p, message, [f"{label}{by}"])


def member_against_the_rest(p: Parsed, r: Readings) -> None:
    """ "is our no-show rate higher on Mondays?": a comparison of one weekday with the others,
    answered by the breakdown by day of week (a filter would show Mondays alone)."""
    if not set(p.words) & qw.COMPARATIVES or any(d not in TIME_GRAINS for d in r.dimensions):
        return
    days = [f for f in r.filters if f.dimension == "day_of_week"]
    if len(days) != 1 or "day_of_week" in r.dimensions:
        return
    r.filters = [f for f in r.filters if f is not days[0]]
    r.dimensions.append("day_of_week")


def part_of_collections(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    """Collections are insurance and patient payments together and no metric splits them:
    "how much did we collect from insurance", "patient payments", "how much did VSP pay us"
    ask rather than answer the sum. "collections for VSP patients" (everything those
    patients' charges brought in) and "collections from patients seen by Dr. Lee" are answered."""
    if r.clarify or r.metrics != ["collections"] or not p.has(*qw.PAYMENT_WORDS):
        return
    payer_named = any(f.dimension in ("payer_type", "insurance_carrier", "insurance_type") for f in r.filters)
    if payer_named:
        asks = p.has("pay", "paid", "payment", "payments")  # the insurer paying, not its patients' total
    else:
        patients_pay = any(
            w in ("patient", "patients") and p.words[i + 1 : i + 2] and p.words[i + 1] in qw.PAYMENT_WORDS
            for i, w in enumerate(p.words)
        )
        asks = patients_pay or p.has("insurance", "insurer", "insurers", "self")
    if not asks:
        return
    message = (
        "Collections count insurance and patient payments together; no metric splits them. "
        "The breakdown by payer type shows what each kind of payer's charges brought in."
    )
    _ask(r, p, message, ["Collections by payer type", "Collections"])


def counts_no_metric_defines(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    """Counts the model does not define, asked in words of a metric it does: exams that led
    (or did not lead) to an eyewear purchase are the optical capture rate's parts;
    promoters and detractors are NPS's. Ask, offering the metric, instead of a count of
    something else."""
    if r.clarify:
        return
    if p.has(*qw.PURCHASE_WORDS) and p.has("exam", "exams", "visit", "visits", "patient", "patients"):
        if "optical_capture_rate" in r.metrics:
            return
        message = (
            "Exams with or without an eyewear purchase are not counted by any metric; the optical capture rate "
            "is the share of comprehensive exams followed by a frames or lenses purchase within 30 days."
        )
        _ask(r, p, message, ["Optical capture rate", "Optical capture rate by provider"])
    elif p.has(*qw.NPS_PARTS):
        message = "Promoters and detractors are not counted by any metric; NPS is the share of promoters minus detractors."
        _ask(r, p, message, ["NPS", "NPS by location", "NPS by provider"])


def per_without_metric(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    """ "eyewear sales per comprehensive exam": "per" before something that is neither a
    breakdown ("per provider") nor a grain ("per month") asks for a ratio no metric defines
    (the ratios that are metrics, "revenue per visit", are read as such)."""
    if r.clarify or not r.metrics or "per" not in p.words:
        return
    if any(len(getattr(interp.model.metrics.get(m), "components", ())) == 2 for m in r.metrics):
        return  # a derived "A per B" metric was read
    i = p.words.index("per")
    after = [m for m in p.mentions if m.start > i]
    nxt = p.words[i + 1 : i + 2]
    if not after or (nxt and (nxt[0] in UNITS or nxt[0] in GRAIN_ADJ)) or i + 1 in p.time.used:
        return
    first = min(after, key=lambda m: m.start)
    if first.kind == "dimension" or first.start > i + 3:
        return
    label = metric_label(interp, r.metrics[0])
    asked = " ".join(p.words[i + 1 : first.end])
    _ask(r, p, f"{label} per {asked} is not a metric. Which would you like?", [label, "Revenue per visit"])
