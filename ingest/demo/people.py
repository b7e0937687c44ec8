"""Locations and staff of the demo practice, with the per-provider traits that shape the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ingest.contract import STAFF_ROLES
from ingest.demo import names
from ingest.demo.config import DemoConfig, day
from ingest.demo.writer import STR, Codes, Ids, Table

# Named optometrists: (location index, capacity, no-show multiplier, base wait minutes,
# optical capture rate, exam minutes). Dr. Lee books loosely (more no-shows); Dr. Kim's
# waits grow late in the data (see Events).
_NAMED_OD_TRAITS = (
    (0, 1.10, 0.90, 11.0, 0.64, 22.0),
    (0, 0.95, 1.45, 14.0, 0.47, 20.0),
    (1, 1.00, 1.00, 12.0, 0.57, 25.0),
    (1, 1.00, 1.05, 13.0, 0.52, 21.0),
    (2, 1.15, 0.85, 10.0, 0.66, 19.0),
)
_VOLUME = (1.15, 1.05, 0.80)  # relative appointment volume of the three named locations
_ROLE_COUNTS = {"optician": 2, "technician": 3, "front_desk": 3, "office_manager": 1}


@dataclass(frozen=True)
class Locations:
    """Location rows plus their relative appointment volume."""

    names: np.ndarray
    cities: np.ndarray
    opened_on: np.ndarray
    exam_rooms: np.ndarray
    volume: np.ndarray

    @property
    def n(self) -> int:
        return len(self.names)

    def table(self) -> Table:
        """The ``locations`` source table."""
        return {
            "location_id": Ids(np.arange(1, self.n + 1), "LOC", 1),
            "location_name": self.names,
            "city": self.cities,
            "state": np.full(self.n, "OH", dtype=STR),
            "opened_on": self.opened_on,
            "exam_rooms": self.exam_rooms,
        }


@dataclass(frozen=True)
class Staff:
    """Staff rows; provider traits are meaningful for optometrists only."""

    names: np.ndarray
    role: np.ndarray  # index into STAFF_ROLES
    loc: np.ndarray
    hired_on: np.ndarray
    left_on: np.ndarray  # NaT while employed
    capacity: np.ndarray
    noshow: np.ndarray
    wait: np.ndarray
    capture: np.ndarray
    exam_minutes: np.ndarray

    @property
    def n(self) -> int:
        return len(self.names)

    def ods(self) -> np.ndarray:
        """Indices of the optometrists."""
        return np.flatnonzero(self.role == STAFF_ROLES.index("optometrist"))

    def index_of(self, name: str) -> int:
        """Index of the staff member called ``name``."""
        return int(np.flatnonzero(self.names == name)[0])

    def table(self, end: dt.date) -> Table:
        """The ``staff`` source table."""
        active = np.isnat(self.left_on) | (self.left_on > day(end))
        return {
            "staff_id": Ids(np.arange(1, self.n + 1), "ST", 3),
            "staff_name": self.names,
            "role": Codes(self.role, STAFF_ROLES),
            "home_location_id": Ids(self.loc + 1, "LOC", 1),
            "hired_on": self.hired_on,
            "is_active": active,
        }


def _numbered(words: list[str], n: int) -> list[str]:
    return [words[i % len(words)] + ("" if i < len(words) else f" {i // len(words) + 1}") for i in range(n)]


def make_locations(cfg: DemoConfig) -> Locations:
    """Downtown, Northside, Lakeview, then invented names for any further locations."""
    rng = cfg.rng("locations")
    n = cfg.locations
    extra = max(0, n - 3)
    loc_names = list(names.LOCATION_NAMES[:n]) + _numbered(list(names.EXTRA_LOCATION_WORDS), extra)
    cities = list(names.LOCATION_CITIES[:n]) + [
        names.EXTRA_LOCATION_CITIES[i % len(names.EXTRA_LOCATION_CITIES)] for i in range(extra)
    ]
    first = day(cfg.start) - np.timedelta64(400, "D")
    opened = np.array(["2008-05-12", "2013-09-03", "2018-03-19"][:n], dtype="datetime64[D]")
    opened = np.minimum(opened, first)
    extra_opened = first - rng.integers(0, 5000, extra).astype("timedelta64[D]")
    return Locations(
        names=np.array(loc_names, dtype=STR),
        cities=np.array(cities, dtype=STR),
        opened_on=np.concatenate([opened, extra_opened]),
        exam_rooms=np.concatenate([np.array([4, 3, 3][:n]), rng.integers(2, 6, extra)]),
        volume=np.concatenate([np.array(_VOLUME[:n]), rng.uniform(0.75, 1.25, extra)]),
    )


def _staff_name(rng: np.random.Generator, k: int) -> np.ndarray:
    female = rng.random(k) < 0.6
    first = np.where(
        female,
        np.array(names.FEMALE_FIRST)[rng.integers(0, len(names.FEMALE_FIRST), k)],
        np.array(names.MALE_FIRST)[rng.integers(0, len(names.MALE_FIRST), k)],
    )
    last = np.array(names.LAST)[rng.integers(0, len(names.LAST), k)]
    return np.strings.add(np.strings.add(first.astype(STR), " "), last.astype(STR))


def make_staff(cfg: DemoConfig, locs: Locations) -> Staff:
    """Optometrists (the five named, plus invented ones past three locations) and team."""
    rng = cfg.rng("staff")
    ev = cfg.events
    rows: list[tuple] = []  # (name, role, loc, capacity, noshow, wait, capture, exam)
    for i, (loc, *traits) in enumerate(_NAMED_OD_TRAITS):
        rows.append((names.OPTOMETRISTS[i], "optometrist", loc % locs.n, *traits))
    for loc in range(3, locs.n):
        for nm in _staff_name(rng, int(rng.integers(1, 3))):
            traits = (
                rng.uniform(0.85, 1.2),
                rng.uniform(0.8, 1.3),
                rng.uniform(9, 15),
                rng.uniform(0.45, 0.68),
            )
            rows.append(("Dr. " + str(nm), "optometrist", loc, *traits, rng.uniform(18, 26)))
    for loc in range(locs.n):
        for role, count in _ROLE_COUNTS.items():
            k = count - (1 if role == "technician" and locs.volume[loc] < 0.9 else 0)
            for nm in _staff_name(rng, k):
                rows.append((str(nm), role, loc, 0.0, 1.0, 0.0, 0.0, 0.0))
    n = len(rows)
    cols = list(zip(*rows, strict=True))
    loc = np.array(cols[2])
    start = day(cfg.start)
    hired = np.maximum(locs.opened_on[loc], start - rng.integers(60, 4000, n).astype("timedelta64[D]"))
    left = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    role = np.array([STAFF_ROLES.index(r) for r in cols[1]])
    # The planted departure: a Northside technician leaves before Dr. Kim's waits grow.
    tech = np.flatnonzero((role == STAFF_ROLES.index("technician")) & (loc == min(1, locs.n - 1)))[0]
    left[tech] = day(ev.tech_left_on)
    staff = Staff(
        names=np.array(cols[0], dtype=STR),
        role=role,
        loc=loc,
        hired_on=hired,
        left_on=left,
        capacity=np.array(cols[3], dtype=float),
        noshow=np.array(cols[4], dtype=float),
        wait=np.array(cols[5], dtype=float),
        capture=np.array(cols[6], dtype=float),
        exam_minutes=np.array(cols[7], dtype=float),
    )
    return _add_turnover(cfg, staff, rng)


def _add_turnover(cfg: DemoConfig, staff: Staff, rng: np.random.Generator) -> Staff:
    """Some non-doctor staff leave during the data and are replaced by a new hire."""
    span = (day(cfg.end) - day(cfg.start)).astype(int)
    leavers = np.flatnonzero((staff.role != 0) & np.isnat(staff.left_on) & (rng.random(staff.n) < 0.15))
    if span < 120 or len(leavers) == 0:
        return staff
    left = staff.left_on.copy()
    left[leavers] = day(cfg.start) + rng.integers(30, span - 60, len(leavers)).astype("timedelta64[D]")
    new_hired = left[leavers] + rng.integers(7, 45, len(leavers)).astype("timedelta64[D]")
    k = len(leavers)

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b])

    return Staff(
        names=cat(staff.names, _staff_name(rng, k)),
        role=cat(staff.role, staff.role[leavers]),
        loc=cat(staff.loc, staff.loc[leavers]),
        hired_on=cat(staff.hired_on, new_hired),
        left_on=cat(left, np.full(k, np.datetime64("NaT"), dtype="datetime64[D]")),
        capacity=cat(staff.capacity, staff.capacity[leavers]),
        noshow=cat(staff.noshow, staff.noshow[leavers]),
        wait=cat(staff.wait, staff.wait[leavers]),
        capture=cat(staff.capture, staff.capture[leavers]),
        exam_minutes=cat(staff.exam_minutes, staff.exam_minutes[leavers]),
    )
