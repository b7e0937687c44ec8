"""Stock movements: opening stock, weekly replenishment, sales, returns, counts, transfers.

Sales are the product charge lines, so units sold match revenue. Planted here: the
frame supplier (Harbor Frame Co.) ships nothing from ``delay_start`` to ``delay_end``;
its frames run out at every location and the sales that find no stock are lost (the
charge lines are dropped), until a catch-up delivery arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ingest.contract import MOVEMENT_TYPES
from ingest.demo.billing import Charges
from ingest.demo.calendar import Calendar
from ingest.demo.config import DemoConfig, day
from ingest.demo.products import Products
from ingest.demo.writer import Codes, Ids, Table

MV = {name: i for i, name in enumerate(MOVEMENT_TYPES)}
RECEIPT_WEEKDAY = 1  # deliveries arrive on Tuesdays


@dataclass
class Movements:
    """Movement rows (grid-derived, already sorted by date, location, SKU)."""

    sku: np.ndarray
    loc: np.ndarray
    date: np.ndarray
    kind: np.ndarray
    qty: np.ndarray

    def table(self, products: Products) -> Table:
        """The ``inventory_movements`` source table."""
        return {
            "movement_id": Ids(np.arange(1, len(self.sku) + 1), "MV", 9),
            "sku": pa.array(products.sku.tolist(), pa.string()).take(pa.array(self.sku)),
            "location_id": Ids(self.loc + 1, "LOC", 1),
            "moved_on": self.date,
            "movement_type": Codes(self.kind, MOVEMENT_TYPES),
            "quantity": self.qty,
        }


def _grid(shape, sku, loc, day_i, qty) -> np.ndarray:
    g = np.zeros(shape, dtype=np.int32)
    np.add.at(g, (sku, loc, day_i), qty)
    return g


def _cap_delayed_sales(
    charges: Charges, delayed: np.ndarray, stock_at_start: np.ndarray, window
) -> np.ndarray:
    """Mask of charge lines kept: delayed-supplier sales in the window beyond stock are lost."""
    lo, hi = window
    is_prod = charges.sku >= 0
    hit = is_prod & delayed[np.maximum(charges.sku, 0)] & (charges.date >= lo) & (charges.date < hi)
    idx = np.flatnonzero(hit)
    if len(idx) == 0:
        return np.ones(len(charges.sku), dtype=bool)
    idx = idx[np.lexsort((charges.date[idx], charges.loc[idx], charges.sku[idx]))]
    key = charges.sku[idx] * 10_000 + charges.loc[idx]
    q = charges.qty[idx].astype(np.int64)
    cum = np.cumsum(q)
    first = np.r_[True, key[1:] != key[:-1]]
    group_base = np.maximum.accumulate(np.where(first, cum - q, 0))
    within = cum - group_base
    keep = np.ones(len(charges.sku), dtype=bool)
    keep[idx] = within <= stock_at_start[charges.sku[idx], charges.loc[idx]]
    return keep


def make_movements(cfg: DemoConfig, cal: Calendar, products: Products, charges: Charges, n_locs: int):
    """Movements, and the mask of charge lines that survive the stock-out."""
    rng = cfg.rng("inventory")
    ev = cfg.events
    past = int((day(cfg.end) - cal.days[0]).astype(int)) + 1
    days = cal.days[:past]
    shape = (products.n, n_locs, past)
    delayed = products.delayed()
    ds = int(np.clip((day(ev.delay_start) - days[0]).astype(int), 0, past))
    de = int(np.clip((day(ev.delay_end) - days[0]).astype(int), 0, past))

    # Counts, returns and transfers (none for the delayed supplier during the delay).
    n_adj = rng.poisson(0.08 * products.n * n_locs * past / 30)
    adj = (
        rng.integers(0, products.n, n_adj),
        rng.integers(0, n_locs, n_adj),
        rng.integers(1, past, n_adj),
        np.where(rng.random(n_adj) < 0.7, -1, 1),
    )
    n_tr = rng.poisson(4 * n_locs * past / 30) if n_locs > 1 else 0
    tr_sku, tr_day = rng.integers(0, products.n, n_tr), rng.integers(1, past, n_tr)
    tr_from = rng.integers(0, n_locs, n_tr)
    tr_to = (tr_from + rng.integers(1, max(2, n_locs), n_tr)) % n_locs
    tr_qty = rng.integers(1, 3, n_tr)

    def quiet(sku, d):
        return ~(delayed[sku] & (d >= ds - 14) & (d < de + 7))

    keep_adj = quiet(adj[0], adj[2])
    keep_tr = quiet(tr_sku, tr_day)
    adjust = _grid(shape, adj[0][keep_adj], adj[1][keep_adj], adj[2][keep_adj], adj[3][keep_adj])
    t_out = _grid(shape, tr_sku[keep_tr], tr_from[keep_tr], tr_day[keep_tr], tr_qty[keep_tr])
    t_in = _grid(shape, tr_sku[keep_tr], tr_to[keep_tr], tr_day[keep_tr], tr_qty[keep_tr])

    day_of = (charges.date - days[0]).astype(np.int64)
    prod = charges.sku >= 0
    ret = _returns(rng, charges, day_of, past)
    ret_ok = quiet(ret[0], ret[2])
    ret = tuple(r[ret_ok] for r in ret)
    returns = _grid(shape, ret[0], ret[1], ret[2], ret[4])

    def sales_grid(mask):
        return _grid(shape, charges.sku[mask], charges.loc[mask], day_of[mask], charges.qty[mask])

    sales = sales_grid(prod)
    out = sales + t_out + np.maximum(-adjust, 0)
    weeks = (days.astype(np.int64) + 3) // 7
    wk = weeks - weeks[0]
    weekly_out = np.zeros(shape[:2] + (wk[-1] + 1,), dtype=np.int64)
    np.add.at(weekly_out, (slice(None), slice(None), wk), out)
    opening = weekly_out.max(axis=2) + out.max(axis=2) + products.reorder_point[:, None] + 1

    def receipts_for(net: np.ndarray) -> np.ndarray:
        weekly = np.zeros_like(weekly_out)
        np.add.at(weekly, (slice(None), slice(None), wk), net)
        rec = np.zeros(shape, dtype=np.int64)
        tuesdays = np.flatnonzero((cal.weekday[:past] == RECEIPT_WEEKDAY) & (wk > 0))
        rec[:, :, tuesdays] = np.maximum(weekly[:, :, wk[tuesdays] - 1], 0)
        rec[:, :, 0] += opening
        return rec

    inflow = t_in + np.maximum(adjust, 0) + returns
    rec = receipts_for(out - inflow)
    keep = np.ones(len(charges.sku), dtype=bool)
    if 0 < ds < past:
        level = np.cumsum(rec - out + inflow, axis=2, dtype=np.int64)
        end_window = days[de] if de < past else days[-1] + 1
        keep = _cap_delayed_sales(charges, delayed, level[:, :, ds - 1], (days[ds], end_window))
        sales = sales_grid(prod & keep)
        out = sales + t_out + np.maximum(-adjust, 0)
        rec = receipts_for(out - inflow)
        hold = np.zeros(past, dtype=bool)
        hold[ds : min(de + 7, past)] = True
        rec[np.ix_(delayed, np.ones(n_locs, dtype=bool), hold)] = 0
        if de < past:  # the catch-up delivery refills to the opening level
            level = np.cumsum(rec - out + inflow, axis=2, dtype=np.int64)[:, :, de - 1]
            rec[delayed, :, de] = np.maximum(opening[delayed] - level[delayed], 0)
    moves = [
        (rec, MV["receipt"], 1),
        (sales, MV["sale"], -1),
        (t_out, MV["transfer_out"], -1),
        (t_in, MV["transfer_in"], 1),
    ]
    parts = [_from_grid(g, kind, sign) for g, kind, sign in moves]
    parts.append(_from_grid(adjust, MV["adjustment"], 1, signed=True))
    parts.append(ret)
    m = Movements(*[np.concatenate([p[i] for p in parts]) for i in range(5)])
    m.date = days[m.date]
    order = np.lexsort((m.kind, m.sku, m.loc, m.date))
    return Movements(m.sku[order], m.loc[order], m.date[order], m.kind[order], m.qty[order]), keep


def _from_grid(g: np.ndarray, kind: int, sign: int, signed: bool = False):
    s, loc, d = np.nonzero(g)
    q = g[s, loc, d].astype(np.int64)
    return s, loc, d, np.full(len(s), kind), q if signed else sign * np.abs(q)


def _returns(rng, charges: Charges, day_of: np.ndarray, past: int):
    """About 1.5% of product lines come back within three weeks."""
    sold = np.flatnonzero((charges.sku >= 0) & (rng.random(len(charges.sku)) < 0.015))
    d = day_of[sold] + rng.integers(3, 21, len(sold))
    ok = d < past
    sold, d = sold[ok], d[ok]
    return (
        charges.sku[sold],
        charges.loc[sold],
        d,
        np.full(len(sold), MV["return"]),
        np.ones(len(sold), dtype=np.int64),
    )
