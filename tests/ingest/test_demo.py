"""The demo practice generator: contract, identifiers, rhythm, planted events, documents."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from ingest.contract import (
    MARKETING_CHANNELS,
    RESTRICTED_ZIP3,
    TABLES,
)
from ingest.demo import DemoError, generate_demo
from ingest.demo.config import Events
from tests.conftest import DEMO_END, SHARED

SMALL = {"seed": 11, "start": dt.date(2026, 1, 1), "end": dt.date(2026, 3, 31), "locations": 2}
EV = Events.from_end(DEMO_END)
DATE_LINE = re.compile(r"Date: (\d{4}-\d{2}-\d{2})")


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_pair(tmp_path_factory) -> tuple[Path, Path]:
    """Two exports of the same small configuration, built independently."""
    a = tmp_path_factory.mktemp("a") / "export"
    b = tmp_path_factory.mktemp("b") / "export"
    generate_demo(a, **SMALL)
    generate_demo(b, **SMALL)
    return a, b


@pytest.fixture(scope="module")
def con(demo_export: Path):
    """The demo export loaded as DuckDB tables (source columns, identifiers included)."""
    c = duckdb.connect()
    for t in TABLES:
        c.read_csv(str(demo_export / f"{t.name}.csv"), header=True, all_varchar=False).create(t.name)
    yield c
    c.close()


def one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()


# --- determinism and the output folder ---------------------------------------------------


def test_same_seed_and_dates_give_identical_bytes(small_pair):
    a, b = small_pair
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys()
    assert any(k.endswith(".pdf") for k in fa) and any(k.endswith(".docx") for k in fa)
    assert [k for k in fa if fa[k] != fb[k]] == []


def test_another_seed_gives_other_data(small_pair, tmp_path):
    generate_demo(tmp_path / "other", **{**SMALL, "seed": 12})
    assert (tmp_path / "other" / "appointments.csv").read_bytes() != (
        small_pair[0] / "appointments.csv"
    ).read_bytes()


def test_refuses_a_non_empty_folder_and_leaves_it_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(DemoError, match="not empty"):
        generate_demo(out, **SMALL)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary sibling left


def test_fills_an_empty_existing_folder(small_pair, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    summary = generate_demo(out, **SMALL)
    assert summary.rows["appointments"] > 1000
    assert _files(out) == _files(small_pair[0])
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


def test_bad_settings_are_refused_before_anything_is_written(tmp_path):
    with pytest.raises(DemoError, match="before start"):
        generate_demo(tmp_path / "x", start=dt.date(2026, 1, 1), end=dt.date(2025, 1, 1))
    assert not (tmp_path / "x").exists()


def test_cli_prints_a_summary(tmp_path, capsys):
    from assistant.cli import main

    out = tmp_path / "cli"
    argv = [
        "demo",
        "--seed",
        "3",
        "--start",
        "2026-02-01",
        "--end",
        "2026-02-28",
        "--locations",
        "1",
        str(out),
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "appointments" in text and "documents" in text and str(out) in text
    assert main(argv) == 2  # now non-empty
    assert "not empty" in capsys.readouterr().err


def test_more_locations_get_invented_names_and_doctors(tmp_path):
    generate_demo(tmp_path / "six", seed=5, start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28), locations=6)
    c = duckdb.connect()
    locs = c.execute(
        "SELECT location_name FROM read_csv(?)", [str(tmp_path / "six" / "locations.csv")]
    ).fetchall()
    names = [r[0] for r in locs]
    assert names[:3] == ["Downtown", "Northside", "Lakeview"] and len(set(names)) == 6
    ods = c.execute(
        "SELECT home_location_id, count(*) FROM read_csv(?) WHERE role = 'optometrist' GROUP BY 1",
        [str(tmp_path / "six" / "staff.csv")],
    ).fetchall()
    assert len(ods) == 6


# --- the contract ------------------------------------------------------------------------


def test_every_table_has_the_contract_header(demo_export):
    for t in TABLES:
        header = (demo_export / f"{t.name}.csv").open().readline().strip().split(",")
        assert tuple(header) == t.source_column_names, t.name


def test_category_values_are_the_listed_ones_and_all_appear(con):
    for t in TABLES:
        for c in t.source_columns:
            if not c.categories:
                continue
            found = {r[0] for r in con.execute(f"SELECT DISTINCT {c.name} FROM {t.name}").fetchall()}
            assert found - {None} <= set(c.categories), (t.name, c.name, found - set(c.categories))
            if t.name != "staff" or c.name != "role":
                assert len(found - {None}) >= min(len(c.categories), 2), (t.name, c.name)
    statuses = {r[0] for r in con.execute("SELECT DISTINCT status FROM appointments").fetchall()}
    assert statuses == {"completed", "no_show", "cancelled", "scheduled"}


def test_scheduled_only_after_the_end_and_nothing_else_is(con):
    end = DEMO_END
    assert (
        one(
            con,
            "SELECT count(*) FROM appointments WHERE status = 'scheduled' AND scheduled_at < ?",
            [end + dt.timedelta(days=1)],
        )[0]
        == 0
    )
    assert (
        one(
            con,
            "SELECT count(*) FROM appointments WHERE status <> 'scheduled' AND scheduled_at >= ?",
            [end + dt.timedelta(days=1)],
        )[0]
        == 0
    )
    lo, hi = one(
        con, "SELECT min(scheduled_at), max(scheduled_at) FROM appointments WHERE status = 'scheduled'"
    )
    assert lo.date() == end + dt.timedelta(days=1) or lo.date() <= end + dt.timedelta(days=3)
    assert end + dt.timedelta(days=50) <= hi.date() <= end + dt.timedelta(days=60)
    assert one(con, "SELECT max(booked_at) FROM appointments")[0].date() <= end
    for table, column in [
        ("charges", "service_date"),
        ("patient_flow", "checked_out_at"),
        ("inventory_movements", "moved_on"),
        ("timeclock", "clock_out"),
        ("campaign_spend", "spend_on"),
        ("campaign_messages", "sent_at"),
        ("recalls", "due_on"),
        ("surveys", "submitted_at"),
        ("campaigns", "end_on"),
        ("patients", "first_visit_on"),
    ]:
        latest = one(con, f"SELECT max({column}) FROM {table}")[0]
        latest = latest.date() if isinstance(latest, dt.datetime) else latest
        assert latest <= end, (table, column, latest)


def test_rows_relate_as_the_schema_says(con):
    assert (
        one(con, "SELECT count(*) FROM appointments WHERE status = 'completed'")[0]
        == one(con, "SELECT count(*) FROM patient_flow")[0]
    )
    assert (
        one(
            con,
            "SELECT count(*) FROM patient_flow f JOIN appointments a USING (appointment_id) WHERE a.status <> 'completed'",
        )[0]
        == 0
    )
    skipped = one(con, "SELECT avg((optical_started_at IS NULL)::INT) FROM patient_flow")[0]
    assert 0.2 < skipped < 0.8
    assert (
        one(
            con,
            "SELECT count(*) FROM patient_flow WHERE NOT (checked_in_at <= pretest_started_at AND pretest_started_at <= exam_started_at AND exam_started_at < exam_ended_at AND exam_ended_at < checked_out_at)",
        )[0]
        == 0
    )
    assert (
        one(
            con,
            "SELECT count(*) FROM appointments WHERE (status = 'cancelled') <> (cancelled_at IS NOT NULL)",
        )[0]
        == 0
    )
    assert (
        one(
            con,
            "SELECT count(*) FROM appointments WHERE cancelled_at > scheduled_at OR booked_at > scheduled_at",
        )[0]
        == 0
    )
    # providers on service lines, none on retail lines; some walk-in retail without an appointment
    assert (
        one(
            con,
            "SELECT count(*) FROM charges WHERE (sku IS NULL) = (provider_id IS NULL) AND appointment_id IS NOT NULL",
        )[0]
        == 0
    )
    assert (
        one(con, "SELECT count(*) FROM charges WHERE appointment_id IS NULL AND provider_id IS NULL")[0]
        > 1000
    )
    assert (
        one(
            con,
            "SELECT count(*) FROM charges WHERE abs(charge_amount - insurance_paid - patient_paid - adjustment_amount) > 0.001",
        )[0]
        == 0
    )
    # sales movements are the product charge lines
    sold = one(con, "SELECT -sum(quantity) FROM inventory_movements WHERE movement_type = 'sale'")[0]
    billed = one(con, "SELECT sum(quantity) FROM charges WHERE sku IS NOT NULL")[0]
    assert sold == billed
    # stock never goes negative
    low = one(
        con,
        "SELECT min(s) FROM (SELECT sum(quantity) OVER (PARTITION BY sku, location_id ORDER BY moved_on, movement_id) AS s FROM inventory_movements)",
    )[0]
    assert low >= 0
    assert {
        r[0] for r in con.execute("SELECT DISTINCT movement_type FROM inventory_movements").fetchall()
    } == {"receipt", "sale", "return", "adjustment", "transfer_in", "transfer_out"}
    assert (
        one(
            con,
            "SELECT count(*) FROM timeclock WHERE epoch(clock_out - clock_in) / 3600.0 - break_minutes / 60.0 > scheduled_hours + 0.25",
        )[0]
        > 100
    )


def test_the_named_practice(con):
    assert [
        r[0] for r in con.execute("SELECT location_name FROM locations ORDER BY location_id").fetchall()
    ] == ["Downtown", "Northside", "Lakeview"]
    ods = {r[0] for r in con.execute("SELECT staff_name FROM staff WHERE role = 'optometrist'").fetchall()}
    assert ods == {"Dr. Maya Patel", "Dr. Samuel Lee", "Dr. Aisha Okafor", "Dr. Daniel Kim", "Dr. Laura Chen"}
    roles = {r[0] for r in con.execute("SELECT DISTINCT role FROM staff").fetchall()}
    assert roles == {"optometrist", "optician", "technician", "front_desk", "office_manager"}
    per_year = one(con, "SELECT count(*) / 3.0 FROM appointments WHERE year(scheduled_at) = 2025")[0]
    assert 30_000 < per_year < 50_000


# --- identifiers in the source -----------------------------------------------------------


def test_patients_carry_realistic_identifiers(con):
    rows = con.execute("SELECT * FROM patients USING SAMPLE 500 ROWS (reservoir, 1)").fetchall()
    cols = [d[0] for d in con.description]
    p = [dict(zip(cols, r, strict=True)) for r in rows]
    assert all(re.fullmatch(r"CP-\d{6}", r["patient_id"]) for r in p)
    assert all(re.fullmatch(r"\(\d{3}\) \d{3}-\d{4}", r["phone"]) for r in p)
    assert (
        sum(
            r["email"] is not None and re.fullmatch(r"[a-z0-9._]+@[a-z.]+", r["email"]) is not None for r in p
        )
        > 400
    )
    assert all(re.fullmatch(r"\d+ [A-Z][a-z]+ [A-Z][a-z]+(, Apt \d+)?", r["street_address"]) for r in p)
    assert all(re.fullmatch(r"\d{5}", str(r["zip"]).zfill(5)) for r in p)
    assert all(r["first_name"] and r["last_name"] and r["city"] and r["date_of_birth"] for r in p)
    assert one(con, "SELECT count(DISTINCT patient_id) = count(*) FROM patients")[0]


def test_some_patients_are_90_plus_and_some_in_restricted_zip3(con):
    old = one(
        con,
        "SELECT count(*) FROM patients WHERE date_of_birth <= ?",
        [DEMO_END.replace(year=DEMO_END.year - 91)],
    )[0]
    assert old > 50
    zips = [str(r[0]).zfill(5) for r in con.execute("SELECT zip FROM patients").fetchall()]
    assert sum(z[:3] in RESTRICTED_ZIP3 for z in zips) > 100


def test_survey_comments_sometimes_identify_the_patient(con):
    rows = con.execute(
        "SELECT s.comment, p.first_name, p.last_name, p.phone, p.patient_id FROM surveys s "
        "JOIN appointments a USING (appointment_id) JOIN patients p USING (patient_id) WHERE s.comment IS NOT NULL"
    ).fetchall()
    named = sum(f"{r[1]} {r[2]}" in r[0] or f". {r[2]}" in r[0] for r in rows)
    phoned = sum(r[3] in r[0] for r in rows)
    mrn = sum(r[4] in r[0] for r in rows)
    assert named > 100 and phoned > 50 and mrn > 20
    assert sum("@" in r[0] for r in rows) > 10


# --- rhythm and marketing ----------------------------------------------------------------


def test_weekly_and_seasonal_rhythm(con):
    by_day = dict(
        con.execute("SELECT dayname(scheduled_at), count(*) FROM appointments GROUP BY 1").fetchall()
    )
    assert "Sunday" not in by_day
    assert by_day["Saturday"] < 0.7 * by_day["Wednesday"]
    by_month = dict(
        con.execute(
            "SELECT month(scheduled_at), count(*) FROM appointments WHERE year(scheduled_at) = 2025 GROUP BY 1"
        ).fetchall()
    )
    assert max(by_month, key=by_month.get) == 8
    assert by_month[12] < min(v for m, v in by_month.items() if m != 12)


def test_campaigns_of_every_channel_every_year_including_the_latest_quarter(con):
    rows = set(con.execute("SELECT DISTINCT year(start_on), channel FROM campaigns").fetchall())
    for year in range(2023, DEMO_END.year + 1):
        assert {c for y, c in rows if y == year} == set(MARKETING_CHANNELS), year
    latest = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT channel FROM campaigns WHERE end_on >= DATE '2026-07-01'"
        ).fetchall()
    }
    assert latest == set(MARKETING_CHANNELS)
    spent = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT c.channel FROM campaign_spend s JOIN campaigns c USING (campaign_id) WHERE spend_on >= DATE '2026-07-01'"
        ).fetchall()
    }
    assert spent == set(MARKETING_CHANNELS)
    opens = one(
        con, "SELECT avg(opened::INT), avg(clicked::INT) FROM campaign_messages WHERE channel = 'email'"
    )
    assert 0.2 < opens[0] < 0.5 and 0 < opens[1] < opens[0]


# --- planted events ----------------------------------------------------------------------


def test_northside_no_show_month_stands_out(con):
    sql = (
        "SELECT count_if(status = 'no_show') / count_if(status IN ('completed', 'no_show')) FROM appointments a "
        "JOIN locations l USING (location_id) WHERE l.location_name = ? AND scheduled_at >= ? AND scheduled_at < ?"
    )
    march = one(con, sql, ["Northside", EV.noshow_start, EV.noshow_end])[0]
    before = one(con, sql, ["Northside", EV.noshow_start - dt.timedelta(days=120), EV.noshow_start])[0]
    elsewhere = one(con, sql, ["Downtown", EV.noshow_start, EV.noshow_end])[0]
    assert march > 1.8 * before and march > 1.8 * elsewhere


def test_dr_kim_waits_grow(con):
    sql = (
        "SELECT avg(epoch(exam_started_at - checked_in_at) / 60) FROM patient_flow f JOIN appointments a USING (appointment_id) "
        "JOIN staff s ON s.staff_id = a.provider_id WHERE s.staff_name = ? AND checked_in_at >= ? AND checked_in_at < ?"
    )
    last = (EV.last_full_month, DEMO_END + dt.timedelta(days=1))
    early = (EV.wait_start - dt.timedelta(days=90), EV.wait_start)
    assert one(con, sql, ["Dr. Daniel Kim", *last])[0] > 1.5 * one(con, sql, ["Dr. Daniel Kim", *early])[0]
    assert (
        one(con, sql, ["Dr. Aisha Okafor", *last])[0] < 1.15 * one(con, sql, ["Dr. Aisha Okafor", *early])[0]
    )


def test_frame_supplier_delay_causes_a_stock_out(con):
    sql = (
        "SELECT -sum(quantity) FILTER (WHERE movement_type = 'sale'), sum(quantity) FILTER (WHERE movement_type = 'receipt') "
        "FROM inventory_movements JOIN inventory_items USING (sku) WHERE supplier = 'Harbor Frame Co.' AND moved_on >= ? AND moved_on < ?"
    )
    before = one(con, sql, [EV.delay_start - dt.timedelta(days=28), EV.delay_start])
    late = one(con, sql, [EV.delay_end - dt.timedelta(days=28), EV.delay_end])
    after = one(con, sql, [EV.delay_end, EV.delay_end + dt.timedelta(days=28)])
    assert late[0] < 0.3 * before[0] and late[1] is None
    assert after[0] > 0.8 * before[0] and after[1] > after[0]


def test_one_campaign_works_and_one_does_not(con):
    rows = con.execute(
        "WITH s AS (SELECT campaign_id, sum(spend_amount) sp FROM campaign_spend GROUP BY 1), "
        "r AS (SELECT a.campaign_id, sum(charge_amount) rev FROM charges JOIN appointments a USING (appointment_id) GROUP BY 1) "
        "SELECT start_on, channel, (coalesce(rev, 0) - sp) / sp FROM campaigns JOIN s USING (campaign_id) LEFT JOIN r USING (campaign_id) "
        "ORDER BY 3 DESC"
    ).fetchall()
    assert (rows[0][0], rows[0][1]) == (EV.winner_start, "google_ads")
    loser = next(r for r in rows if (r[0], r[1]) == (EV.loser_start, "meta_ads"))
    assert loser[2] < 0


# --- documents ---------------------------------------------------------------------------


def _doc_text(path: Path) -> str:
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    if path.suffix == ".docx":
        import docx

        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    return path.read_text()


@pytest.fixture(scope="module")
def documents(demo_export) -> dict[str, str]:
    return {p.name: _doc_text(p) for p in sorted((demo_export / "documents").iterdir())}


def test_documents_in_four_formats_each_with_title_and_date(documents):
    assert 30 <= len(documents) <= 60
    assert {Path(n).suffix for n in documents} == {".md", ".txt", ".pdf", ".docx"}
    for name, text in documents.items():
        m = DATE_LINE.search(text)
        assert m and name.startswith(m.group(1)), name
        assert dt.date.fromisoformat(m.group(1)) <= DEMO_END
        assert len(text.strip().splitlines()[0]) > 5  # a title first


def test_documents_discuss_the_planted_events(documents):
    text = "\n".join(documents.values())
    decision = next(t for n, t in documents.items() if "frame-supplier-delay-decision" in n)
    assert "DECISION" in decision and "Harbor" in decision
    assert any("sop-contact-lens-reorder" in n and "reorder point" in t for n, t in documents.items())
    assert "Northside" in text and "no-show" in text.lower() and "Dr. Kim" in text
    assert "Back-to-School Myopia Check" in text and "Spring Designer Frames Event" in text


def test_document_figures_match_the_data(con, documents):
    report = next(t for n, t in documents.items() if f"monthly-report-{EV.noshow_start:%Y-%m}" in n)
    visits = one(
        con,
        "SELECT count(*) FROM appointments JOIN locations USING (location_id) WHERE location_name = 'Northside' "
        "AND status = 'completed' AND scheduled_at >= ? AND scheduled_at < ?",
        [EV.noshow_start, EV.noshow_end],
    )[0]
    assert f"{visits:,}" in report
    rate = one(
        con,
        "SELECT count_if(status = 'no_show') / count_if(status IN ('completed', 'no_show')) FROM appointments "
        "WHERE scheduled_at >= ? AND scheduled_at < ?",
        [EV.noshow_start, EV.noshow_end],
    )[0]
    assert f"Practice no-show rate {100 * rate:.1f}%" in report


def test_some_documents_name_real_patients(con, documents):
    text = "\n".join(documents.values())
    mrns = set(re.findall(r"CP-\d{6}", text))
    assert mrns
    known = one(con, "SELECT count(*) FROM patients WHERE list_contains(?, patient_id)", [sorted(mrns)])[0]
    assert known == len(mrns)
    assert re.search(r"\(\d{3}\) \d{3}-\d{4}", text)


# --- the evaluation set's gold SQL on the ingested demo -----------------------------------


def _gold_cases():
    cases = yaml.safe_load((SHARED / "eval" / "dev.yaml").read_text())["cases"]
    return [pytest.param(c["sql"], id=c["id"]) for c in cases if "sql" in c]


@pytest.fixture(scope="module")
def warehouse(demo_db):
    c = duckdb.connect(str(demo_db), read_only=True)
    yield c
    c.close()


@pytest.mark.parametrize("sql", _gold_cases())
def test_dev_gold_sql_returns_rows_without_nulls(warehouse, sql):
    rows = warehouse.execute(sql).fetchall()
    assert rows
    assert all(v is not None for r in rows for v in r)
