"""Standard operating procedures and vendor notices of the demo practice."""

from __future__ import annotations

import datetime as dt

from ingest.demo.config import DemoConfig
from ingest.demo.doc_facts import Facts
from ingest.demo.doc_render import Doc


def _clamp(cfg: DemoConfig, d: dt.date) -> dt.date:
    return min(max(d, cfg.start), cfg.end)


def sops(cfg: DemoConfig, facts: Facts) -> list[Doc]:
    """The SOP binder (dates clamped into the data range)."""
    manager = (facts.people("office_manager") or ["Practice manager"])[0]
    optician = (facts.people("optician") or ["Optical lead"])[0]
    y0 = cfg.start.year
    docs = []

    d = Doc(
        "sop-contact-lens-reorder",
        "SOP: Reordering contact lenses",
        _clamp(cfg, dt.date(y0, 3, 6)),
        optician,
        "sop",
    )
    d.p(
        "Applies to all offices. Owner: optical lead. Purpose: never run out of the lenses patients wear most, "
        "and never sit on expired boxes."
    )
    d.h("Weekly stock check (every Monday before 10 am)")
    d.ul(
        [
            "Run the Inventory on Hand report filtered to Contact Lenses for your office.",
            "Compare each SKU with its reorder point (shown on the item card). Anything at or below the reorder "
            "point goes on the order list.",
            "Check expiry dates on the trial-lens drawer; pull anything expiring within 60 days.",
        ]
    )
    d.h("Placing the order")
    d.ul(
        [
            "Order through the manufacturer portals: Alcon (Dailies, Air Optix, Precision1), CooperVision "
            "(Biofinity, MyDay, MiSight), Johnson & Johnson Vision (Acuvue), Bausch + Lomb (Ultra, Infuse).",
            "Order up to two weeks of typical sales plus the reorder point. Lead time is normally 3 business days.",
            "Annual supplies for a patient are ordered ship-to-patient; do NOT add them to office stock.",
            "MiSight is ordered per patient only (myopia program); never stock more than 4 boxes per office.",
        ]
    )
    d.h("Receiving")
    d.ul(
        [
            "Scan each box into the system the day it arrives (movement type: receipt).",
            "Damaged or wrong power: return within 30 days through the portal, record as a return.",
            "Boxes moved to another office are entered as a transfer out / transfer in, same day.",
        ]
    )
    d.p(
        "Questions: ask the optical lead. If a patient is waiting on an order, write the chart number on the "
        "order note, not the patient's name."
    )
    docs.append(d)

    d = Doc(
        "sop-frame-receiving",
        "SOP - Frame receiving and monthly counts",
        _clamp(cfg, dt.date(y0, 4, 18)),
        optician,
        "sop",
    )
    d.p(
        "Frames come from three suppliers (Harbor Frame Co., Vantage Eyewear Distributors, Clearline Optical "
        "Supply). Deliveries usually arrive Tuesdays."
    )
    d.ul(
        [
            "Check the packing slip against the PO, style by style, before signing.",
            "Price-tag and board the frames the same day; backstock goes in the labelled drawers.",
            "Month end: count every frame on the boards and in backstock. Differences over 2 units per style "
            "are entered as adjustments with a note and reported to the office manager.",
            "If a supplier misses two weekly deliveries, tell the practice manager (we keep a second source).",
        ]
    )
    docs.append(d)

    d = Doc(
        "sop-no-show-policy",
        "No-show and late cancellation procedure",
        _clamp(cfg, dt.date(y0, 2, 1)),
        manager,
        "sop",
    )
    d.p(
        "A no-show is a patient who does not arrive within 15 minutes of the appointment and did not call. "
        "Late cancellation = less than 24 hours notice."
    )
    d.ul(
        [
            "Mark the appointment No Show at the end of the session, not before.",
            "Front desk calls the patient the same day to rebook (script in the front desk binder).",
            "Second no-show in 12 months: $25 fee, waived for first-time patients and at manager discretion.",
            "Third no-show: same-day appointments only.",
        ]
    )
    docs.append(d)

    d = Doc(
        "sop-appointment-reminders",
        "SOP: Appointment reminders",
        _clamp(cfg, cfg.events.sms_fixed_on + dt.timedelta(days=20)),
        manager,
        "sop",
    )
    d.p(
        "Reminders go out automatically through TextRemind: text 72 hours and 24 hours before, email 72 hours "
        "before for patients who prefer email."
    )
    d.ul(
        [
            "Patients without a mobile number get a phone call 2 days ahead.",
            "New patients and anyone booked more than 6 weeks out also get a confirmation call.",
            "After any change to an office phone number or carrier: send a test text to the office cell and "
            "check the TextRemind delivery report the next morning.",
            "Delivery report is checked every Monday by the office manager; failures over 5% go to the vendor.",
        ]
    )
    docs.append(d)

    d = Doc("sop-recall-outreach", "Recall outreach", _clamp(cfg, dt.date(y0 + 1, 1, 9)), manager, "sop")
    d.p(
        "Recalls are created automatically: annual exam and contact lens renewal 12 months after the exam, "
        "medical follow-up 4 months after a medical visit."
    )
    d.ul(
        [
            "First contact 2-6 weeks before the due date, by the patient's preferred channel.",
            "No booking after 2 weeks: phone call. After 6 weeks: postcard.",
            "Booked recall appointments use booking channel 'recall' so we can measure compliance.",
        ]
    )
    docs.append(d)

    d = Doc(
        "sop-patient-complaints",
        "Handling patient complaints",
        _clamp(cfg, dt.date(y0 + 1, 6, 3)),
        manager,
        "sop",
    )
    d.p("Listen, apologise, fix what we can the same day, write it down.")
    d.ul(
        [
            "Log every complaint in the complaints sheet with date, office, chart number and a one-line summary.",
            "Billing complaints go to the billing lead within one business day.",
            "Clinical complaints go to the doctor, who calls the patient back personally.",
            "Survey scores of 0-4 get a call from the office manager within a week.",
        ]
    )
    docs.append(d)

    d = Doc("sop-end-of-day", "End of day close", _clamp(cfg, dt.date(y0, 5, 30)), manager, "sop")
    d.ul(
        [
            "Close out all appointments: completed, no show or cancelled. Nothing left as scheduled for today.",
            "Balance the cash drawer and card batch; the deposit log is signed by two people.",
            "Optical: file lab orders, check tomorrow's pickups are in the pickup drawer.",
            "Lock the server closet and set the alarm.",
        ]
    )
    docs.append(d)
    return docs


def vendor_notices(cfg: DemoConfig, facts: Facts) -> list[Doc]:
    """Letters from suppliers and service vendors."""
    ev = cfg.events
    y1 = cfg.end.year - 1
    docs = []
    d = Doc(
        "harbor-frame-co-shipping-delay",
        "Harbor Frame Co. - Notice of shipping delay",
        ev.delay_notice_on,
        "Harbor Frame Co. Customer Care",
        "vendor_notice",
    )
    d.p("Dear valued partner,")
    d.p(
        f"Due to an unplanned production line changeover at our finishing partner, shipments of the Harbor & "
        f"Pine and Kestrel collections (frames and Kestrel Sun) have been paused since {ev.delay_start:%B %-d, %Y}. "
        f"We currently expect to resume shipping the week of {ev.delay_end:%B %-d, %Y}. Open orders will be "
        "held and shipped first, in order received, at no additional freight charge."
    )
    d.p("We apologise for the inconvenience. Please contact your account representative with questions.")
    docs.append(d)

    d = Doc(
        "harbor-frame-co-shipments-resumed",
        "Harbor Frame Co.: shipments resumed",
        ev.delay_end - dt.timedelta(days=2),
        "Harbor Frame Co. Customer Care",
        "vendor_notice",
    )
    d.p(
        f"Good news: production is back to normal and shipments restart on {ev.delay_end:%B %-d}. Held orders "
        "ship first. Regular weekly deliveries resume the following week."
    )
    docs.append(d)

    d = Doc(
        "textremind-incident-report",
        "TextRemind incident report: undelivered reminders",
        ev.sms_fixed_on + dt.timedelta(days=1),
        "TextRemind Support",
        "vendor_notice",
    )
    d.p(
        f"Summary: from early March until {ev.sms_fixed_on:%B %-d} text reminders sent from your Northside number "
        "were rejected by carriers. The number was ported to a new carrier and its 10DLC sender registration was "
        "not carried over. Messages showed as 'sent' in the dashboard but were not delivered."
    )
    d.p(
        f"Resolution: the registration was re-filed and approved on {ev.sms_fixed_on:%B %-d}. We have added an "
        "alert for delivery failure rates above 5%. A service credit for March has been applied to your account."
    )
    docs.append(d)

    d = Doc(
        "contact-lens-price-update",
        "Contact lens price update",
        dt.date(y1, 1, 8),
        "Alcon Vision Care - Account Team",
        "vendor_notice",
    )
    d.p(
        f"Effective February 1, {y1}, list prices for Dailies, Air Optix and Precision1 increase by an average "
        "of 4%. Orders placed before January 31 are invoiced at current prices. Annual-supply rebates are unchanged."
    )
    docs.append(d)

    d = Doc(
        "rx-lab-back-to-school",
        "Central Ohio Rx Lab - back-to-school turnaround",
        dt.date(cfg.end.year, 7, 15),
        "Central Ohio Rx Lab",
        "vendor_notice",
    )
    d.p(
        "From July 20 to September 4 standard single-vision jobs take 4-5 business days (normally 3) because of "
        "back-to-school volume. Progressives and MiyoSmart orders: 7 business days. Rush service remains available."
    )
    docs.append(d)
    return [doc for doc in docs if cfg.start <= doc.date <= cfg.end]
