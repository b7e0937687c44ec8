"""The practice calendar: open days, who works when, and expected appointments per day.

Rhythm: closed Sundays and public holidays, short Saturdays, a back-to-school peak in
August, a December dip, slow growth, and each optometrist's capacity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ingest.demo.config import DemoConfig, day
from ingest.demo.people import Locations, Staff

# January..December and Monday..Sunday demand factors.
SEASON = np.array([0.93, 0.95, 1.00, 0.98, 0.98, 1.02, 1.08, 1.24, 1.06, 1.00, 0.94, 0.80])
WEEKDAY = np.array([1.06, 1.00, 1.00, 1.05, 0.92, 0.55, 0.0])
APPOINTMENTS_PER_YEAR = 38_000  # an average location
GROWTH = 0.04  # per year


def _holidays(years: range) -> np.ndarray:
    out = []
    for y in years:
        may31 = dt.date(y, 5, 31)
        sep1 = dt.date(y, 9, 1)
        nov1 = dt.date(y, 11, 1)
        out += [
            dt.date(y, 1, 1),
            may31 - dt.timedelta(days=may31.weekday()),  # Memorial Day
            dt.date(y, 7, 4),
            sep1 + dt.timedelta(days=(7 - sep1.weekday()) % 7),  # Labor Day
            nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7 + 21),  # Thanksgiving
            dt.date(y, 12, 25),
        ]
    return np.array(out, dtype="datetime64[D]")


@dataclass(frozen=True)
class Calendar:
    """Days from the start to the horizon and the per-day schedule of each location."""

    days: np.ndarray  # datetime64[D]
    weekday: np.ndarray  # 0 = Monday
    month: np.ndarray  # 0 = January
    open: np.ndarray  # [loc, day]
    od_works: np.ndarray  # [staff, day], False for non-optometrists
    demand: np.ndarray  # [loc, day] expected appointments
    loc_ods: np.ndarray  # [loc, k] optometrist staff index, -1 padding

    def index(self, d: dt.date) -> int:
        """Day index of ``d``."""
        return int((day(d) - self.days[0]).astype(int))


def weekday_of(days: np.ndarray) -> np.ndarray:
    """Monday = 0 for an array of datetime64[D]."""
    return (days.astype("datetime64[D]").astype(np.int64) + 3) % 7


def make_calendar(cfg: DemoConfig, locs: Locations, staff: Staff) -> Calendar:
    """Open days, optometrist rosters and expected appointments per location-day."""
    rng = cfg.rng("calendar")
    days = np.arange(day(cfg.start), day(cfg.horizon) + 1)
    n_days = len(days)
    wd = weekday_of(days)
    month = days.astype("datetime64[M]").astype(int) % 12
    dom = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    holiday = np.isin(days, _holidays(range(cfg.start.year, cfg.horizon.year + 1)))
    is_open = (wd < 6) & ~holiday
    week = (days.astype(np.int64) + 3) // 7

    ods = staff.ods()
    per_loc = [ods[staff.loc[ods] == loc] for loc in range(locs.n)]
    kmax = max(1, max(len(p) for p in per_loc))
    loc_ods = np.full((locs.n, kmax), -1)
    works = np.zeros((staff.n, n_days), dtype=bool)
    for loc, members in enumerate(per_loc):
        loc_ods[loc, : len(members)] = members
        k = len(members)
        for j, s in enumerate(members):  # one loop step per optometrist, vectorised over days
            w = is_open & (days >= staff.hired_on[s])
            if not np.isnat(staff.left_on[s]):
                w &= days < staff.left_on[s]
            if k > 1:
                w &= wd != (2 + 2 * j) % 5  # a weekday off: Wednesday, Friday, Tuesday, ...
                w &= (wd != 5) | ((week + j) % k == 0)  # Saturdays in turn
                vacation_weeks = rng.random(week.max() - week.min() + 1) < 3 / 52
                w &= ~vacation_weeks[week - week.min()]
            else:
                w &= (wd != 5) | (week % 2 == 0)  # alternate Saturdays
            works[s] = w
    cap = (staff.capacity[:, None] * works)[np.maximum(loc_ods, 0)] * (loc_ods >= 0)[:, :, None]
    od_capacity = cap.sum(axis=1)  # [loc, day]
    full = np.array([staff.capacity[m].sum() for m in per_loc])[:, None]
    # When a doctor is off the others absorb part of the demand.
    coverage = np.where(od_capacity > 0, (od_capacity / np.maximum(full, 1e-9)) ** 0.4, 0.0)

    years = (days - day(cfg.start)).astype(float) / 365.25
    shape = SEASON[month] * WEEKDAY[wd] * (1 + GROWTH) ** years
    shape = shape * np.where((month == 11) & (dom >= 22), 0.65, 1.0)  # holiday week
    shape = shape * np.where((month == 7) & (dom >= 10), 1.08, 1.0)  # back-to-school rush
    raw = coverage * shape[None, :]
    past = days <= day(cfg.end)
    per_year = raw[:, past].sum(axis=1) * 365.25 / max(1, past.sum())
    scale = APPOINTMENTS_PER_YEAR * locs.volume / np.maximum(per_year, 1e-9)
    return Calendar(
        days=days,
        weekday=wd,
        month=month,
        open=is_open[None, :] & (od_capacity > 0),
        od_works=works,
        demand=raw * scale[:, None],
        loc_ods=loc_ods,
    )
