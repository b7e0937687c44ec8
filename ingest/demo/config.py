"""Settings of one demo run and the dates of its planted events.

Every planted event is anchored to the end date, so it falls inside the data whatever
end date is chosen (given enough history); ``docs/demo-events.md`` lists the dates for the
evaluation configuration (seed 7, end 2026-09-30).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

FUTURE_DAYS = 60  # scheduled appointments run this many days past the end date


class DemoError(ValueError):
    """A demo run was asked for with settings it cannot honour."""


def _month_start(d: dt.date, back: int = 0) -> dt.date:
    m = d.year * 12 + d.month - 1 - back
    return dt.date(m // 12, m % 12 + 1, 1)


def _last_ended(month: int, day: int, end: dt.date) -> int:
    """Year of the most recent ``month``/``day`` on or before ``end``."""
    return end.year if end >= dt.date(end.year, month, day) else end.year - 1


@dataclass(frozen=True)
class Events:
    """Dates of the planted events, derived from the end date."""

    last_full_month: dt.date  # first day of the last month wholly inside the data
    noshow_start: dt.date  # Northside no-show month (a March)
    noshow_end: dt.date  # exclusive
    wait_start: dt.date  # Dr. Kim's waits start to grow
    tech_left_on: dt.date  # a Northside technician leaves just before
    delay_start: dt.date  # Harbor Frame Co. stops shipping
    delay_notice_on: dt.date
    delay_end: dt.date  # shipments resume (catch-up delivery)
    winner_start: dt.date  # back-to-school myopia Google Ads campaign
    winner_end: dt.date
    loser_start: dt.date  # spring designer-frames Meta campaign
    loser_end: dt.date
    sms_fixed_on: dt.date  # reminder texts restored after the no-show month

    @classmethod
    def from_end(cls, end: dt.date) -> Events:
        """Anchor every event to ``end``."""
        last_full = _month_start(end) if (end + dt.timedelta(days=1)).day == 1 else _month_start(end, 1)
        march = _last_ended(3, 31, end)
        delay_month = _month_start(last_full, 4)
        delay_start = delay_month + dt.timedelta(days=(7 - delay_month.weekday()) % 7)  # first Monday
        august = _last_ended(8, 31, end)
        may = _last_ended(5, 31, end)
        return cls(
            last_full_month=last_full,
            noshow_start=dt.date(march, 3, 1),
            noshow_end=dt.date(march, 4, 1),
            wait_start=_month_start(last_full, 3),
            tech_left_on=_month_start(last_full, 3) - dt.timedelta(days=3),
            delay_start=delay_start,
            delay_notice_on=delay_start + dt.timedelta(days=3),
            delay_end=delay_start + dt.timedelta(days=63),
            winner_start=dt.date(august, 7, 13),
            winner_end=dt.date(august, 8, 31),
            loser_start=dt.date(may, 4, 1),
            loser_end=dt.date(may, 5, 31),
            sms_fixed_on=dt.date(march, 4, 6),
        )


@dataclass(frozen=True)
class DemoConfig:
    """One demo run: seed, date range (inclusive) and number of locations."""

    seed: int
    start: dt.date
    end: dt.date
    locations: int
    events: Events = field(init=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise DemoError(f"end date {self.end} is before start date {self.start}")
        if not 1 <= self.locations <= 500:
            raise DemoError(f"locations must be between 1 and 500, got {self.locations}")
        object.__setattr__(self, "events", Events.from_end(self.end))

    @property
    def horizon(self) -> dt.date:
        """Last day with (scheduled) appointments."""
        return self.end + dt.timedelta(days=FUTURE_DAYS)

    def rng(self, stream: str) -> np.random.Generator:
        """An independent, deterministic random stream for one part of the generator."""
        return np.random.default_rng([self.seed, *stream.encode()])


def day(d: dt.date) -> np.datetime64:
    """A date as numpy day."""
    return np.datetime64(d, "D")
