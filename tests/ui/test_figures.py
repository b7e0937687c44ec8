"""KPI figures of a chat answer: values and changes formatted per the metric, colour by good direction."""

from __future__ import annotations

from assistant.services import MetricDisplay, delta_text, kpi_figures

REVENUE = MetricDisplay("Revenue", "currency")
NO_SHOW = MetricDisplay("No-show rate", "percent", down_is_good=True)
WAIT = MetricDisplay("Average wait", "minutes", down_is_good=True)


def _answer(metric: str, cur, prev) -> dict:
    return {
        "columns": [metric, f"{metric}_previous", f"{metric}_change"],
        "rows": [[cur, prev, None if cur is None or prev is None else cur - prev]],
        "semantic_query": {"metrics": [metric]},
    }


def test_currency_figure_is_formatted_as_money_with_its_change():
    (fig,) = kpi_figures(_answer("revenue", 3313020.4, 3939000.0), {"revenue": REVENUE})
    assert fig["label"] == "Revenue"
    assert fig["value"] == "$3,313,020"
    assert fig["delta"] == "-15.9% vs $3,939,000"
    assert fig["delta_color"] == "normal"  # revenue falling is bad news: red, as usual


def test_rate_where_down_is_good_is_a_percentage_in_points_with_inverted_colour():
    (fig,) = kpi_figures(_answer("no_show_rate", 0.124, 0.136), {"no_show_rate": NO_SHOW})
    assert fig["value"] == "12.4%"
    assert fig["delta"] == "-1.2 points vs 13.6%"
    assert fig["delta_color"] == "inverse"  # a falling no-show rate shows green


def test_minutes_and_counts():
    (wait,) = kpi_figures(_answer("avg_wait_minutes", 15.45, 14.0), {"avg_wait_minutes": WAIT})
    assert (wait["value"], wait["delta"], wait["delta_color"]) == (
        "15.4 min",
        "+10.4% vs 14.0 min",
        "inverse",
    )
    visits = MetricDisplay("Completed visits", "count")
    (fig,) = kpi_figures(_answer("completed_visits", 1234, 1000), {"completed_visits": visits})
    assert (fig["value"], fig["delta"]) == ("1,234", "+23.4% vs 1,000")


def test_unchanged_has_no_arrow_and_no_colour():
    (fig,) = kpi_figures(_answer("no_show_rate", 0.12, 0.12), {"no_show_rate": NO_SHOW})
    assert fig["delta"] == "unchanged vs 12.0%"
    assert (fig["delta_color"], fig["delta_arrow"]) == ("off", "off")


def test_only_one_row_answers_with_a_previous_value_get_figures():
    assert kpi_figures({"columns": ["revenue"], "rows": [[1.0]]}, {"revenue": REVENUE}) == []
    two = {"columns": ["revenue", "revenue_previous"], "rows": [[1.0, 2.0], [3.0, 4.0]]}
    assert kpi_figures(two, {"revenue": REVENUE}) == []
    assert kpi_figures(_answer("revenue", None, 5.0), {"revenue": REVENUE}) == []


def test_delta_text_signs():
    assert delta_text(110, 100, "count") == "+10.0%"
    assert delta_text(5, 0, "count") == "up from zero"
    assert delta_text(None, 1, "count") is None
