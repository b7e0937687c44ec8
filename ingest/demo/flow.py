"""Patient flow through the office for every completed appointment.

Planted here: Dr. Kim's waits grow steadily from ``Events.wait_start`` to the end date
(his location lost a technician just before).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.demo.config import DemoConfig, day
from ingest.demo.names import OPTOMETRISTS
from ingest.demo.people import Staff
from ingest.demo.schedule import Appointments, S, T
from ingest.demo.writer import Ids, Table

SEC = np.timedelta64(1, "s")
TYPE_EXAM_FACTOR = np.array([1.0, 0.9, 0.8, 0.5, 0.7, 0.9, 0.3])
OPTICAL_VISIT_P = np.array([0.72, 0.45, 0.12, 0.08, 0.5, 0.1, 1.0])
WAIT_GROWTH_MINUTES = 18.0


@dataclass
class Flow:
    """Timestamps per completed appointment (``appt`` indexes the appointments)."""

    appt: np.ndarray
    checked_in: np.ndarray
    pretest: np.ndarray
    exam_start: np.ndarray
    exam_end: np.ndarray
    optical: np.ndarray  # NaT when the optical was skipped
    checked_out: np.ndarray

    def table(self) -> Table:
        """The ``patient_flow`` source table."""
        return {
            "appointment_id": Ids(self.appt + 1, "AP", 8),
            "checked_in_at": self.checked_in,
            "pretest_started_at": self.pretest,
            "exam_started_at": self.exam_start,
            "exam_ended_at": self.exam_end,
            "optical_started_at": self.optical,
            "checked_out_at": self.checked_out,
        }


def _minutes(x: np.ndarray) -> np.ndarray:
    return np.round(x * 60).astype(np.int64) * SEC


def make_flow(cfg: DemoConfig, appts: Appointments, staff: Staff) -> Flow:
    """Check-in to check-out for each completed appointment."""
    rng = cfg.rng("flow")
    idx = np.flatnonzero(appts.status == S["completed"])
    n = len(idx)
    prov = appts.provider[idx]
    typ = appts.type[idx]
    sched = appts.scheduled_at[idx]
    checked_in = sched + _minutes(np.clip(rng.normal(-6, 5, n), -25, 20))
    pretest = checked_in + _minutes(rng.gamma(2.0, 2.2, n) + 0.5)

    wait = staff.wait[prov] * rng.lognormal(0, 0.33, n)
    when = sched.astype("datetime64[D]")
    ev = cfg.events
    kim = staff.index_of(OPTOMETRISTS[3]) if OPTOMETRISTS[3] in set(staff.names.tolist()) else -1
    ramp_days = max(1, (day(cfg.end) - day(ev.wait_start)).astype(int))
    ramp = np.clip((when - day(ev.wait_start)).astype(float) / ramp_days, 0, 1)
    wait = wait + np.where((prov == kim) & (when >= day(ev.wait_start)), WAIT_GROWTH_MINUTES * ramp, 0)
    wait = wait + np.where(appts.is_new[idx], 4.0, 0.0)
    pickup = typ == T["optical_pickup"]
    wait = np.where(pickup, rng.uniform(1, 6, n), wait)
    pre_gap = (pretest - checked_in) / np.timedelta64(60, "s")
    wait = np.maximum(wait, pre_gap + rng.uniform(3, 6, n))
    exam_start = checked_in + _minutes(wait)
    exam_len = staff.exam_minutes[prov] * TYPE_EXAM_FACTOR[typ] * rng.lognormal(0, 0.2, n)
    exam_end = exam_start + _minutes(np.maximum(exam_len, 4))

    visit = rng.random(n) < OPTICAL_VISIT_P[typ]
    optical = np.where(visit, exam_end + _minutes(rng.uniform(1, 6, n)), np.datetime64("NaT"))
    out_optical = optical + _minutes(rng.gamma(3.0, 6.0, n) + 4)
    out_plain = exam_end + _minutes(rng.uniform(2, 9, n))
    checked_out = np.where(visit, out_optical, out_plain)
    return Flow(
        appt=idx,
        checked_in=checked_in,
        pretest=pretest,
        exam_start=exam_start,
        exam_end=exam_end,
        optical=optical.astype("datetime64[s]"),
        checked_out=checked_out.astype("datetime64[s]"),
    )
