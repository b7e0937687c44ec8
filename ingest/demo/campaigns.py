"""Marketing campaigns: one per channel per quarter, plus the planted winner and loser."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ingest.contract import MARKETING_CHANNELS, SERVICE_LINES
from ingest.demo.config import DemoConfig
from ingest.demo.writer import STR, Codes, Ids, Money, Table

# (channel, quarter) -> (theme, service line); quarters 1..4.
THEMES: dict[tuple[str, int], tuple[str, str]] = {
    ("email", 1): ("New Year Eye Exam Reminder", "annual_exam_recall"),
    ("email", 2): ("Contact Lens Spring Refill", "contact_lenses"),
    ("email", 3): ("Back-to-School Eye Exams", "annual_exam_recall"),
    ("email", 4): ("Use Your Benefits Before Year End", "eyewear_promo"),
    ("sms", 1): ("Dry Eye Relief Texts", "dry_eye"),
    ("sms", 2): ("Annual Exam Recall Texts", "annual_exam_recall"),
    ("sms", 3): ("Summer Sunglasses Texts", "eyewear_promo"),
    ("sms", 4): ("FSA Reminder Texts", "eyewear_promo"),
    ("google_ads", 1): ("Eye Exam Search Winter", "new_patient"),
    ("google_ads", 2): ("Dry Eye Clinic Search", "dry_eye"),
    ("google_ads", 3): ("Back-to-School Myopia Check", "myopia_management"),
    ("google_ads", 4): ("Contact Lens Exam Search", "contact_lenses"),
    ("meta_ads", 1): ("New Patient Welcome Offer", "new_patient"),
    ("meta_ads", 2): ("Spring Designer Frames Event", "eyewear_promo"),
    ("meta_ads", 3): ("Kids Vision Back to School", "myopia_management"),
    ("meta_ads", 4): ("Holiday Eyewear Gifts", "eyewear_promo"),
    ("direct_mail", 1): ("Annual Exam Postcards", "annual_exam_recall"),
    ("direct_mail", 2): ("Neighborhood New Mover Mailer", "new_patient"),
    ("direct_mail", 3): ("Myopia Management Parent Letter", "myopia_management"),
    ("direct_mail", 4): ("Year-End Benefits Postcard", "eyewear_promo"),
}
# channel -> (days after quarter start, duration days, budget per 3 locations, new-patient pull)
CHANNEL_PLAN = {
    "email": (9, 21, 1500, 0.25),
    "sms": (20, 14, 1400, 0.25),
    "google_ads": (4, 45, 4200, 1.0),
    "meta_ads": (13, 30, 2600, 0.6),
    "direct_mail": (24, 35, 5200, 0.4),
}
WINNER = ("google_ads", 3)
LOSER = ("meta_ads", 2)


@dataclass(frozen=True)
class Campaigns:
    """Campaign rows plus their pull on new patients and their daily activity."""

    names: np.ndarray
    channel: np.ndarray  # index into MARKETING_CHANNELS
    service_line: np.ndarray  # index into SERVICE_LINES
    start_on: np.ndarray
    end_on: np.ndarray
    budget_cents: np.ndarray
    pull: np.ndarray  # relative share of campaign-referred new patients per active day
    winner: int
    loser: int

    @property
    def n(self) -> int:
        return len(self.names)

    def active(self, days: np.ndarray) -> np.ndarray:
        """[campaign, day] True while the campaign runs."""
        return (days[None, :] >= self.start_on[:, None]) & (days[None, :] <= self.end_on[:, None])

    def index_of(self, name: str) -> int:
        """Index of the campaign called ``name`` (-1 if absent)."""
        hits = np.flatnonzero(self.names == name)
        return int(hits[0]) if len(hits) else -1

    def table(self) -> Table:
        """The ``campaigns`` source table."""
        return {
            "campaign_id": Ids(np.arange(1, self.n + 1), "CMP", 3),
            "campaign_name": self.names,
            "channel": Codes(self.channel, MARKETING_CHANNELS),
            "service_line": Codes(self.service_line, SERVICE_LINES),
            "start_on": self.start_on,
            "end_on": self.end_on,
            "budget": Money(self.budget_cents),
        }


def make_campaigns(cfg: DemoConfig) -> Campaigns:
    """Every channel runs one campaign each quarter from the start up to the end date."""
    rng = cfg.rng("campaigns")
    ev = cfg.events
    scale = max(1.0, cfg.locations / 3)
    rows = []
    for year in range(cfg.start.year, cfg.end.year + 1):
        for q in range(1, 5):
            q_start = dt.date(year, 3 * q - 2, 1)
            q_end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
            if q_end < cfg.start or q_start > cfg.end:
                continue
            for ch, (offset, length, budget, pull) in CHANNEL_PLAN.items():
                theme, line = THEMES[(ch, q)]
                start = q_start + dt.timedelta(days=offset)
                stop = start + dt.timedelta(days=length - 1)
                kind = 0
                if (ch, q) == WINNER and year == ev.winner_start.year:
                    start, stop, budget, pull, kind = ev.winner_start, ev.winner_end, 6500, 3.0, 1
                elif (ch, q) == LOSER and year == ev.loser_start.year:
                    start, stop, budget, pull, kind = ev.loser_start, ev.loser_end, 9000, 0.01, 2
                start = max(min(start, cfg.end), cfg.start, q_start)
                stop = min(max(stop, start), cfg.end)
                noise = 1.0 if kind else rng.uniform(0.8, 1.2)
                rows.append(
                    (f"{theme} {year}", ch, line, start, stop, round(budget * scale * noise), pull, kind)
                )
    cols = list(zip(*rows, strict=True))
    kinds = np.array(cols[7])
    return Campaigns(
        names=np.array(cols[0], dtype=STR),
        channel=np.array([MARKETING_CHANNELS.index(c) for c in cols[1]]),
        service_line=np.array([SERVICE_LINES.index(s) for s in cols[2]]),
        start_on=np.array(cols[3], dtype="datetime64[D]"),
        end_on=np.array(cols[4], dtype="datetime64[D]"),
        budget_cents=np.array(cols[5], dtype=np.int64) * 100,
        pull=np.array(cols[6], dtype=float),
        winner=int(np.flatnonzero(kinds == 1)[0]) if (kinds == 1).any() else -1,
        loser=int(np.flatnonzero(kinds == 2)[0]) if (kinds == 2).any() else -1,
    )


def pick_active(rng: np.random.Generator, act_weights: np.ndarray, day_idx: np.ndarray) -> np.ndarray:
    """For each row, a campaign active on its day drawn by weight; -1 where none is active."""
    out = np.full(len(day_idx), -1)
    if act_weights.shape[0] == 0 or len(day_idx) == 0:
        return out
    cum = np.cumsum(act_weights, axis=0)  # [campaign, day]
    total = cum[-1]
    u = rng.random(len(day_idx)) * total[day_idx]
    has = total[day_idx] > 0
    # campaign = first c with cum[c, day] > u; done in chunks to bound memory
    for lo in range(0, len(day_idx), 200_000):
        sl = slice(lo, lo + 200_000)
        out[sl] = (cum[:, day_idx[sl]] <= u[sl][None, :]).sum(axis=0)
    return np.where(has, np.minimum(out, act_weights.shape[0] - 1), -1)
