"""Staff meeting notes about the planted events, written the way people jot them down."""

from __future__ import annotations

import datetime as dt

from ingest.demo.config import DemoConfig
from ingest.demo.doc_facts import Facts, first_or
from ingest.demo.doc_render import Doc
from ingest.demo.doc_reports import add_months, money, month_name, pct
from ingest.demo.doc_supplier import harbor_decision, harbor_june, harbor_resumed


def northside_huddle(cfg: DemoConfig, facts: Facts) -> Doc | None:
    """Mid-March huddle on the Northside no-show spike."""
    ev = cfg.events
    north = facts.locations[min(1, len(facts.locations) - 1)]
    date = ev.noshow_start + dt.timedelta(days=16)
    weeks = facts.weekly_no_show(north, ev.noshow_start, date)
    prev = facts.month(add_months(ev.noshow_start, -1), north)
    who = facts.patient(north, "no_show", ev.noshow_start, date)
    if not weeks or prev is None or who is None:
        return None
    manager = first_or(facts.people("office_manager", north), "Office manager")
    desk = facts.people("front_desk", north) + ["Front desk"]
    doc = Doc("northside-no-show-huddle", f"{north} huddle - no-shows", date, manager, "meeting_notes")
    doc.p(
        f"Attendees: {manager}, {desk[0]}, {desk[1] if len(desk) > 2 else 'front desk team'}, Dr. Okafor, Dr. Kim (first 10 min)"
    )
    doc.h("Why we met")
    rates = ", ".join(f"week of {w:%b %-d}: {pct(r)}" for w, r in weeks)
    doc.p(
        f"No-shows at {north} are way up this month. {month_name(add_months(ev.noshow_start, -1))} finished at "
        f"{pct(prev.no_show_rate)}. So far in March: {rates}. Downtown and Lakeview look normal, so it is us."
    )
    doc.h("What we found")
    doc.ul(
        [
            "Several patients say they never got the reminder text. We moved the Northside phone line to the new "
            "carrier at the start of the month and nobody checked the texting account afterwards.",
            f"Example: {who.first} {who.last} ({who.mrn}) missed {who.seen_at:%b %-d} and called back the same day "
            f"upset - no text at all. Number on file {who.phone} is correct.",
            "Road work on the parkway is not helping but doesn't explain this much.",
        ]
    )
    doc.h("Decisions")
    doc.ul(
        [
            "Until texts work again, front desk CALLS every appointment 2 days ahead (split list between the two desks).",
            f"{manager} opens a ticket with TextRemind today and escalates if no answer by Friday.",
            "Do not charge the no-show fee this month at Northside.",
            "Look at the numbers again at the April staff meeting.",
        ]
    )
    return doc


def april_staff_meeting(cfg: DemoConfig, facts: Facts) -> Doc | None:
    """The April all-staff meeting: March no-shows wrapped up."""
    ev = cfg.events
    north = facts.locations[min(1, len(facts.locations) - 1)]
    date = ev.sms_fixed_on + dt.timedelta(days=9)
    march = facts.month(ev.noshow_start, north)
    feb = facts.month(add_months(ev.noshow_start, -1), north)
    if march is None or feb is None:
        return None
    others = [facts.month(ev.noshow_start, loc) for loc in facts.locations if loc != north]
    others = [o for o in others if o]
    other_rate = sum(o.no_shows for o in others) / max(1, sum(o.kept_or_missed for o in others))
    manager = first_or(facts.people("office_manager"), "Practice manager")
    doc = Doc("staff-meeting-april", f"All-staff meeting {date:%B %Y}", date, manager, "meeting_notes")
    doc.p("Present: all three offices (Lakeview by video). Notes by " + manager + ".")
    doc.h("1. March no-shows at " + north)
    doc.p(
        f"Final March number for {north}: {pct(march.no_show_rate)} no-show rate against {pct(feb.no_show_rate)} "
        f"in February and about {pct(other_rate)} at the other offices. Root cause confirmed by TextRemind: "
        "when the Northside number was ported to the new carrier the sender registration was dropped, so "
        f"reminder texts silently failed. Fixed on {ev.sms_fixed_on:%B %-d}. The reminder calls worked but "
        "cost us roughly two hours a day of front-desk time."
    )
    doc.ul(
        [
            "Keep phone confirmations for new patients and anyone booked more than 6 weeks out.",
            "New step in the reminder SOP: after ANY phone or carrier change, send a test text to the office cell.",
        ]
    )
    doc.h("2. Other")
    doc.ul(
        [
            "Spring frame show next month - opticians to pick 2 reps each.",
            "Reminder: no patient names in the team chat, use the chart number.",
            "Lakeview parking lot restriping Saturday, open as normal.",
        ]
    )
    return doc


def _campaign_review(
    cfg: DemoConfig,
    facts: Facts,
    name_start: dt.date,
    channel: str,
    slug: str,
    date: dt.date,
    verdict: str,
    actions: list[str],
) -> Doc | None:
    c = next((c for c in facts.campaigns if c.start == name_start and c.channel == channel), None)
    if c is None or date > cfg.end:
        return None
    peers = [p for p in facts.campaigns if p.start.year == c.start.year and p.new_patients and p.spend]
    avg_cpn = sum(p.spend for p in peers) / max(1, sum(p.new_patients for p in peers))
    author = first_or(facts.people("office_manager"), "Practice manager")
    doc = Doc(slug, f"Marketing review: {c.name}", date, author, "meeting_notes")
    doc.table(
        [
            "Campaign",
            "Channel",
            "Dates",
            "Spend",
            "New patients",
            "Cost per new patient",
            "Attributed revenue",
            "ROI",
        ],
        [
            [
                c.name,
                c.channel,
                f"{c.start:%b %-d} - {c.end:%b %-d}",
                money(c.spend),
                str(c.new_patients),
                money(c.cost_per_new) if c.cost_per_new else "n/a",
                money(c.revenue),
                f"{c.roi:.1f}x" if c.roi is not None else "n/a",
            ]
        ],
    )
    doc.p(
        verdict.format(
            name=c.name,
            spend=money(c.spend),
            new=c.new_patients,
            revenue=money(c.revenue),
            avg=money(avg_cpn),
            year=c.start.year,
        )
    )
    doc.h("Next steps")
    doc.ul(actions)
    return doc


def loser_review(cfg: DemoConfig, facts: Facts) -> Doc | None:
    """The campaign that did not work."""
    ev = cfg.events
    return _campaign_review(
        cfg,
        facts,
        ev.loser_start,
        "meta_ads",
        "marketing-review-spring-frames",
        ev.loser_end + dt.timedelta(days=12),
        "Honestly this one flopped. We put {spend} into Facebook/Instagram ads for the designer frames event and "
        "can tie only {new} new patients to it, with {revenue} of revenue from the visits it booked. Across all "
        "campaigns in {year} we pay about {avg} per new patient. Lots of likes, few bookings; the frame stock-out "
        "in May/June did not help either.",
        [
            "Do not repeat the spring designer-frames ads in this form.",
            "Move the remaining Q3 social budget to Google search for the back-to-school myopia campaign.",
            "Ask the agency for booking-level tracking before any new social campaign.",
        ],
    )


def winner_review(cfg: DemoConfig, facts: Facts) -> Doc | None:
    """The campaign that worked."""
    ev = cfg.events
    return _campaign_review(
        cfg,
        facts,
        ev.winner_start,
        "google_ads",
        "marketing-review-back-to-school",
        ev.winner_end + dt.timedelta(days=10),
        "{name} is the best campaign we have run: {spend} of Google Ads brought {new} new patients (mostly kids "
        "for myopia checks) and {revenue} in attributed revenue. For comparison, the average cost per new patient "
        "across our {year} campaigns is {avg}.",
        [
            "Repeat next year, start the first week of July.",
            "Add a Lakeview-specific ad group (fewest clicks).",
            "Dr. Lee and Dr. Chen to add Saturday myopia slots in August.",
        ],
    )


def northside_waits(cfg: DemoConfig, facts: Facts) -> Doc | None:
    """Northside operations meeting about Dr. Kim's growing waits."""
    ev = cfg.events
    north = facts.locations[min(1, len(facts.locations) - 1)]
    date = ev.last_full_month + dt.timedelta(days=9)
    months = [
        add_months(ev.wait_start, k)
        for k in range(-1, 4)
        if add_months(ev.wait_start, k) < date.replace(day=1)
    ]
    waits = [(m, facts.provider_wait.get((m, "Dr. Daniel Kim"))) for m in months]
    waits = [(m, w) for m, w in waits if w]
    left = [n for n in facts.people("technician", north, active=False) if facts.last_shift(n)]
    who = facts.patient(
        north,
        "completed",
        add_months(date.replace(day=1), -1),
        date.replace(day=1),
        provider="Dr. Daniel Kim",
        pick=11,
    )
    if len(waits) < 2 or date > cfg.end or not left or who is None:
        return None
    tech = min(left, key=lambda n: abs((facts.last_shift(n) - ev.tech_left_on).days))
    manager = first_or(facts.people("office_manager", north), "Office manager")
    doc = Doc(
        "northside-wait-times", f"{north} operations meeting - wait times", date, manager, "meeting_notes"
    )
    doc.p("Attendees: Dr. Kim, Dr. Okafor, " + manager + ", technicians.")
    doc.p(
        "Wait times for Dr. Kim's patients (check-in to exam start), monthly average: "
        + "; ".join(f"{m:%B} {w:.1f} min" for m, w in waits)
        + "."
    )
    doc.p(
        f"Since {tech} left on {facts.last_shift(tech):%B %-d} Dr. Kim has been doing his own pretesting on "
        "most afternoons. Dr. Okafor's waits have not moved, so it is the pretest bottleneck, not the schedule."
    )
    doc.p(
        f"Complaint last month from {who.first} {who.last} ({who.mrn}), seen {who.seen_at:%b %-d}: waited well "
        "over half an hour and left a 3 on the survey. Called back, apologised."
    )
    doc.h("Actions")
    doc.ul(
        [
            "Post the technician job this week (second time); offer the referral bonus.",
            "Downtown lends a technician Tuesdays and Thursdays until we hire.",
            "Block the last slot before lunch on Dr. Kim's schedule as catch-up time.",
            "Overtime is running high for Dr. Kim and the Northside techs - approved through the end of the quarter.",
        ]
    )
    return doc


def routine_meetings(cfg: DemoConfig, facts: Facts) -> list[Doc]:
    """Ordinary meetings earlier in the data, not about the planted events."""
    docs = []
    manager = first_or(facts.people("office_manager"), "Practice manager")
    y0 = cfg.start.year
    items = [
        (
            dt.date(y0, 11, 14),
            "staff-meeting-holidays",
            "Staff meeting: holiday schedule and new OCT",
            [
                "Holiday hours: closed Thanksgiving and Christmas Day, half days Dec 24 and 31.",
                "New OCT arrives at Downtown the first week of December; Dr. Patel will train the techs.",
                "Reminder that vision plan benefits reset Jan 1 - push the 'use it before you lose it' message at checkout.",
                "Lakeview phones: calls rolling to Downtown after 5 pm, please answer as 'Lakeview office'.",
            ],
        ),
        (
            dt.date(y0 + 1, 5, 21),
            "front-desk-training-insurance",
            "Front desk training: insurance verification",
            [
                "Verify eligibility 48 hours before every exam (VSP, EyeMed, Davis, Spectera portals).",
                "Medical vs vision: red eye, flashes/floaters, diabetes follow-ups go to medical insurance.",
                "If the plan changed, update the chart before the visit, not at checkout.",
                "Questions to the billing lead; do not email insurance cards or IDs outside the portal.",
            ],
        ),
        (
            dt.date(y0 + 1, 9, 24),
            "quarterly-meeting-q3",
            "Quarterly staff meeting",
            [
                "August was the busiest month we've had. Thank you all for the extra hours.",
                "Recall compliance is flat; front desk to try calling after 5 pm for working parents.",
                "Optical capture: Dr. Patel's and Dr. Chen's patients buy glasses here most often, Dr. Lee's least - "
                "Dr. Lee will try the hand-off to the optician in the exam room.",
                "Flu shots on site next Thursday.",
            ],
        ),
        (
            dt.date(y0 + 2, 1, 17),
            "staff-meeting-new-year",
            "Staff meeting: goals for the new year",
            [
                "Goals: no-show rate under 6%, NPS above 50 at every office, optical capture above 60%.",
                "Contact lens price increase from Feb 1 (see vendor notice) - update the annual supply quotes.",
                "New hire orientation now uses the SOP binder on the shared drive; please keep SOPs current.",
            ],
        ),
    ]
    for date, slug, title, bullets in items:
        if cfg.start <= date <= cfg.end:
            doc = Doc(slug, title, date, manager, "meeting_notes")
            doc.p(f"Notes: {manager}. All offices.")
            doc.ul(bullets)
            docs.append(doc)
    return docs


def meeting_notes(cfg: DemoConfig, facts: Facts) -> list[Doc]:
    """Every meeting note whose date and data are inside the export."""
    makers = (
        northside_huddle,
        april_staff_meeting,
        harbor_decision,
        harbor_june,
        harbor_resumed,
        loser_review,
        winner_review,
        northside_waits,
    )
    docs = [d for d in (m(cfg, facts) for m in makers) if d is not None and cfg.start <= d.date <= cfg.end]
    return docs + routine_meetings(cfg, facts)
