"""Recalls due after exams, and patient surveys with NPS scores and comments."""

from __future__ import annotations

import numpy as np

from ingest.contract import RECALL_TYPES
from ingest.demo.comments import make_comments
from ingest.demo.config import DemoConfig, day
from ingest.demo.flow import Flow
from ingest.demo.patients import Patients
from ingest.demo.people import Locations, Staff
from ingest.demo.schedule import Appointments, S, T
from ingest.demo.writer import STR, Codes, Ids, Table

# appointment type -> (recall type, days until due)
RECALL_RULES = {
    T["comprehensive_exam"]: (0, 365),
    T["contact_lens_exam"]: (1, 365),
    T["medical_visit"]: (2, 120),
}
SURVEY_SHARE = 0.14
DAY = np.timedelta64(1, "D")


def make_recalls(cfg: DemoConfig, appts: Appointments, patients: Patients) -> Table:
    """The ``recalls`` source table: due dates up to the end date, fulfilled by a later visit."""
    rng = cfg.rng("recalls")
    end = day(cfg.end)
    done = appts.status == S["completed"]
    when = appts.scheduled_at.astype("datetime64[D]")
    pat, loc, kind, due = [], [], [], []
    for typ, (rtype, days) in RECALL_RULES.items():  # one step per recall rule
        m = done & (appts.type == typ)
        d = when[m] + (days + rng.integers(-10, 11, m.sum())) * DAY
        pat.append(appts.patient[m])
        loc.append(appts.loc[m])
        kind.append(np.full(m.sum(), rtype))
        due.append(d)
    base = np.flatnonzero(~np.isnat(patients.first_visit) & (patients.first_visit < day(cfg.start)))
    base = base[rng.random(len(base)) < 0.55]  # exams before the data starts come due in its first year
    pat.append(base)
    loc.append(patients.loc[base])
    kind.append(np.zeros(len(base), dtype=np.int64))
    due.append(day(cfg.start) + rng.integers(0, 365, len(base)) * DAY)
    pat, loc, kind, due = (np.concatenate(x) for x in (pat, loc, kind, due))
    keep = due <= end
    pat, loc, kind, due = pat[keep], loc[keep], kind[keep], due[keep]
    n = len(pat)

    contacted = rng.random(n) < 0.86
    first_contact = np.where(contacted, due - rng.integers(7, 45, n) * DAY, np.datetime64("NaT"))
    first_contact = np.minimum(first_contact, end)

    # The fulfilling appointment: the patient's first completed visit from 45 days before due.
    c = np.flatnonzero(done & (appts.type != T["optical_pickup"]))
    ckey = appts.patient[c].astype(np.int64) * 2**20 + when[c].astype(np.int64)
    order = np.argsort(ckey, kind="stable")
    ckey, c = ckey[order], c[order]
    rkey = pat.astype(np.int64) * 2**20 + (due - 45 * DAY).astype(np.int64)
    at = np.minimum(np.searchsorted(ckey, rkey), max(len(ckey) - 1, 0))
    hit = np.zeros(n, dtype=bool)
    appt = np.full(n, -1)
    if len(ckey):
        cand = c[at]
        hit = (appts.patient[cand] == pat) & (when[cand] <= due + 150 * DAY) & (ckey[at] >= rkey)
        appt = np.where(hit, cand, -1)
    order = np.lexsort((pat, due))
    return {
        "recall_id": Ids(np.arange(1, n + 1), "RC", 8),
        "patient_id": patients.ids(pat[order]),
        "location_id": Ids(loc[order] + 1, "LOC", 1),
        "recall_type": Codes(kind[order], RECALL_TYPES),
        "due_on": due[order],
        "first_contacted_on": first_contact[order].astype("datetime64[D]"),
        "appointment_id": Ids(np.where(appt[order] >= 0, appt[order] + 1, -1), "AP", 8),
    }


def make_surveys(
    cfg: DemoConfig, appts: Appointments, flow: Flow, staff: Staff, locs: Locations, patients: Patients
) -> Table:
    """The ``surveys`` source table: a share of completed visits answer within three days."""
    rng = cfg.rng("surveys")
    pick = rng.random(len(flow.appt)) < SURVEY_SHARE
    a = flow.appt[pick]
    submitted = flow.checked_out[pick] + rng.integers(2 * 3600, 72 * 3600, len(a)) * np.timedelta64(1, "s")
    keep = submitted < (day(cfg.end) + DAY).astype("datetime64[s]")
    a, submitted = a[keep], submitted[keep]
    wait = (flow.exam_start[pick][keep] - flow.checked_in[pick][keep]) / np.timedelta64(60, "s")
    prov = appts.provider[a]
    mood = 8.7 - 0.09 * np.maximum(wait - 15, 0) + np.where(staff.capture[prov] > 0.6, 0.3, 0.0)
    score = np.clip(np.round(rng.normal(mood, 1.7)), 0, 10).astype(np.int64)
    pat = appts.patient[a]
    doc = np.array(["Dr. " + str(name).split()[-1] for name in staff.names], dtype=STR)[prov]
    title = np.where(
        patients.gender[pat] == 1, "Mr.", np.where(rng.random(len(a)) < 0.5, "Mrs.", "Ms.")
    ).astype(STR)
    mrn = patients.mrn_of(pat)
    comment = make_comments(
        rng,
        score,
        wait > 28,
        doc,
        locs.names[appts.loc[a]],
        patients.first[pat],
        patients.last[pat],
        title,
        patients.phone[pat],
        patients.email[pat],
        mrn,
    )
    order = np.argsort(submitted, kind="stable")
    return {
        "survey_id": Ids(np.arange(1, len(a) + 1), "SV", 7),
        "appointment_id": Ids(a[order] + 1, "AP", 8),
        "location_id": Ids(appts.loc[a][order] + 1, "LOC", 1),
        "submitted_at": submitted[order],
        "nps_score": score[order],
        "comment": comment[order],
    }
