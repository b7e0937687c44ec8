"""The words of the time grammar: months, numbers, units, relative and range words, grains."""

from __future__ import annotations

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "eighteen": 18,
    "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90, "a": 1,
}  # fmt: skip
UNITS = {
    "day": "day", "days": "day", "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "month": "month", "months": "month", "mo": "month", "mos": "month", "quarter": "quarter",
    "quarters": "quarter", "qtr": "quarter", "qtrs": "quarter", "year": "year", "years": "year",
    "yr": "year", "yrs": "year",
}  # fmt: skip
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": 4,
}
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
THIS = {"this", "current", "present"}
# Words between "last"/"this" and a unit that change nothing: "last full month", "this calendar year".
FILLER = {"full", "complete", "completed", "whole", "entire", "calendar"}
LAST = {"last", "previous", "prior", "past", "preceding", "trailing", "rolling"}
LEAD = {"in", "for", "during", "of", "over", "within", "on", "at", "the"}
RANGE_TO = {"to", "through", "thru", "until", "till", "and"}
VS = {"vs", "v", "versus", "against", "than"}
# Words that make a trend: the grain is then chosen from the period's length.
TREND_WORDS = {
    "trend", "trends", "trending", "trended", "history", "historical", "timeline", "evolution", "getting",
    "improving", "worsening", "rising", "falling", "increasing", "decreasing", "climbing", "declining",
}  # fmt: skip
# Grain words and the grain they ask for, also after "by", "per", "each", "every", "and".
GRAIN_ADJ = {
    "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year",
    "annually": "year", "annual": "year", "hourly": "hour_of_day",
}  # fmt: skip
# Every word the grammar reads (the spelling corrector must know them).
TIME_WORDS = {
    "today", "yesterday", "tomorrow", "ytd", "mtd", "qtd", "wtd", "date", "so", "far", "ttm", "ltm", "this",
    "current", "present", "next", "coming", "upcoming", "since", "from", "after", "starting", "before", "until",
    "between", "through", "thru", "till", "ago", "earlier", "over", "same", "period", "span", "yoy", "mom", "qoq",
    "wow", "weekday", "weekdays", "hour", "hours", "time", "half", "h1", "h2", "fy", "versus", "against",
    "compared", "compare", "comparing", "relative", "trend", "trends", "trending", "history", "historical",
    "timeline", "daily", "weekly", "monthly", "quarterly", "yearly", "annually", "hourly", "busiest",
    "full", "complete", "completed", "whole", "entire", "calendar",
}  # fmt: skip
GRAIN_NOUN = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
