"""Monthly practice reports, written by the office managers from the month's figures."""

from __future__ import annotations

import datetime as dt

from ingest.demo.config import DemoConfig
from ingest.demo.doc_facts import Facts, Month
from ingest.demo.doc_render import Doc

REPORT_MONTHS = 15
HARBOR = "Harbor Frame Co."


def money(x: float) -> str:
    """$1,234 or $1.23M."""
    return f"${x / 1e6:.2f}M" if abs(x) >= 1e6 else f"${x:,.0f}"


def pct(x: float | None) -> str:
    """A fraction as a percentage with one decimal."""
    return "n/a" if x is None else f"{100 * x:.1f}%"


def change(new: float, old: float | None) -> str:
    """'up 4.2%' / 'down 1.0%' / 'flat'."""
    if not old:
        return "no comparison"
    d = (new - old) / old
    return "flat" if abs(d) < 0.005 else f"{'up' if d > 0 else 'down'} {abs(d) * 100:.1f}%"


def add_months(d: dt.date, k: int) -> dt.date:
    """First day of the month ``k`` months after ``d``'s month."""
    m = d.year * 12 + d.month - 1 + k
    return dt.date(m // 12, m % 12 + 1, 1)


def month_name(d: dt.date) -> str:
    """'March 2026'."""
    return d.strftime("%B %Y")


def _total(facts: Facts, month: dt.date) -> Month | None:
    rows = [facts.month(month, loc) for loc in facts.locations]
    if any(r is None for r in rows):
        return None
    return Month(
        visits=sum(r.visits for r in rows),
        new_patients=sum(r.new_patients for r in rows),
        no_shows=sum(r.no_shows for r in rows),
        kept_or_missed=sum(r.kept_or_missed for r in rows),
        cancels=sum(r.cancels for r in rows),
        revenue=sum(r.revenue for r in rows),
        optical=sum(r.optical for r in rows),
        wait=None,
        nps=None,
    )


_TITLES = ("Monthly Practice Report - {m}", "Practice Performance Summary: {m}", "{m} Operations Report")
_OPENERS = (
    "We completed {visits:,} patient visits across {n} offices in {m}, {mom} on the month before and {yoy} on {m_ly}.",
    "{m} in one line: {visits:,} visits, {revenue} billed, {new:,} new patients.",
    "Quick summary for the partners. Visits were {visits:,} ({mom} vs last month); revenue came in at {revenue}.",
    "Another steady month. {visits:,} completed visits and {revenue} in charges; {new:,} of our patients were new to us.",
)


def _notes(cfg: DemoConfig, facts: Facts, month: dt.date) -> list[str]:
    ev = cfg.events
    notes: list[str] = []
    north = facts.locations[min(1, len(facts.locations) - 1)]
    cur = facts.month(month, north)
    prev = facts.month(add_months(month, -1), north)
    if month == ev.noshow_start and cur and prev:
        notes.append(
            f"{north} no-shows jumped to {pct(cur.no_show_rate)} from {pct(prev.no_show_rate)} in "
            f"{month_name(add_months(month, -1))}, and got worse every week of the month. Reminder texts from "
            "the Northside number stopped going out after the phone line was moved to the new carrier; see the "
            "huddle notes and the TextRemind incident report."
        )
    if month == add_months(ev.noshow_start, 1) and cur and prev:
        notes.append(
            f"{north} no-show rate back to {pct(cur.no_show_rate)} after reminders were restored on "
            f"{ev.sms_fixed_on:%B %-d} (it was {pct(prev.no_show_rate)} in March). We are keeping the 48-hour "
            "confirmation calls for new patients."
        )
    delay_month = ev.delay_start.replace(day=1)
    step = (month.year - delay_month.year) * 12 + month.month - delay_month.month
    if 0 <= step <= 2:
        sold = facts.units(HARBOR, month, add_months(month, 1))
        before = facts.units(HARBOR, add_months(delay_month, -1), delay_month)
        notes.append(
            [
                f"Harbor Frame Co. stopped shipping on {ev.delay_start:%B %-d}. We sold {sold} Harbor & Pine and "
                f"Kestrel frames this month against {before} in {month_name(add_months(delay_month, -1))}; stock is "
                "running down and the opticians are steering patients to Lumen and Norde.",
                f"Frame stock-out: only {sold} Harbor frames sold in {month_name(month)} (vs {before} before the "
                "delay) because most Harbor styles are simply not on the boards.",
                f"Harbor shipments resumed on {ev.delay_end:%B %-d} with a large catch-up delivery; {sold} Harbor "
                f"frames sold in {month_name(month)}. Boards are full again.",
            ][step]
        )
    for c in facts.campaigns:
        if c.start == ev.winner_start and c.channel == "google_ads" and month == ev.winner_end.replace(day=1):
            notes.append(
                f"{c.name} (Google Ads) brought in {c.new_patients} new patients for {money(c.spend)} of spend, "
                f"about {money(c.cost_per_new or 0)} per new patient. Best campaign we have run."
            )
        if c.start == ev.loser_start and c.channel == "meta_ads" and month == ev.loser_end.replace(day=1):
            notes.append(
                f"{c.name} on Facebook/Instagram: {money(c.spend)} spent, only {c.new_patients} new patients "
                "attributed. Not repeating it in this form."
            )
    if ev.wait_start <= month <= ev.last_full_month:
        w = facts.provider_wait.get((month, "Dr. Daniel Kim"))
        w0 = facts.provider_wait.get((add_months(ev.wait_start, -1), "Dr. Daniel Kim"))
        if w and w0:
            notes.append(
                f"Dr. Kim's average wait (check-in to exam start) was {w:.1f} minutes, up from {w0:.1f} in "
                f"{month_name(add_months(ev.wait_start, -1))}. Northside is still one technician short."
            )
    if month.month == 8:
        notes.append("Back-to-school rush as usual: August is our busiest month of the year.")
    if month.month == 12:
        notes.append("Holiday slowdown: the last week of December ran at about two-thirds of normal volume.")
    return notes


def monthly_report(cfg: DemoConfig, facts: Facts, month: dt.date, author: str, i: int) -> Doc | None:
    """The report on ``month``, dated a few days after it ends, or None without data."""
    total = _total(facts, month)
    if total is None or month < cfg.start:
        return None
    date = add_months(month, 1) + dt.timedelta(days=4 + i % 4)
    if date > cfg.end:
        return None
    prev = _total(facts, add_months(month, -1))
    last_year = _total(facts, add_months(month, -12))
    m = month_name(month)
    doc = Doc(f"monthly-report-{month:%Y-%m}", _TITLES[i % 3].format(m=m), date, author, "report")
    doc.p(
        _OPENERS[i % 4].format(
            visits=total.visits,
            n=len(facts.locations),
            m=m,
            mom=change(total.visits, prev.visits if prev else None),
            yoy=change(total.visits, last_year.visits if last_year else None),
            m_ly=month_name(add_months(month, -12)),
            revenue=money(total.revenue),
            new=total.new_patients,
        )
    )
    doc.h("By location")
    rows = []
    for loc in facts.locations:
        r = facts.month(month, loc)
        rows.append(
            [
                loc,
                f"{r.visits:,}",
                f"{r.new_patients:,}",
                pct(r.no_show_rate),
                money(r.revenue),
                "n/a" if r.wait is None else f"{r.wait:.1f}",
                "n/a" if r.nps is None else f"{r.nps:.0f}",
            ]
        )
    doc.table(
        ["Location", "Visits", "New patients", "No-show rate", "Revenue", "Avg wait (min)", "NPS"], rows
    )
    doc.p(
        f"Practice no-show rate {pct(total.no_show_rate)}; {total.cancels:,} cancellations. Optical sales "
        f"(frames, lenses, sunglasses) were {money(total.optical)}, {pct(total.optical / total.revenue if total.revenue else None)} of revenue."
    )
    notes = _notes(cfg, facts, month)
    fan = (
        facts.patient(facts.locations[0], "completed", month, add_months(month, 1), pick=i)
        if i % 3 == 0
        else None
    )
    if fan:
        notes.append(
            f"Thank-you card from {fan.first} {fan.last} for the {facts.locations[0]} optical team - it is on the board."
        )
    if notes:
        doc.h("Notes" if i % 2 else "What stood out")
        doc.ul(notes)
    return doc


def monthly_reports(cfg: DemoConfig, facts: Facts) -> list[Doc]:
    """Reports for the last REPORT_MONTHS full months that have data."""
    authors = facts.people("office_manager") or ["Practice Manager"]
    docs = []
    for k in range(REPORT_MONTHS, 0, -1):
        month = add_months(cfg.events.last_full_month, -k + 1)
        doc = monthly_report(cfg, facts, month, authors[k % len(authors)], k)
        if doc:
            docs.append(doc)
    return docs
