"""Figures the practice documents quote, read back from the written export.

Reading them from the CSV files (not from the generator's arrays) keeps every number a
document states equal to what the data says. Queries are fixed SQL with parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

NEEDED = {
    "locations",
    "staff",
    "patients",
    "campaigns",
    "appointments",
    "patient_flow",
    "charges",
    "inventory_items",
    "inventory_movements",
    "timeclock",
    "campaign_spend",
    "surveys",
}

MONTHLY_SQL = """
WITH a AS (
  SELECT date_trunc('month', scheduled_at)::DATE AS month, location_id,
         count_if(status = 'completed') AS visits,
         count_if(status = 'completed' AND is_new_patient) AS new_patients,
         count_if(status = 'no_show') AS no_shows,
         count_if(status IN ('completed', 'no_show')) AS kept_or_missed,
         count_if(status = 'cancelled') AS cancels
  FROM appointments WHERE status <> 'scheduled' GROUP BY ALL),
r AS (SELECT date_trunc('month', service_date)::DATE AS month, location_id, sum(charge_amount)::DOUBLE AS revenue,
             (sum(charge_amount) FILTER (WHERE category IN ('frames', 'spectacle_lenses', 'sunglasses')))::DOUBLE AS optical
      FROM charges GROUP BY ALL),
w AS (SELECT date_trunc('month', f.checked_in_at)::DATE AS month, a.location_id,
             avg(epoch(f.exam_started_at - f.checked_in_at) / 60.0) AS wait
      FROM patient_flow f JOIN appointments a USING (appointment_id) GROUP BY ALL),
s AS (SELECT date_trunc('month', submitted_at)::DATE AS month, location_id,
             100.0 * (avg((nps_score >= 9)::INT) - avg((nps_score <= 6)::INT)) AS nps
      FROM surveys GROUP BY ALL)
SELECT a.month, l.location_name, a.visits, a.new_patients, a.no_shows, a.kept_or_missed,
       a.cancels, coalesce(r.revenue, 0), coalesce(r.optical, 0), w.wait, s.nps
FROM a JOIN locations l USING (location_id)
LEFT JOIN r USING (month, location_id) LEFT JOIN w USING (month, location_id) LEFT JOIN s USING (month, location_id)
ORDER BY 1, 2
"""

PROVIDER_WAIT_SQL = """
SELECT date_trunc('month', f.checked_in_at)::DATE, s.staff_name, avg(epoch(f.exam_started_at - f.checked_in_at) / 60.0)
FROM patient_flow f JOIN appointments a USING (appointment_id) JOIN staff s ON s.staff_id = a.provider_id
GROUP BY ALL
"""

WEEKLY_NOSHOW_SQL = """
SELECT date_trunc('week', a.scheduled_at)::DATE, count_if(status = 'no_show') / count_if(status IN ('completed', 'no_show'))
FROM appointments a JOIN locations l USING (location_id)
WHERE l.location_name = $1 AND a.scheduled_at >= $2 AND a.scheduled_at < $3 AND status <> 'scheduled'
GROUP BY 1 ORDER BY 1
"""

SUPPLIER_WEEKLY_SQL = """
SELECT date_trunc('week', moved_on)::DATE, -coalesce(sum(quantity) FILTER (WHERE movement_type = 'sale'), 0),
       coalesce(sum(quantity) FILTER (WHERE movement_type = 'receipt'), 0)
FROM inventory_movements m JOIN inventory_items i USING (sku)
WHERE i.supplier = $1 AND i.product_category = 'frames' AND moved_on >= $2 AND moved_on < $3
GROUP BY 1 ORDER BY 1
"""

STOCK_OUT_SQL = """
WITH s AS (SELECT m.sku, m.location_id, sum(m.quantity) AS stock
           FROM inventory_movements m JOIN inventory_items i USING (sku)
           WHERE i.supplier = $1 AND i.product_category = 'frames' AND m.moved_on <= $2 GROUP BY ALL)
SELECT l.location_name, count_if(stock <= 0), count(*) FROM s JOIN locations l USING (location_id)
GROUP BY 1 ORDER BY 1
"""

CAMPAIGN_SQL = """
WITH s AS (SELECT campaign_id, sum(spend_amount)::DOUBLE AS spend FROM campaign_spend GROUP BY 1),
n AS (SELECT campaign_id, count(*) AS new_patients FROM appointments
      WHERE status = 'completed' AND is_new_patient AND campaign_id IS NOT NULL GROUP BY 1),
r AS (SELECT a.campaign_id, sum(c.charge_amount)::DOUBLE AS revenue FROM charges c JOIN appointments a USING (appointment_id)
      WHERE a.campaign_id IS NOT NULL GROUP BY 1)
SELECT c.campaign_name, c.channel, c.start_on, c.end_on, c.budget::DOUBLE, coalesce(s.spend, 0),
       coalesce(n.new_patients, 0), coalesce(r.revenue, 0)
FROM campaigns c LEFT JOIN s USING (campaign_id) LEFT JOIN n USING (campaign_id) LEFT JOIN r USING (campaign_id)
ORDER BY c.start_on, c.campaign_name
"""

PATIENT_AT_SQL = """
SELECT p.first_name, p.last_name, p.phone, p.patient_id, p.email, a.scheduled_at
FROM appointments a JOIN patients p USING (patient_id) JOIN locations l USING (location_id)
LEFT JOIN staff s ON s.staff_id = a.provider_id
WHERE l.location_name = $1 AND a.status = $2 AND a.scheduled_at >= $3 AND a.scheduled_at < $4
  AND (s.staff_name = $5 OR $5 = '') AND p.email IS NOT NULL
ORDER BY a.appointment_id LIMIT 1 OFFSET $6
"""

STAFF_SQL = """
SELECT s.staff_name, s.role, l.location_name, s.is_active, max(t.work_date)
FROM staff s JOIN locations l ON l.location_id = s.home_location_id LEFT JOIN timeclock t USING (staff_id)
GROUP BY s.staff_id, s.staff_name, s.role, l.location_name, s.is_active ORDER BY s.staff_id
"""

UNITS_SQL = """
SELECT -sum(quantity) FROM inventory_movements m JOIN inventory_items i USING (sku)
WHERE movement_type = 'sale' AND i.supplier = $1 AND i.product_category = 'frames' AND moved_on >= $2 AND moved_on < $3
"""


def first_or(names: list[str], default: str) -> str:
    """The first name of a list, or ``default`` when it is empty."""
    return names[0] if names else default


@dataclass(frozen=True)
class Month:
    """One location's month."""

    visits: int
    new_patients: int
    no_shows: int
    kept_or_missed: int
    cancels: int
    revenue: float
    optical: float
    wait: float | None
    nps: float | None

    @property
    def no_show_rate(self) -> float | None:
        """No-shows over completed plus no-show appointments."""
        return self.no_shows / self.kept_or_missed if self.kept_or_missed else None


@dataclass(frozen=True)
class Campaign:
    """Results of one campaign."""

    name: str
    channel: str
    start: dt.date
    end: dt.date
    budget: float
    spend: float
    new_patients: int
    revenue: float

    @property
    def roi(self) -> float | None:
        return (self.revenue - self.spend) / self.spend if self.spend else None

    @property
    def cost_per_new(self) -> float | None:
        return self.spend / self.new_patients if self.new_patients else None


@dataclass(frozen=True)
class Person:
    """A patient as a note would mention them."""

    first: str
    last: str
    phone: str
    mrn: str
    email: str
    seen_at: dt.datetime


class Facts:
    """Query helper over a written export folder."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        """``con`` holds the export's tables named in NEEDED (with source columns)."""
        self.con = con
        self.months: dict[tuple[dt.date, str], Month] = {
            (r[0], r[1]): Month(*r[2:]) for r in self.con.execute(MONTHLY_SQL).fetchall()
        }
        order = self.con.execute("SELECT location_name FROM locations ORDER BY location_id").fetchall()
        self.locations = [r[0] for r in order]
        self.provider_wait = {(r[0], r[1]): r[2] for r in self.con.execute(PROVIDER_WAIT_SQL).fetchall()}
        self.campaigns = [Campaign(*r) for r in self.con.execute(CAMPAIGN_SQL).fetchall()]
        self.staff = self.con.execute(STAFF_SQL).fetchall()

    def month(self, month: dt.date, location: str) -> Month | None:
        """Figures of one location's month, if it has data."""
        return self.months.get((month, location))

    def weekly_no_show(self, location: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, float]]:
        """No-show rate per week (Monday start) at a location."""
        return self.con.execute(WEEKLY_NOSHOW_SQL, [location, start, end]).fetchall()

    def supplier_weeks(self, supplier: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, int, int]]:
        """Frames sold and received per week from one supplier."""
        return self.con.execute(SUPPLIER_WEEKLY_SQL, [supplier, start, end]).fetchall()

    def stock_outs(self, supplier: str, on: dt.date) -> list[tuple[str, int, int]]:
        """Per location: the supplier's frame styles with no stock on ``on``, and all its styles."""
        return self.con.execute(STOCK_OUT_SQL, [supplier, on]).fetchall()

    def units(self, supplier: str, start: dt.date, end: dt.date) -> int:
        """Frames of one supplier sold in [start, end)."""
        return int(self.con.execute(UNITS_SQL, [supplier, start, end]).fetchone()[0] or 0)

    def campaign(self, name: str) -> Campaign | None:
        """A campaign's results by name."""
        return next((c for c in self.campaigns if c.name == name), None)

    def patient(
        self, location: str, status: str, start: dt.date, end: dt.date, provider: str = "", pick: int = 0
    ) -> Person | None:
        """A patient with an appointment of ``status`` in the window (deterministic choice)."""
        row = self.con.execute(PATIENT_AT_SQL, [location, status, start, end, provider, pick]).fetchone()
        return Person(*row) if row else None

    def people(self, role: str, location: str | None = None, active: bool | None = True) -> list[str]:
        """Staff names by role (and home location)."""
        return [
            r[0]
            for r in self.staff
            if r[1] == role and (location is None or r[2] == location) and (active is None or r[3] == active)
        ]

    def last_shift(self, name: str) -> dt.date | None:
        """The last day a staff member worked."""
        return next((r[4] for r in self.staff if r[0] == name), None)
