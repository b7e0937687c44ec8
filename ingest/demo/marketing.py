"""Daily campaign spend and the email/SMS sends of campaigns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.contract import MARKETING_CHANNELS, MESSAGE_CHANNELS
from ingest.demo.campaigns import Campaigns
from ingest.demo.config import DemoConfig, day
from ingest.demo.patients import Patients
from ingest.demo.writer import Codes, Ids, Money, PatientIds, Table

CHN = {name: i for i, name in enumerate(MARKETING_CHANNELS)}
SEND_OFFSETS = {"email": (0, 7), "sms": (0,)}
SEND_SHARE = 0.12  # of opted-in patients who prefer the channel
# channel -> (impressions per dollar, click-through rate)
REACH = {"google_ads": (22.0, 0.038), "meta_ads": (55.0, 0.011)}
MIN = np.timedelta64(1, "m")


@dataclass
class Messages:
    """Campaign sends; ``patient`` indexes the patients table."""

    campaign: np.ndarray
    patient: np.ndarray
    channel: np.ndarray  # index into MESSAGE_CHANNELS
    sent_at: np.ndarray
    opened: np.ndarray
    clicked: np.ndarray
    opted_out: np.ndarray

    def table(self, patient_ids: PatientIds) -> Table:
        """The ``campaign_messages`` source table."""
        return {
            "message_id": Ids(np.arange(1, len(self.campaign) + 1), "MSG", 8),
            "campaign_id": Ids(self.campaign + 1, "CMP", 3),
            "patient_id": patient_ids(self.patient),
            "channel": Codes(self.channel, MESSAGE_CHANNELS),
            "sent_at": self.sent_at,
            "opened": self.opened,
            "clicked": self.clicked,
            "opted_out": self.opted_out,
        }


def make_messages(cfg: DemoConfig, camps: Campaigns, patients: Patients) -> Messages:
    """Email and SMS campaigns send to a share of opted-in patients on their send days."""
    rng = cfg.rng("messages")
    parts = []
    for c in range(camps.n):  # one step per campaign send, vectorised over recipients
        ch_name = MARKETING_CHANNELS[camps.channel[c]]
        if ch_name not in SEND_OFFSETS:
            continue
        msg_ch = MESSAGE_CHANNELS.index(ch_name)
        pref = 0 if ch_name == "email" else 1  # PREFERRED_CHANNELS: email, sms
        for off in SEND_OFFSETS[ch_name]:
            when = camps.start_on[c] + np.timedelta64(off, "D")
            if when > camps.end_on[c] or when > day(cfg.end):
                continue
            ok = patients.opt_in & (patients.channel == pref) & (patients.first_visit < when)
            who = np.flatnonzero(ok & (rng.random(patients.n) < SEND_SHARE))
            k = len(who)
            base = when.astype("datetime64[s]") + (600 if ch_name == "email" else 690) * MIN
            sent = base + rng.integers(0, 1800, k) * np.timedelta64(1, "s")
            p_open = 0.34 if ch_name == "email" else 0.62
            p_open *= 1.25 if c == camps.winner else rng.uniform(0.8, 1.15)
            opened = rng.random(k) < p_open
            clicked = opened & (rng.random(k) < (0.14 if ch_name == "email" else 0.11))
            opted = rng.random(k) < (0.003 if ch_name == "email" else 0.008)
            parts.append((np.full(k, c), who, np.full(k, msg_ch), sent, opened, clicked, opted))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Messages(empty, empty, empty, np.zeros(0, "datetime64[s]"), *(np.zeros(0, bool),) * 3)
    cols = [np.concatenate([p[i] for p in parts]) for i in range(7)]
    order = np.lexsort((cols[1], cols[3]))
    return Messages(*[col[order] for col in cols])


def make_spend(cfg: DemoConfig, camps: Campaigns, messages: Messages) -> Table:
    """The ``campaign_spend`` source table: one row per campaign and day with spend."""
    rng = cfg.rng("spend")
    rows = []  # (campaign, day, cents, impressions, clicks)
    end = day(cfg.end)
    sends = np.zeros(0)
    if len(messages.campaign):
        key = messages.campaign.astype(np.int64) * 100_000 + messages.sent_at.astype("datetime64[D]").astype(
            np.int64
        )
        sends, counts = np.unique(key, return_counts=True)
        clicks = np.bincount(np.searchsorted(sends, key), weights=messages.clicked, minlength=len(sends))
    for c in range(camps.n):  # one step per campaign, vectorised over its days
        ch = MARKETING_CHANNELS[camps.channel[c]]
        days = np.arange(camps.start_on[c], min(camps.end_on[c], end) + np.timedelta64(1, "D"))
        if len(days) == 0:
            continue
        if ch in REACH:
            weight = rng.lognormal(0, 0.18, len(days)) * np.where(
                ((days.astype(np.int64) + 3) % 7) >= 5, 0.7, 1.0
            )
            planned = (camps.end_on[c] - camps.start_on[c]).astype(int) + 1
            cents = np.round(camps.budget_cents[c] / planned * weight / weight.mean())
            per_dollar, ctr = REACH[ch]
            imps = rng.poisson(cents / 100 * per_dollar)
            clk = rng.binomial(imps, ctr * (1.3 if c == camps.winner else 0.45 if c == camps.loser else 1.0))
        elif ch == "direct_mail":
            drop = np.zeros(len(days))
            drop[0] = 0.85
            drop[min(14, len(days) - 1)] += 0.15
            keep = drop > 0
            days, cents = days[keep], np.round(camps.budget_cents[c] * drop[keep])
            imps = np.round(cents / 100 / 0.62).astype(np.int64)  # pieces mailed
            clk = rng.binomial(imps, 0.004)  # QR-code scans
        else:
            key = c * 100_000 + days.astype(np.int64)
            at = np.searchsorted(sends, key)
            at = np.minimum(at, max(len(sends) - 1, 0))
            has = (len(sends) > 0) & (sends[at] == key) if len(sends) else np.zeros(len(days), dtype=bool)
            days = days[has]
            imps = counts[at[has]] if len(sends) else np.zeros(0, np.int64)
            clk = clicks[at[has]].astype(np.int64) if len(sends) else np.zeros(0, np.int64)
            cents = np.round(camps.budget_cents[c] / max(1, len(days)) * np.ones(len(days)))
        rows.append(
            (np.full(len(days), c), days, cents.astype(np.int64), imps.astype(np.int64), clk.astype(np.int64))
        )
    cols = [np.concatenate([r[i] for r in rows]) if rows else np.zeros(0, np.int64) for i in range(5)]
    order = np.lexsort((cols[0], cols[1]))
    return {
        "campaign_id": Ids(cols[0][order] + 1, "CMP", 3),
        "spend_on": cols[1][order].astype("datetime64[D]"),
        "spend_amount": Money(cols[2][order]),
        "impressions": cols[3][order],
        "clicks": cols[4][order],
    }
