"""Charges: service lines of visits, eyewear and contact-lens sales, walk-in retail.

Service lines carry the provider; product lines carry a SKU and no provider. Optical
capture depends on the provider; the winning campaign's myopia patients are lucrative.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.contract import CHARGE_CATEGORIES, INSURANCE_TYPES, PAYER_TYPES
from ingest.demo.calendar import Calendar
from ingest.demo.config import DemoConfig, day
from ingest.demo.flow import Flow
from ingest.demo.patients import Patients
from ingest.demo.people import Locations, Staff
from ingest.demo.products import Products
from ingest.demo.schedule import Appointments, T, _choice
from ingest.demo.writer import Codes, Ids, Money, PatientIds, Table

C = {name: i for i, name in enumerate(CHARGE_CATEGORIES)}
PAY = {name: i for i, name in enumerate(PAYER_TYPES)}
INS = {name: i for i, name in enumerate(INSURANCE_TYPES)}
# appointment type -> (category, fee in dollars); optical pickups are billed at ordering.
SERVICE_FEES = {
    T["comprehensive_exam"]: ("exam", 165),
    T["contact_lens_exam"]: ("exam", 195),
    T["medical_visit"]: ("medical", 185),
    T["follow_up"]: ("medical", 95),
    T["myopia_management"]: ("other", 350),
    T["dry_eye_treatment"]: ("medical", 140),
}
WALK_IN_PER_DAY = 6.0


@dataclass
class Charges:
    """Charge lines; ``appt``/``provider``/``sku`` are -1 where NULL."""

    appt: np.ndarray
    patient: np.ndarray
    loc: np.ndarray
    provider: np.ndarray
    date: np.ndarray
    category: np.ndarray
    sku: np.ndarray
    qty: np.ndarray
    amount: np.ndarray  # cents
    payer: np.ndarray

    def take(self, idx: np.ndarray) -> Charges:
        """A subset (or reordering) of the lines."""
        return Charges(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Charges]) -> Charges:
        """All lines of ``parts``."""
        return Charges(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Charges)}
        )

    def table(self, patient_ids: PatientIds, products: Products, rng: np.random.Generator) -> Table:
        """The ``charges`` source table, with payments split by payer."""
        n = len(self.appt)
        share_ins = np.select(
            [self.payer == PAY["vision_plan"], self.payer == PAY["medical_insurance"]],
            [rng.uniform(0.35, 0.55, n), rng.uniform(0.55, 0.72, n)],
            0.0,
        )
        share_adj = np.select(
            [self.payer == PAY["vision_plan"], self.payer == PAY["medical_insurance"]],
            [rng.uniform(0.10, 0.25, n), rng.uniform(0.15, 0.30, n)],
            np.where(rng.random(n) < 0.12, 0.10, 0.0),
        )
        ins = np.round(self.amount * share_ins).astype(np.int64)
        adj = np.round(self.amount * share_adj).astype(np.int64)
        skus = pa.array(products.sku.tolist(), pa.string())
        return {
            "charge_id": Ids(np.arange(1, n + 1), "CH", 9),
            "appointment_id": Ids(np.where(self.appt >= 0, self.appt + 1, -1), "AP", 8),
            "patient_id": patient_ids(self.patient),
            "location_id": Ids(self.loc + 1, "LOC", 1),
            "provider_id": Ids(np.where(self.provider >= 0, self.provider + 1, -1), "ST", 3),
            "service_date": self.date,
            "category": Codes(self.category, CHARGE_CATEGORIES),
            "sku": pc.take(skus, pa.array(self.sku, mask=self.sku < 0)),
            "quantity": self.qty,
            "charge_amount": Money(self.amount),
            "insurance_paid": Money(ins),
            "patient_paid": Money(self.amount - ins - adj),
            "adjustment_amount": Money(adj),
            "payer_type": Codes(self.payer, PAYER_TYPES),
        }


# Compact dtypes per field: many millions of lines for many locations.
_DTYPES = (
    np.int32,
    np.int32,
    np.int32,
    np.int32,
    "datetime64[D]",
    np.int8,
    np.int32,
    np.int16,
    np.int64,
    np.int8,
)


def _lines(appt, patient, loc, provider, date, category, sku, qty, amount, payer) -> Charges:
    n = len(patient)
    values = (appt, patient, loc, provider, date, category, sku, qty, amount, payer)
    return Charges(
        *[np.broadcast_to(np.asarray(v).astype(t), (n,)).copy() for v, t in zip(values, _DTYPES, strict=True)]
    )


def _vision_payer(insurance: np.ndarray) -> np.ndarray:
    return np.where(
        np.isin(insurance, [INS["vision_plan"], INS["both"]]), PAY["vision_plan"], PAY["self_pay"]
    )


def _services(
    cfg: DemoConfig, appts: Appointments, done: np.ndarray, patients: Patients, rng
) -> list[Charges]:
    years = (appts.scheduled_at[done].astype("datetime64[D]") - day(cfg.start)).astype(float) / 365.25
    inflation = 1 + 0.03 * np.floor(years)
    ins = patients.insurance[appts.patient[done]]
    out = []
    for typ, (cat, fee) in SERVICE_FEES.items():  # one step per appointment type
        m = appts.type[done] == typ
        a = done[m]
        payer = (
            _vision_payer(ins[m])
            if cat == "exam"
            else np.where(
                np.isin(ins[m], [INS["medical"], INS["both"]]), PAY["medical_insurance"], PAY["self_pay"]
            )
        )
        payer = payer if cat != "other" else np.full(len(a), PAY["self_pay"])
        amount = np.round(fee * inflation[m] / 5) * 500
        out.append(
            _lines(
                a,
                appts.patient[a],
                appts.loc[a],
                appts.provider[a],
                appts.scheduled_at[a].astype("datetime64[D]"),
                C[cat],
                -1,
                1,
                amount.astype(np.int64),
                payer,
            )
        )
    dry = done[(appts.type[done] == T["dry_eye_treatment"]) & (rng.random(len(done)) < 0.5)]
    out.append(
        _lines(
            dry,
            appts.patient[dry],
            appts.loc[dry],
            appts.provider[dry],
            appts.scheduled_at[dry].astype("datetime64[D]"),
            C["other"],
            -1,
            1,
            22000,
            PAY["self_pay"],
        )
    )
    return out


def _products(
    cfg, appts, flow: Flow, staff: Staff, patients: Patients, products: Products, rng
) -> list[Charges]:
    a = flow.appt
    typ = appts.type[a]
    visit = ~np.isnat(flow.optical)
    buys = visit & np.isin(typ, [T["comprehensive_exam"], T["myopia_management"]])
    buys &= rng.random(len(a)) < np.minimum(0.97, staff.capture[appts.provider[a]] / 0.72)
    b = a[buys]
    later = rng.random(len(b)) < 0.22
    when = appts.scheduled_at[b].astype("datetime64[D]") + np.where(
        later, rng.integers(1, 22, len(b)), 0
    ).astype("timedelta64[D]")
    when = when + ((when.astype(np.int64) + 3) % 7 == 6).astype("timedelta64[D]")  # not on a Sunday
    pat = appts.patient[b]
    payer = _vision_payer(patients.insurance[pat])
    age = (when - patients.dob[pat]).astype(float) / 365.25
    frames = products.of("frames")
    lenses = products.of("spectacle_lenses")
    plain = lenses[~products.progressive[lenses] & ~products.myopia[lenses]]
    prog = lenses[products.progressive[lenses]]
    myo = lenses[products.myopia[lenses]]
    lens = np.where(
        age >= 45,
        prog[_choice(rng, products.popularity[prog], len(b))],
        plain[_choice(rng, products.popularity[plain], len(b))],
    )
    lens = np.where(appts.type[b] == T["myopia_management"], myo[0], lens)
    frame = frames[_choice(rng, products.popularity[frames], len(b))]
    out = [
        _lines(b, pat, appts.loc[b], -1, when, C["frames"], frame, 1, products.price_cents[frame], payer),
        _lines(
            b, pat, appts.loc[b], -1, when, C["spectacle_lenses"], lens, 1, products.price_cents[lens], payer
        ),
    ]
    sun = rng.random(len(b)) < 0.12
    sg = products.of("sunglasses")
    s_sku = sg[_choice(rng, products.popularity[sg], sun.sum())]
    out.append(
        _lines(
            b[sun],
            pat[sun],
            appts.loc[b[sun]],
            -1,
            when[sun],
            C["sunglasses"],
            s_sku,
            1,
            products.price_cents[s_sku],
            PAY["self_pay"],
        )
    )

    cl = products.of("contact_lenses")
    regular = cl[~products.myopia[cl]]
    wants = ((typ == T["contact_lens_exam"]) & (rng.random(len(a)) < 0.78)) | (
        (typ == T["myopia_management"]) & (rng.random(len(a)) < 0.3)
    )
    c = a[wants]
    sku = np.where(
        appts.type[c] == T["myopia_management"],
        cl[products.myopia[cl]][0],
        regular[_choice(rng, products.popularity[regular], len(c))],
    )
    qty = np.array([2, 4, 4, 8])[rng.integers(0, 4, len(c))]
    qty = np.where(appts.type[c] == T["myopia_management"], 2, qty)
    out.append(
        _lines(
            c,
            appts.patient[c],
            appts.loc[c],
            -1,
            appts.scheduled_at[c].astype("datetime64[D]"),
            C["contact_lenses"],
            sku,
            qty,
            products.price_cents[sku] * qty,
            _vision_payer(patients.insurance[appts.patient[c]]),
        )
    )
    return out


def _walk_ins(cfg, cal: Calendar, locs: Locations, patients: Patients, products: Products, rng) -> Charges:
    past = cal.days <= day(cfg.end)
    lam = WALK_IN_PER_DAY * locs.volume[:, None] * (cal.open & past[None, :])
    counts = rng.poisson(lam)
    loc_i, day_i = np.nonzero(counts)
    rep = counts[loc_i, day_i]
    loc_i, day_i = np.repeat(loc_i, rep), np.repeat(day_i, rep)
    n = len(loc_i)
    when = cal.days[day_i]
    lo = np.searchsorted(patients.loc, loc_i, side="left")
    hi = np.searchsorted(patients.loc, loc_i, side="right")
    pat = lo + np.floor(rng.random(n) * (hi - lo)).astype(np.int64)
    unseen = np.isnat(patients.first_visit[pat]) | (patients.first_visit[pat] > when)
    pat = np.where(
        unseen, lo + np.floor(rng.random(n) * 1000).astype(np.int64), pat
    )  # a long-standing patient
    kind = _choice(rng, np.array([0.55, 0.15, 0.30]), n)
    cl = products.of("contact_lenses")
    cl = cl[~products.myopia[cl]]
    sg = products.of("sunglasses")
    sku = np.select(
        [kind == 0, kind == 1],
        [cl[_choice(rng, products.popularity[cl], n)], sg[_choice(rng, products.popularity[sg], n)]],
        -1,
    )
    qty = np.where(kind == 0, np.array([2, 4])[rng.integers(0, 2, n)], 1)
    other_price = np.round(rng.uniform(3, 12, n)) * 500
    amount = np.where(sku >= 0, products.price_cents[np.maximum(sku, 0)] * qty, other_price).astype(np.int64)
    category = np.select([kind == 0, kind == 1], [C["contact_lenses"], C["sunglasses"]], C["other"])
    payer = np.where(kind == 0, _vision_payer(patients.insurance[pat]), PAY["self_pay"])
    return _lines(-1, pat, loc_i, -1, when, category, sku, qty, amount, payer)


def make_charges(
    cfg: DemoConfig,
    cal: Calendar,
    locs: Locations,
    appts: Appointments,
    flow: Flow,
    staff: Staff,
    patients: Patients,
    products: Products,
) -> Charges:
    """Every charge line up to the end date (before stock limits are applied)."""
    rng = cfg.rng("charges")
    done = flow.appt
    parts = _services(cfg, appts, done, patients, rng)
    parts += _products(cfg, appts, flow, staff, patients, products, rng)
    parts.append(_walk_ins(cfg, cal, locs, patients, products, rng))
    allc = Charges.concat(parts)
    allc = allc.take(np.flatnonzero(allc.date <= day(cfg.end)))
    return allc.take(np.lexsort((allc.loc, allc.date)))
