"""The product catalogue (``inventory_items``): frames, contact lenses, sunglasses, lenses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.contract import PRODUCT_CATEGORIES
from ingest.demo import names
from ingest.demo.config import DemoConfig
from ingest.demo.writer import STR, Codes, Money, Table

CAT = {name: i for i, name in enumerate(PRODUCT_CATEGORIES)}
DELAYED_SUPPLIER = names.FRAME_SUPPLIERS[0]  # Harbor Frame Co.
SUPPLIER_LEAD_DAYS = {
    names.FRAME_SUPPLIERS[0]: 10,
    names.FRAME_SUPPLIERS[1]: 14,
    names.FRAME_SUPPLIERS[2]: 7,
    names.LENS_SUPPLIER: 5,
}
MODELS_PER_BRAND = 8


@dataclass(frozen=True)
class Products:
    """Catalogue rows plus popularity weights used when patients buy."""

    sku: np.ndarray
    category: np.ndarray  # index into PRODUCT_CATEGORIES
    brand: np.ndarray
    model: np.ndarray
    supplier: np.ndarray
    cost_cents: np.ndarray
    price_cents: np.ndarray
    lead_days: np.ndarray
    reorder_point: np.ndarray
    popularity: np.ndarray
    progressive: np.ndarray  # spectacle lenses for presbyopes
    myopia: np.ndarray  # myopia-control products

    @property
    def n(self) -> int:
        return len(self.sku)

    def of(self, category: str) -> np.ndarray:
        """Indices of the products of one category."""
        return np.flatnonzero(self.category == CAT[category])

    def delayed(self) -> np.ndarray:
        """Mask of products from the supplier whose shipments stop (Harbor Frame Co.)."""
        return self.supplier == DELAYED_SUPPLIER

    def table(self) -> Table:
        """The ``inventory_items`` source table."""
        return {
            "sku": self.sku,
            "product_category": Codes(self.category, PRODUCT_CATEGORIES),
            "brand": self.brand,
            "model_name": self.model,
            "supplier": self.supplier,
            "unit_cost": Money(self.cost_cents),
            "retail_price": Money(self.price_cents),
            "lead_time_days": self.lead_days,
            "reorder_point": self.reorder_point,
        }


def make_products(cfg: DemoConfig) -> Products:
    """About eighty products; frames from three suppliers, one of which will be delayed."""
    rng = cfg.rng("products")
    rows = []  # (sku, category, brand, model, supplier, cost, price, reorder, popularity, progressive, myopia)
    for b, (brand, sup, tier) in enumerate(names.FRAME_BRANDS):
        models = rng.choice(names.FRAME_MODELS, MODELS_PER_BRAND, replace=False)
        for m, model in enumerate(models):
            price = round(float(rng.uniform(120, 190) * tier) / 5) * 5 - 0.01
            rows.append(
                (
                    f"FR-{b + 1}{m + 1:02d}",
                    "frames",
                    brand,
                    f"{model} {int(rng.integers(48, 56))}",
                    names.FRAME_SUPPLIERS[sup],
                    price * 0.38,
                    price,
                    3,
                    (rng.pareto(1.5) + 0.5) * (2.5 if sup == 0 else 1.0),
                    False,
                    False,
                )
            )
    for i, (brand, model, sup, cost, price) in enumerate(names.CONTACT_LENSES):
        rows.append(
            (
                f"CL-{i + 1:03d}",
                "contact_lenses",
                brand,
                model,
                sup,
                cost,
                price,
                24,
                rng.uniform(0.5, 2.0),
                False,
                brand == "MiSight",
            )
        )
    for b, (brand, sup) in enumerate(names.SUNGLASS_BRANDS):
        for m, model in enumerate(names.SUN_MODELS):
            price = round(float(rng.uniform(110, 260)) / 5) * 5 - 0.01
            rows.append(
                (
                    f"SG-{b + 1}{m + 1:02d}",
                    "sunglasses",
                    brand,
                    model,
                    sup,
                    price * 0.45,
                    price,
                    2,
                    rng.uniform(0.5, 1.5),
                    False,
                    False,
                )
            )
    for i, (brand, model, cost, price) in enumerate(names.LENS_PRODUCTS):
        rows.append(
            (
                f"LN-{i + 1:03d}",
                "spectacle_lenses",
                brand,
                model,
                names.LENS_SUPPLIER,
                cost,
                price,
                12,
                rng.uniform(0.5, 1.5),
                "Progressive" in model,
                "Myopia" in model,
            )
        )
    cols = list(zip(*rows, strict=True))
    supplier = np.array(cols[4], dtype=STR)
    return Products(
        sku=np.array(cols[0], dtype=STR),
        category=np.array([CAT[c] for c in cols[1]]),
        brand=np.array(cols[2], dtype=STR),
        model=np.array(cols[3], dtype=STR),
        supplier=supplier,
        cost_cents=np.round(np.array(cols[5]) * 100).astype(np.int64),
        price_cents=np.round(np.array(cols[6]) * 100).astype(np.int64),
        lead_days=np.array([SUPPLIER_LEAD_DAYS.get(s, 3) for s in cols[4]]),
        reorder_point=np.array(cols[7]),
        popularity=np.array(cols[8], dtype=float),
        progressive=np.array(cols[9]),
        myopia=np.array(cols[10]),
    )
