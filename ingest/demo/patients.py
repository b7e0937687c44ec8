"""Patient identities for the source export: names, MRNs, contacts, addresses, insurance.

Some patients are 90 or older and some live in restricted three-digit ZIP areas, so that
ingestion's Safe Harbor rules have something to do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.contract import (
    GENDERS,
    INSURANCE_CARRIERS,
    INSURANCE_TYPES,
    PREFERRED_CHANNELS,
    REFERRAL_SOURCES,
)
from ingest.demo import names
from ingest.demo.config import DemoConfig, day
from ingest.demo.people import Locations
from ingest.demo.schedule import PatientPlan, _choice
from ingest.demo.writer import STR, Codes, Ids, Table

REFERRAL_P_BASE = np.array([0.20, 0.18, 0.30, 0.11, 0.07, 0.08, 0.06])
AGE_BANDS = ((4, 18, 0.13), (18, 40, 0.27), (40, 65, 0.34), (65, 90, 0.252), (90, 102, 0.008))
RESTRICTED_SHARE = 0.012
VISION = (0, 1, 2, 3)  # VSP, EyeMed, Davis Vision, Spectera (INSURANCE_CARRIERS order)
VISION_P = np.array([0.45, 0.30, 0.15, 0.10])


@dataclass
class Patients:
    """Patients in plan order (the index used by every other table)."""

    mrn_num: np.ndarray
    first: np.ndarray
    last: np.ndarray
    dob: np.ndarray
    phone: np.ndarray
    email: np.ndarray
    street: np.ndarray
    city: np.ndarray
    zip: np.ndarray
    gender: np.ndarray
    loc: np.ndarray
    first_visit: np.ndarray
    referral: np.ndarray
    insurance: np.ndarray
    carrier: np.ndarray
    channel: np.ndarray
    opt_in: np.ndarray

    @property
    def n(self) -> int:
        return len(self.loc)

    @property
    def mrn_width(self) -> int:
        return max(6, len(str(int(self.mrn_num.max(initial=0)))))

    def ids(self, idx: np.ndarray) -> Ids:
        """Patient ids (MRNs such as ``CP-004512``) of the patients at ``idx``."""
        return Ids(self.mrn_num[idx], "CP-", self.mrn_width)

    def mrn_of(self, idx: np.ndarray) -> np.ndarray:
        """MRNs of some patients as a numpy string array."""
        return np.strings.add("CP-", _digits(self.mrn_num[idx], self.mrn_width))

    def table(self) -> Table:
        """The ``patients`` source table."""
        email = self.email.copy()
        email[email == ""] = None
        return {
            "patient_id": Ids(self.mrn_num, "CP-", self.mrn_width),
            "first_name": self.first,
            "last_name": self.last,
            "date_of_birth": self.dob,
            "phone": self.phone,
            "email": email,
            "street_address": self.street,
            "city": self.city,
            "zip": self.zip,
            "gender": Codes(self.gender, GENDERS),
            "home_location_id": Ids(self.loc + 1, "LOC", 1),
            "first_visit_on": self.first_visit,
            "referral_source": Codes(self.referral, REFERRAL_SOURCES),
            "insurance_type": Codes(self.insurance, INSURANCE_TYPES),
            "insurance_carrier": Codes(self.carrier, INSURANCE_CARRIERS),
            "preferred_channel": Codes(self.channel, PREFERRED_CHANNELS),
            "marketing_opt_in": self.opt_in,
        }


def _pick(rng: np.random.Generator, words, n: int) -> np.ndarray:
    return np.array(words, dtype=STR)[rng.integers(0, len(words), n)]


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    return np.strings.zfill(values.astype(STR), width)


def _join(*parts) -> np.ndarray:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return out


def _identities(rng: np.random.Generator, n: int, gender: np.ndarray):
    female = (gender == 0) | ((gender >= 2) & (rng.random(n) < 0.5))
    first = np.where(female, _pick(rng, names.FEMALE_FIRST, n), _pick(rng, names.MALE_FIRST, n))
    last = _pick(rng, names.LAST, n)
    area = _pick(rng, names.AREA_CODES, n)
    phone = _join(
        "(", area, ") ", _digits(rng.integers(200, 1000, n), 3), "-", _digits(rng.integers(0, 10000, n), 4)
    )
    handle_first = np.strings.lower(np.strings.replace(np.strings.replace(first, "'", ""), "-", ""))
    handle_last = np.strings.lower(np.strings.replace(np.strings.replace(last, "'", ""), " ", ""))
    sep = np.array(["", ".", "_", "."], dtype=STR)[rng.integers(0, 4, n)]
    suffix = np.where(rng.random(n) < 0.45, _digits(rng.integers(1, 99, n), 2), "").astype(STR)
    email = _join(handle_first, sep, handle_last, suffix, "@", _pick(rng, names.EMAIL_DOMAINS, n))
    no_email = rng.random(n) < 0.1
    email[no_email] = ""  # no email on file (written as NULL)
    street = _join(
        rng.integers(100, 9999, n).astype(STR),
        " ",
        _pick(rng, names.STREETS, n),
        " ",
        _pick(rng, names.STREET_SUFFIXES, n),
    )
    apt = rng.random(n) < 0.1
    street[apt] = _join(street[apt], ", Apt ", rng.integers(1, 40, apt.sum()).astype(STR))
    return first, last, phone, email, no_email, street


def _places(rng: np.random.Generator, n: int):
    local = [(c, z) for c, zips in names.LOCAL_CITIES for z in zips]
    pick = rng.integers(0, len(local), n)
    city = np.array([c for c, _ in local], dtype=STR)[pick]
    zips = np.array([z for _, z in local], dtype=STR)[pick]
    far = rng.random(n) < RESTRICTED_SHARE
    r = rng.integers(0, len(names.RESTRICTED_CITIES), far.sum())
    city[far] = np.array([c for c, _ in names.RESTRICTED_CITIES], dtype=STR)[r]
    zips[far] = np.array([z for _, z in names.RESTRICTED_CITIES], dtype=STR)[r]
    return city, zips


def make_patients(cfg: DemoConfig, locs: Locations, plan: PatientPlan) -> Patients:
    """Identities and attributes for every patient of the plan."""
    rng = cfg.rng("patients")
    n = len(plan.loc)
    gender = _choice(rng, np.array([0.54, 0.44, 0.01, 0.01]), n)
    first, last, phone, email, no_email, street = _identities(rng, n, gender)
    city, zips = _places(rng, n)

    band = _choice(rng, np.array([b[2] for b in AGE_BANDS]), n)
    lo = np.array([b[0] for b in AGE_BANDS])[band]
    hi = np.array([b[1] for b in AGE_BANDS])[band]
    age_days = (rng.uniform(lo, hi) * 365.25).astype(np.int64)
    age_days = np.where(plan.kid, (rng.uniform(6, 15, n) * 365.25).astype(np.int64), age_days)
    end = day(cfg.end)
    dob = end - age_days.astype("timedelta64[D]")

    start = day(cfg.start)
    earliest = np.maximum(locs.opened_on[plan.loc], start - np.timedelta64(7300, "D"))
    span = np.maximum((start - earliest).astype(np.int64), 1)
    drawn = earliest + (rng.random(n) * span).astype("timedelta64[D]")
    drawn = np.minimum(np.maximum(drawn, dob + np.timedelta64(365, "D")), start - np.timedelta64(1, "D"))
    first_visit = np.where(plan.is_base, drawn, plan.first_visit)

    referral = np.where(plan.is_base, _choice(rng, REFERRAL_P_BASE, n), plan.referral)
    referral = np.where(plan.is_base & (referral == REFERRAL_SOURCES.index("campaign")), 0, referral)
    senior = age_days >= 65 * 365.25
    insurance = np.where(
        senior,
        _choice(rng, np.array([0.30, 0.25, 0.38, 0.07]), n),
        _choice(rng, np.array([0.50, 0.12, 0.18, 0.20]), n),
    )
    vision = np.array(VISION)[_choice(rng, VISION_P, n)]
    medical = np.where(senior, 4, np.where(rng.random(n) < 0.6, 5, 6))  # Medicare, Blue Cross, Aetna
    carrier = np.select(
        [insurance == 0, insurance == 1, insurance == 2],
        [vision, medical, np.where(senior, 4, vision)],
        default=7,  # None
    )
    channel = _choice(rng, np.array([0.40, 0.35, 0.15, 0.10]), n)
    channel = np.where(no_email & (channel == 0), np.where(rng.random(n) < 0.7, 1, 2), channel)
    order = np.argsort(
        np.where(np.isnat(first_visit), np.datetime64("2999-01-01"), first_visit), kind="stable"
    )
    mrn_num = np.empty(n, dtype=np.int64)
    mrn_num[order] = 1000 + np.cumsum(rng.integers(1, 3, n))
    return Patients(
        mrn_num=mrn_num,
        first=first,
        last=last,
        dob=dob,
        phone=phone,
        email=email,
        street=street,
        city=city,
        zip=zips,
        gender=gender,
        loc=plan.loc,
        first_visit=first_visit,
        referral=referral,
        insurance=insurance,
        carrier=carrier,
        channel=channel,
        opt_in=rng.random(n) < 0.72,
    )
