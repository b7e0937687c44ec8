"""Words that qualify what a question counts (see :mod:`assistant.interpret.qualifiers`):
verbs that do not compose into metric names, exclusions, status words, changes, statistics
and thresholds. Words, not questions: the readings combine them freely.
"""

from __future__ import annotations

# Words of a metric that are verbs ("how much did we make"): they read a question, but do
# not compose into a metric's name ("make per visit" is nobody's phrase).
VERB_WORDS = frozenset({
    "make", "made", "earn", "earned", "generate", "generated", "bill", "billed", "collect", "collected", "sold",
    "sell", "selling", "spent", "busy", "busier", "busiest", "productive",
})  # fmt: skip

# Words before a member that exclude it: "revenue by location excluding Downtown".
NEGATION_WORDS = frozenset({"excluding", "exclude", "except", "without", "not", "besides", "minus", "but"})
NEGATION_PHRASES = frozenset({
    "other than", "apart from", "aside from", "leaving out", "leave out", "outside of", "except for", "but not",
    "not including", "and not", "excluding the", "except the", "except for the", "other than the",
})  # fmt: skip

# Words of change: with a ranking word and a breakdown, the groups are ranked by their change
# against the previous comparable period ("which location grew revenue the most").
CHANGE_UP = frozenset(
    {
        "grew",
        "grow",
        "growth",
        "increase",
        "increased",
        "increases",
        "rose",
        "gained",
        "gain",
        "gains",
        "up",
        "climbed",
    }
)
CHANGE_DOWN = frozenset(
    {
        "drop",
        "dropped",
        "drops",
        "decline",
        "declined",
        "declines",
        "fell",
        "decrease",
        "decreased",
        "shrank",
        "lost",
        "down",
    }
)
CHANGE_GOOD = frozenset({"improved", "improve", "improvement", "improvements", "better"})
CHANGE_BAD = frozenset({"worsened", "worse", "deteriorated"})
CHANGE_ANY = frozenset({"change", "changed", "changes", "moved", "swing"})
# Statistics no metric defines: the metrics are sums, counts, averages and rates.
STATISTIC_WORDS = frozenset(
    {"median", "percentile", "p90", "p95", "p99", "mode", "variance", "deviation", "quartile"}
)
EXTREME_WORDS = frozenset(
    {"max", "maximum", "min", "minimum", "longest", "shortest", "highest", "lowest", "worst", "best"}
)
# Comparisons with a number ("more than 2000 visits", "above 6%"): groups are not filtered by a value.
THRESHOLD_WORDS = frozenset({"than", "above", "below", "exceeding", "exceeds", "least", "most"})

# The metric whose noun status words qualify: "appointments that were missed" are
# no-shows, "appointments cancelled" cancellations. A weaker metric word of the same
# table (missed, cancelled, completed, booked) then names the metric, the noun the rows.
BASE_NOUN_METRICS = ("appointments",)

# Words asking for a share ("what percent of ...", "the proportion of ...").
SHARE_NOUNS = ("percent", "percentage", "proportion", "share", "fraction")
# People counted by visits: "how many kids did we see", "which carrier has the most patients".
PEOPLE = ("patient", "patients", "kid", "kids", "child", "children", "senior", "seniors", "people", "folks")
# A weekday against the others ("is the no-show rate higher on Mondays").
COMPARATIVES = frozenset({
    "higher", "more", "lower", "less", "fewer", "worse", "better", "busier", "quieter", "slower", "longer", "shorter",
})  # fmt: skip
# Paying: collections are insurance and patient payments together.
PAYMENT_WORDS = ("paid", "pay", "payment", "payments", "collect", "collected", "collections")
# Counts no metric defines: exams followed by a purchase (the capture rate's parts), NPS's parts.
PURCHASE_WORDS = ("purchase", "purchases", "purchased", "buy", "buys", "bought", "buying")
NPS_PARTS = ("detractor", "detractors", "promoters", "passives")  # "net promoter score" is NPS itself
# Formats of rates and averages: not split by a count's population ("no-show rate for new patients").
RATE_FORMATS = ("percent", "ratio", "minutes")
