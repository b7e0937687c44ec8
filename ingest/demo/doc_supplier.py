"""Notes about the frame supplier delay: the decision, the stock-out check, the wrap-up."""

from __future__ import annotations

import datetime as dt

from ingest.demo.config import DemoConfig
from ingest.demo.doc_facts import Facts, first_or
from ingest.demo.doc_render import Doc
from ingest.demo.doc_reports import HARBOR, add_months, month_name, pct

DAY = dt.timedelta(days=1)


def harbor_decision(cfg: DemoConfig, facts: Facts) -> Doc | None:
    """The meeting where the team decided what to do about the frame supplier delay."""
    ev = cfg.events
    date = ev.delay_notice_on + dt.timedelta(days=4)
    before = facts.units(HARBOR, add_months(ev.delay_start.replace(day=1), -3), ev.delay_start.replace(day=1))
    allf = sum(
        facts.units(s, add_months(ev.delay_start.replace(day=1), -3), ev.delay_start.replace(day=1))
        for s in (HARBOR, "Vantage Eyewear Distributors", "Clearline Optical Supply")
    )
    if not before or date > cfg.end or date < cfg.start:
        return None
    manager = first_or(facts.people("office_manager"), "Practice manager")
    optician = first_or(facts.people("optician"), "Lead optician")
    doc = Doc(
        "frame-supplier-delay-decision",
        "Managers' meeting: Harbor Frame Co. delay",
        date,
        manager,
        "meeting_notes",
    )
    doc.p(
        f"Present: {manager}, {optician} (optical lead), Dr. Patel, Dr. Okafor. Called after Harbor's notice of {ev.delay_notice_on:%B %-d}."
    )
    doc.h("Situation")
    doc.p(
        f"Harbor Frame Co. has stopped shipping since {ev.delay_start:%B %-d} and says the week of "
        f"{ev.delay_end:%B %-d} at the earliest. Harbor & Pine and Kestrel are our best sellers: {before:,} of the "
        f"{allf:,} frames we sold in the last three months ({pct(before / allf)}). With normal sales we will run "
        "out of most Harbor styles in about four to six weeks."
    )
    doc.h("Decisions")
    doc.ul(
        [
            "DECISION: stop promising Harbor styles we don't have on the board. No special orders from Harbor until "
            "they confirm a ship date in writing.",
            "DECISION: steer patients to Lumen and Norde (Vantage) at 10% off the frame when the Harbor style they "
            "wanted is out. Opticians can approve it without asking.",
            "DECISION: open an account with Clearline Optical Supply as a second source for the core styles; "
            f"{optician} to get pricing this week.",
            "Keep a waiting list of patients who want a specific Harbor frame and call them when stock arrives.",
            f"Move remaining Harbor stock between offices as needed instead of ordering; {manager} checks stock every Monday.",
            "Review on June 15 (or sooner if Harbor gives a date).",
        ]
    )
    doc.h("Open questions")
    doc.p(
        "Do we ask Harbor for a credit on the delay? Dr. Patel thinks yes, at least free freight on the catch-up order."
    )
    return doc


def harbor_june(cfg: DemoConfig, facts: Facts) -> Doc | None:
    """The mid-June check on the frame stock-out."""
    ev = cfg.events
    date = ev.delay_start + dt.timedelta(days=42)
    outs = facts.stock_outs(HARBOR, date - DAY)
    if not outs or date > cfg.end:
        return None
    m0 = add_months(ev.delay_start.replace(day=1), -1)
    april = facts.units(HARBOR, m0, add_months(m0, 1))
    recent = facts.units(HARBOR, date - dt.timedelta(days=14), date)
    waiting = facts.patient(facts.locations[0], "completed", ev.delay_start, date, pick=3)
    manager = first_or(facts.people("office_manager"), "Practice manager")
    doc = Doc("frame-stock-out-update", "Frame stock-out update (Harbor)", date, manager, "meeting_notes")
    doc.p("Short check-in at the optical managers' call.")
    doc.ul(
        [f"{loc}: {out} of {n} Harbor styles at zero" for loc, out, n in outs]
        + [
            f"Harbor frames sold in the last two weeks: {recent} (we sold {april} in all of {month_name(m0)}).",
            "Patients are mostly OK with Lumen/Norde at 10% off, some want to wait.",
        ]
    )
    if waiting:
        doc.p(
            f"Waiting list has 30+ names now, e.g. {waiting.first} {waiting.last}, {waiting.phone}, wants the "
            "Harbor & Pine tortoise in the 52. Please keep the list in the shared optical folder, not on paper."
        )
    doc.p(
        "Harbor still says first week of July. Clearline samples arrived, prices ~8% higher. Keep going as decided."
    )
    return doc


def harbor_resumed(cfg: DemoConfig, facts: Facts) -> Doc | None:
    """Notes after Harbor shipments resumed."""
    ev = cfg.events
    date = ev.delay_end + dt.timedelta(days=8)
    weeks = facts.supplier_weeks(HARBOR, ev.delay_end - DAY * 7, ev.delay_end + DAY * 7)
    if not weeks or date > cfg.end:
        return None
    received = sum(w[2] for w in weeks)
    delay_month = ev.delay_start.replace(day=1)
    lost = facts.units(HARBOR, add_months(delay_month, -1), delay_month) - facts.units(
        HARBOR, add_months(delay_month, 1), add_months(delay_month, 2)
    )
    manager = first_or(facts.people("office_manager"), "Practice manager")
    doc = Doc("harbor-delay-wrap-up", "Wrap-up: Harbor frame delay", date, manager, "meeting_notes")
    doc.p(
        f"Harbor shipped again on {ev.delay_end:%B %-d}: {received:,} frames received across the offices in the "
        "catch-up delivery and first regular shipment. Waiting-list patients are being called this week."
    )
    doc.p(
        f"Damage: Harbor unit sales in {month_name(add_months(delay_month, 1))} were {lost:,} frames below "
        f"{month_name(add_months(delay_month, -1))}. Part of that went to Lumen/Norde, part we just lost."
    )
    doc.ul(
        [
            "Keep Clearline as a second frame supplier permanently (small opening order done).",
            "Never again more than ~40% of frame units from one supplier - review quarterly.",
            "Harbor agreed to free freight on the catch-up order. No other credit.",
        ]
    )
    return doc
