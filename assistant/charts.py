"""Charts chosen from the result's shape, as plotly figure JSON (``{"data": [...], "layout": {...}}``).

A single value is a KPI indicator (with a delta when a previous value is known); a time
grain gives a line; one category a bar sorted by value; a comparison (``<metric>_previous``
columns) a grouped bar; two categories a grouped bar. The figure is a plain dict built
here (the same JSON ``plotly.graph_objects.Figure.to_plotly_json()`` produces) so that
answering never imports plotly; nothing is ever executed from it.

>>> chart_type(["revenue"], [[1.0]], ["revenue"], [])
'indicator'
>>> chart_type(["month", "revenue"], [["2025-01-01", 1.0]], ["revenue"], ["month"])
'line'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from semantic_layer.query import TIME_GRAINS

DAY_ORDER = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FORMATS = {  # metric format -> (tick format, prefix, suffix)
    "percent": (".1%", "", ""),
    "currency": ("$,.0f", "$", ""),
    "minutes": (".1f", "", " min"),
    "hours": (",.1f", "", " h"),
    "count": (",.0f", "", ""),
}


def chart_type(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], metrics: Sequence[str], dims: Sequence[str]
) -> str:
    """indicator | line | bar | grouped_bar | none, from the result's shape."""
    if not rows or not metrics or metrics[0] not in columns:
        return "none"
    has_prev = f"{metrics[0]}_previous" in columns
    grains = [d for d in dims if d in TIME_GRAINS and d in columns]
    cats = [d for d in dims if d not in TIME_GRAINS and d in columns]
    if not grains and not cats:
        return "grouped_bar" if len(metrics) > 1 and not has_prev else "indicator"
    if (
        has_prev
        or len(cats) + len(grains) > 1
        and not (grains and grains[0] not in ("day_of_week", "hour_of_day"))
    ):
        return "grouped_bar"
    if grains and grains[0] not in ("day_of_week", "hour_of_day"):
        return "line"
    return "bar"


def build_chart(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    metrics: Sequence[str],
    dims: Sequence[str],
    labels: Mapping[str, str],
    formats: Mapping[str, str],
    reference: float | None = None,
    title: str = "",
) -> dict[str, Any] | None:
    """The plotly figure dict for a result, or None when there is nothing to draw."""
    kind = chart_type(columns, rows, metrics, dims)
    if kind == "none":
        return None
    idx = {c: i for i, c in enumerate(columns)}
    m = metrics[0]
    fmt = formats.get(m, "")
    tick, prefix, suffix = FORMATS.get(fmt, ("", "", ""))
    layout: dict[str, Any] = {"title": {"text": title or labels.get(m, m)}, "template": "plotly_white"}
    col = lambda name: [r[idx[name]] for r in rows]  # noqa: E731
    if kind == "indicator":
        value = rows[0][idx[m]]
        ref = rows[0][idx[f"{m}_previous"]] if f"{m}_previous" in idx else reference
        trace: dict[str, Any] = {
            "type": "indicator",
            "mode": "number+delta" if ref is not None else "number",
            "value": value,
            "number": {"valueformat": tick, "prefix": prefix, "suffix": suffix},
            "title": {"text": labels.get(m, m)},
        }
        if ref is not None:
            trace["delta"] = {
                "reference": ref,
                "relative": fmt != "percent",
                "valueformat": ".1%" if fmt != "percent" else ".1%",
            }
        return {"data": [trace], "layout": layout}
    grains = [d for d in dims if d in TIME_GRAINS and d in idx]
    cats = [d for d in dims if d not in TIME_GRAINS and d in idx]
    layout["yaxis"] = {"title": {"text": labels.get(m, m)}, "tickformat": tick}
    if kind == "line":
        g = grains[0]
        layout["xaxis"] = {"title": {"text": g.replace("_", " ")}}
        if not cats:
            return {
                "data": [
                    {
                        "type": "scatter",
                        "mode": "lines+markers",
                        "name": labels.get(m, m),
                        "x": col(g),
                        "y": col(m),
                    }
                ],
                "layout": layout,
            }
        groups: dict[Any, tuple[list, list]] = {}
        for r in rows:
            xs, ys = groups.setdefault(r[idx[cats[0]]], ([], []))
            xs.append(r[idx[g]])
            ys.append(r[idx[m]])
        data = [
            {"type": "scatter", "mode": "lines+markers", "name": str(k), "x": xs, "y": ys}
            for k, (xs, ys) in groups.items()
        ]
        return {"data": data, "layout": layout}
    if not cats and not grains:  # several metrics (or a comparison) of one row
        names = [n for n in metrics if n in idx]
        data = [
            {
                "type": "bar",
                "name": "current",
                "x": [labels.get(n, n) for n in names],
                "y": [rows[0][idx[n]] for n in names],
            }
        ]
        prev = [n for n in names if f"{n}_previous" in idx]
        if prev:
            data.append(
                {
                    "type": "bar",
                    "name": "previous",
                    "x": [labels.get(n, n) for n in prev],
                    "y": [rows[0][idx[f"{n}_previous"]] for n in prev],
                }
            )
        layout["barmode"] = "group"
        return {"data": data, "layout": layout}
    x_dim = (cats or grains)[0]
    layout["xaxis"] = {"title": {"text": labels.get(x_dim, x_dim.replace("_", " "))}}
    if kind == "bar":
        pairs = list(zip(col(x_dim), col(m), strict=True))
        if x_dim == "day_of_week":
            pairs.sort(key=lambda p: DAY_ORDER.index(p[0]) if p[0] in DAY_ORDER else 9)
        elif x_dim == "hour_of_day":
            pairs.sort(key=lambda p: p[0] if p[0] is not None else -1)
        else:
            pairs.sort(key=lambda p: (p[1] is None, -(p[1] or 0)))
        return {
            "data": [
                {
                    "type": "bar",
                    "name": labels.get(m, m),
                    "x": [p[0] for p in pairs],
                    "y": [p[1] for p in pairs],
                }
            ],
            "layout": layout,
        }
    layout["barmode"] = "group"
    if f"{m}_previous" in idx:
        x = col(x_dim) if (cats or grains) else [labels.get(m, m)]
        data = [
            {"type": "bar", "name": "current", "x": x, "y": col(m)},
            {"type": "bar", "name": "previous", "x": x, "y": col(f"{m}_previous")},
        ]
        return {"data": data, "layout": layout}
    series_dim = (cats + grains)[1] if len(cats + grains) > 1 else None
    if series_dim is None:
        return {"data": [{"type": "bar", "x": col(x_dim), "y": col(m)}], "layout": layout}
    groups2: dict[Any, tuple[list, list]] = {}
    for r in rows:
        xs, ys = groups2.setdefault(r[idx[series_dim]], ([], []))
        xs.append(r[idx[x_dim]])
        ys.append(r[idx[m]])
    return {
        "data": [{"type": "bar", "name": str(k), "x": xs, "y": ys} for k, (xs, ys) in groups2.items()],
        "layout": layout,
    }
