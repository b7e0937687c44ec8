"""Timeclock shifts for every staff member on the days they work."""

from __future__ import annotations

import numpy as np

from ingest.contract import STAFF_ROLES
from ingest.demo.calendar import Calendar
from ingest.demo.config import DemoConfig, day
from ingest.demo.names import OPTOMETRISTS
from ingest.demo.people import Staff
from ingest.demo.writer import Ids, Money, Table

MIN = np.timedelta64(1, "m")


def make_timeclock(cfg: DemoConfig, cal: Calendar, staff: Staff) -> Table:
    """The ``timeclock`` source table: one row per shift up to the end date."""
    rng = cfg.rng("timeclock")
    ev = cfg.events
    past = int((day(cfg.end) - cal.days[0]).astype(int)) + 1
    days = cal.days[:past]
    wd = cal.weekday[:past]
    week = (days.astype(np.int64) + 3) // 7
    week = week - week[0]
    n = staff.n
    employed = (days[None, :] >= staff.hired_on[:, None]) & (
        np.isnat(staff.left_on)[:, None] | (days[None, :] < staff.left_on[:, None])
    )
    is_od = staff.role == STAFF_ROLES.index("optometrist")
    open_ = cal.open[staff.loc][:, :past]
    off_day = rng.integers(0, 5, n)
    team = open_ & employed & (wd[None, :] != off_day[:, None])
    team &= (wd[None, :] != 5) | ((week[None, :] + np.arange(n)[:, None]) % 3 == 0)
    team &= ~(rng.random((n, week[-1] + 1)) < 2 / 52)[:, week]
    team &= rng.random((n, past)) > 0.02  # sick days
    works = np.where(is_od[:, None], cal.od_works[:, :past], team)
    d, s = np.nonzero(works.T)  # by day, then staff
    k = len(s)
    sat = wd[d] == 5
    part_time = (staff.role[s] == STAFF_ROLES.index("front_desk")) & (s % 3 == 0)
    sched_h = np.where(sat, 5.0, np.where(part_time, 6.0, 8.0))
    start_min = np.where(sat, 525, np.where(staff.role[s] == STAFF_ROLES.index("front_desk"), 450, 465))
    clock_in = (
        days[d].astype("datetime64[s]") + np.round(start_min + rng.normal(0, 6, k)).astype(np.int64) * MIN
    )
    brk = np.where(sat, 0, np.where(is_od[s], 45, 30))

    when = days[d]
    p_ot = np.where(cal.month[d] == 7, 0.25, 0.12)
    north = min(1, cal.demand.shape[0] - 1)
    kim = np.flatnonzero(staff.names == OPTOMETRISTS[3])
    strained = (staff.loc[s] == north) & (when >= day(ev.tech_left_on))
    strained &= np.isin(s, kim) | (staff.role[s] == STAFF_ROLES.index("technician"))
    p_ot = np.where(strained, 0.55, p_ot)
    extra = np.where(rng.random(k) < p_ot, rng.gamma(2.0, 0.45, k) + 0.25, 0.0)
    extra = np.where(rng.random(k) < 0.05, -rng.uniform(0.25, 1.0, k), extra)
    worked_min = np.round((sched_h + extra) * 60 + rng.normal(0, 4, k)) + brk
    clock_out = clock_in + worked_min.astype(np.int64) * MIN
    return {
        "shift_id": Ids(np.arange(1, k + 1), "SH", 8),
        "staff_id": Ids(s + 1, "ST", 3),
        "location_id": Ids(staff.loc[s] + 1, "LOC", 1),
        "work_date": when,
        "scheduled_hours": Money(np.round(sched_h * 100).astype(np.int64)),
        "clock_in": clock_in,
        "clock_out": clock_out,
        "break_minutes": brk,
    }
