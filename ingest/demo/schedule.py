"""Appointments: volume per day, patients, providers, times, booking and status.

Everything is drawn for all appointments at once (numpy arrays), never row by row.
Planted here: the Northside no-show month and the new patients of the winning campaign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.contract import APPOINTMENT_STATUSES, APPOINTMENT_TYPES, BOOKING_CHANNELS, REFERRAL_SOURCES
from ingest.demo.calendar import Calendar
from ingest.demo.campaigns import Campaigns, pick_active
from ingest.demo.config import DemoConfig, day
from ingest.demo.people import Locations, Staff
from ingest.demo.writer import Codes, Ids, PatientIds, Table

T = {name: i for i, name in enumerate(APPOINTMENT_TYPES)}
S = {name: i for i, name in enumerate(APPOINTMENT_STATUSES)}
CH = {name: i for i, name in enumerate(BOOKING_CHANNELS)}
REF = {name: i for i, name in enumerate(REFERRAL_SOURCES)}

TYPE_P_EXISTING = np.array([0.40, 0.12, 0.10, 0.11, 0.04, 0.05, 0.18])
TYPE_P_NEW = np.array([0.74, 0.14, 0.08, 0.0, 0.04, 0.0, 0.0])
TYPE_MINUTES = np.array([45, 30, 30, 15, 30, 30, 15])
TYPE_NOSHOW = np.array([1.0, 0.9, 0.8, 1.3, 0.7, 0.9, 0.6])
REFERRAL_P_NEW = np.array([0.21, 0.17, 0.25, 0.10, 0.08, 0.05, 0.14])
NEW_PATIENT_SHARE = 0.085
BASE_PATIENTS = 15_000  # existing patients of an average location at the start
HOURS_WEEKDAY = np.array([6, 9, 10, 9, 5, 8, 9, 9, 8, 5], dtype=float)  # 8:00 .. 17:00
HOURS_SATURDAY = np.array([9, 10, 10, 8, 4], dtype=float)  # 9:00 .. 13:00
MIN = np.timedelta64(1, "m")


@dataclass
class Appointments:
    """All appointments, sorted by start time; ``patient`` indexes the patients table."""

    loc: np.ndarray
    patient: np.ndarray
    provider: np.ndarray
    type: np.ndarray
    channel: np.ndarray
    booked_at: np.ndarray
    scheduled_at: np.ndarray
    minutes: np.ndarray
    status: np.ndarray
    cancelled_at: np.ndarray
    is_new: np.ndarray
    campaign: np.ndarray

    @property
    def n(self) -> int:
        return len(self.loc)

    def table(self, patient_ids: PatientIds) -> Table:
        """The ``appointments`` source table."""
        return {
            "appointment_id": Ids(np.arange(1, self.n + 1), "AP", 8),
            "patient_id": patient_ids(self.patient),
            "location_id": Ids(self.loc + 1, "LOC", 1),
            "provider_id": Ids(self.provider + 1, "ST", 3),
            "appointment_type": Codes(self.type, APPOINTMENT_TYPES),
            "booking_channel": Codes(self.channel, BOOKING_CHANNELS),
            "booked_at": self.booked_at,
            "scheduled_at": self.scheduled_at,
            "scheduled_minutes": self.minutes,
            "status": Codes(self.status, APPOINTMENT_STATUSES),
            "cancelled_at": self.cancelled_at,
            "is_new_patient": self.is_new,
            "campaign_id": Ids(np.where(self.campaign >= 0, self.campaign + 1, -1), "CMP", 3),
        }


@dataclass(frozen=True)
class PatientPlan:
    """Who the patients are, as far as the schedule decides it (identities come later)."""

    loc: np.ndarray  # home location per patient
    first_visit: np.ndarray  # datetime64[D]; NaT for base patients (drawn later) and future ones
    is_base: np.ndarray
    referral: np.ndarray  # code, -1 for base patients (drawn later)
    kid: np.ndarray


def _choice(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, len(p) - 1)


def _times(rng: np.random.Generator, cal: Calendar, day_i: np.ndarray) -> np.ndarray:
    sat = cal.weekday[day_i] == 5
    hour = np.where(
        sat, 9 + _choice(rng, HOURS_SATURDAY, len(day_i)), 8 + _choice(rng, HOURS_WEEKDAY, len(day_i))
    )
    minute = 15 * rng.integers(0, 4, len(day_i))
    return cal.days[day_i].astype("datetime64[s]") + (hour * 60 + minute) * MIN


def _demand(cfg: DemoConfig, cal: Calendar, locs: Locations, camps: Campaigns, rng):
    """Per-appointment location, day, and the winning campaign's extra new patients."""
    counts = rng.poisson(cal.demand * cal.open)
    loc_i, day_i = np.nonzero(counts)
    reps = counts[loc_i, day_i]
    loc_i, day_i = np.repeat(loc_i, reps), np.repeat(day_i, reps)
    extra_mask = np.zeros(len(loc_i), dtype=bool)
    if camps.winner >= 0:
        w = (cal.days >= camps.start_on[camps.winner]) & (cal.days <= camps.end_on[camps.winner])
        lam = 2.6 * locs.volume[:, None] * (w & cal.open)
        extra = rng.poisson(lam)
        el, ed = np.nonzero(extra)
        rep = extra[el, ed]
        loc_i = np.concatenate([loc_i, np.repeat(el, rep)])
        day_i = np.concatenate([day_i, np.repeat(ed, rep)])
        extra_mask = np.concatenate([extra_mask, np.ones(rep.sum(), dtype=bool)])
    return loc_i, day_i, extra_mask


def _booking(rng, cal: Calendar, day_i, is_new, typ, scheduled_at):
    n = len(day_i)
    ch = np.where(
        is_new,
        _choice(rng, np.array([0.50, 0.38, 0.12, 0.0]), n),
        _choice(rng, np.array([0.48, 0.27, 0.04, 0.21]), n),
    )
    ch = np.where(typ == T["optical_pickup"], np.where(rng.random(n) < 0.7, CH["phone"], CH["online"]), ch)
    lead = np.ceil(rng.gamma(1.2, 13.0, n))
    lead = np.where(ch == CH["recall"], np.ceil(rng.gamma(2.0, 14.0, n)), lead)
    lead = np.where(is_new, np.ceil(rng.gamma(1.5, 6.0, n)), lead)
    lead = np.where(typ == T["optical_pickup"], 1 + np.floor(rng.gamma(1.0, 3.0, n)), lead)
    lead = np.maximum(lead, 1).astype(np.int64)
    lead = np.where(ch == CH["walk_in"], 0, lead)
    booked_day = cal.days[day_i] - lead.astype("timedelta64[D]")
    booked_at = booked_day.astype("datetime64[s]") + (480 + rng.integers(0, 600, n)) * MIN
    booked_at = booked_at + rng.integers(0, 60, n) * np.timedelta64(1, "s")
    walk = ch == CH["walk_in"]
    booked_at[walk] = scheduled_at[walk] - rng.integers(5, 40, walk.sum()) * MIN
    return ch, lead, booked_at


def _status(cfg: DemoConfig, cal: Calendar, rng, loc_i, day_i, provider, typ, lead, ch, is_new, staff):
    ev = cfg.events
    n = len(day_i)
    days = cal.days[day_i]
    north = min(1, cal.demand.shape[0] - 1)
    in_march = (loc_i == north) & (days >= day(ev.noshow_start)) & (days < day(ev.noshow_end))
    dom = (days - day(ev.noshow_start)).astype(float)
    event = np.where(in_march, 1.6 + 1.7 * dom / 30.0, 1.0)
    after = (loc_i == north) & (days >= day(ev.noshow_end)) & (days < day(ev.sms_fixed_on))
    event = np.where(after, 1.5, event)
    december = cal.month[day_i] == 11
    leadf = np.minimum(lead, 60) / 60.0
    p_noshow = 0.07 * staff.noshow[provider] * TYPE_NOSHOW[typ] * (0.75 + 0.5 * leadf) * event
    p_noshow *= np.where(december, 1.15, 1.0)
    p_cancel = 0.085 * (0.6 + np.minimum(lead, 60) / 40.0)
    u = rng.random(n)
    status = np.where(
        u < p_cancel, S["cancelled"], np.where(u < p_cancel + p_noshow, S["no_show"], S["completed"])
    )
    status = np.where(is_new | (ch == CH["walk_in"]), S["completed"], status)
    return np.where(days > day(cfg.end), S["scheduled"], status)


def make_appointments(
    cfg: DemoConfig, cal: Calendar, locs: Locations, staff: Staff, camps: Campaigns
) -> tuple[Appointments, PatientPlan]:
    """Every appointment from the start date to 60 days past the end, and the patient plan."""
    rng = cfg.rng("appointments")
    loc_i, day_i, extra = _demand(cfg, cal, locs, camps, rng)
    n = len(loc_i)
    is_new = extra | (rng.random(n) < NEW_PATIENT_SHARE)
    typ = np.where(is_new, _choice(rng, TYPE_P_NEW, n), _choice(rng, TYPE_P_EXISTING, n))
    typ = np.where(extra, np.where(rng.random(n) < 0.6, T["myopia_management"], T["comprehensive_exam"]), typ)
    scheduled_at = _times(rng, cal, day_i)
    ch, lead, booked_at = _booking(rng, cal, day_i, is_new, typ, scheduled_at)

    end_day = day(cfg.end)
    keep = (cal.days[day_i] <= end_day) | (booked_at.astype("datetime64[D]") <= end_day)
    loc_i, day_i, extra, is_new, typ = loc_i[keep], day_i[keep], extra[keep], is_new[keep], typ[keep]
    scheduled_at, ch, lead, booked_at = scheduled_at[keep], ch[keep], lead[keep], booked_at[keep]
    n = len(loc_i)

    # New patients: referral source, campaign attribution.
    referral = np.where(is_new, _choice(rng, REFERRAL_P_NEW, n), -1)
    referral = np.where(is_new & (ch == CH["walk_in"]), REF["walk_in"], referral)
    booked_idx = np.clip((booked_at.astype("datetime64[D]") - cal.days[0]).astype(int), 0, len(cal.days) - 1)
    act = camps.active(cal.days)
    want = is_new & (referral == REF["campaign"])
    campaign = np.full(n, -1)
    pull = act * camps.pull[:, None]
    campaign[want] = pick_active(rng, pull, booked_idx[want])
    # Few campaign referrals when only weak campaigns run.
    weak = want & (rng.random(n) > np.minimum(1.0, pull.sum(axis=0)[booked_idx]))
    campaign[weak] = -1
    referral = np.where(is_new & (referral == REF["campaign"]) & (campaign < 0), REF["google"], referral)
    campaign = np.where(extra, camps.winner, campaign)
    referral = np.where(extra, REF["campaign"], referral)

    # Patients: per location, base patients then new patients in order of their first visit.
    n_loc = locs.n
    base = np.round(BASE_PATIENTS * locs.volume).astype(np.int64)
    new_rows = np.flatnonzero(is_new)
    new_rows = new_rows[np.lexsort((day_i[new_rows], loc_i[new_rows]))]
    new_per_loc = np.bincount(loc_i[new_rows], minlength=n_loc)
    sizes = base + new_per_loc
    offset = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    group_start = np.concatenate([[0], np.cumsum(new_per_loc)[:-1]])
    rank = np.arange(len(new_rows)) - group_start[loc_i[new_rows]]
    patient = np.full(n, -1, dtype=np.int64)
    patient[new_rows] = offset[loc_i[new_rows]] + base[loc_i[new_rows]] + rank
    new_by_day = np.zeros((n_loc, len(cal.days)), dtype=np.int64)
    past_new = new_rows[cal.days[day_i[new_rows]] <= end_day]
    np.add.at(new_by_day, (loc_i[past_new], day_i[past_new]), 1)
    before = np.cumsum(new_by_day, axis=1) - new_by_day  # new patients seen before each day
    old = ~is_new
    elig = base[loc_i[old]] + before[loc_i[old], day_i[old]]
    patient[old] = offset[loc_i[old]] + np.floor(rng.random(old.sum()) * elig).astype(np.int64)

    # Providers: an optometrist of the location working that day, by capacity.
    cand = cal.loc_ods[loc_i]  # [n, k]
    w = staff.capacity[np.maximum(cand, 0)] * (cand >= 0) * cal.od_works[np.maximum(cand, 0), day_i[:, None]]
    cum = np.cumsum(w, axis=1)
    pick = (cum <= (rng.random(n) * cum[:, -1])[:, None]).sum(axis=1).clip(0, cand.shape[1] - 1)
    provider = cand[np.arange(n), pick]

    status = _status(cfg, cal, rng, loc_i, day_i, provider, typ, lead, ch, is_new, staff)
    span = (scheduled_at - booked_at).astype(np.int64)
    cancelled_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    canc = status == S["cancelled"]
    cancelled_at[canc] = booked_at[canc] + (span[canc] * rng.beta(2.5, 1.3, canc.sum())).astype(
        "timedelta64[s]"
    )

    # Existing patients who book while an email, SMS or mail campaign runs.
    messaging = np.isin(camps.channel, [0, 1, 4])
    responds = old & np.isin(ch, [CH["phone"], CH["online"]]) & (rng.random(n) < 0.02)
    campaign[responds] = pick_active(rng, act * messaging[:, None], booked_idx[responds])

    order = np.lexsort((loc_i, scheduled_at))
    plan = _plan(cal, loc_i, day_i, new_rows, referral, extra, base, end_day)
    appts = Appointments(  # compact dtypes: millions of rows for many locations
        loc=loc_i[order].astype(np.int32),
        patient=patient[order].astype(np.int32),
        provider=provider[order].astype(np.int32),
        type=typ[order].astype(np.int8),
        channel=ch[order].astype(np.int8),
        booked_at=booked_at[order],
        scheduled_at=scheduled_at[order],
        minutes=TYPE_MINUTES[typ[order]].astype(np.int16),
        status=status[order].astype(np.int8),
        cancelled_at=cancelled_at[order],
        is_new=is_new[order],
        campaign=campaign[order].astype(np.int32),
    )
    return appts, plan


def _plan(cal, loc_i, day_i, new_rows, referral, extra, base, end_day) -> PatientPlan:
    """Patients in index order: each location's base patients, then its new patients."""
    locs, first, is_base, ref, kid = [], [], [], [], []
    new_loc = loc_i[new_rows]
    for loc, b in enumerate(base):  # one step per location
        rows = new_rows[new_loc == loc]
        d = cal.days[day_i[rows]]
        locs += [np.full(b + len(rows), loc)]
        first += [
            np.full(b, np.datetime64("NaT"), dtype="datetime64[D]"),
            np.where(d <= end_day, d, np.datetime64("NaT")),
        ]
        is_base += [np.ones(b, dtype=bool), np.zeros(len(rows), dtype=bool)]
        ref += [np.full(b, -1), referral[rows]]
        kid += [np.zeros(b, dtype=bool), extra[rows]]
    return PatientPlan(
        loc=np.concatenate(locs),
        first_visit=np.concatenate(first),
        is_base=np.concatenate(is_base),
        referral=np.concatenate(ref),
        kid=np.concatenate(kid),
    )
