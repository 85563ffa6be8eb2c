"""End to end with Dagster: a small generated demo folder through every asset to a published brief and pack."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import AREA_MONTH, WEEK

from ds_pipeline.cli import main as cli_main
from ds_pipeline.lib.products.verify import missing_sections, pdf_page_count, pdf_text
from ds_pipeline.run import run_pipeline

POA_AREAS = ("Sinjar", "Balad", "Ramadi", "Al-Bakar")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _table(demo: dict, name: str) -> pd.DataFrame:
    return pd.read_sql_table(name, demo["engine"])


def test_run_publishes_brief_and_pack_and_reports_progress(demo: dict) -> None:
    assert demo["summary"].rounds == ["R132", "R133", "R134"]
    edition = {p.name for p in demo["summary"].products if p.parent == demo["html"].parent}
    assert edition == {demo["html"].name, demo["pdf"].name, demo["zip"].name}
    areas = [p for p in demo["summary"].products if p.parent == demo["areas"]]
    assert len(areas) == 16  # 4 POA areas x English and Arabic x HTML and PDF
    assert any(line.startswith("[1/") for line in demo["progress"])
    rendered = demo["summary"].render()
    assert "quarantined" in rendered and str(demo["pdf"]) in rendered


def test_pdf_brief_has_every_section_in_order_and_names_the_priority_areas(demo: dict) -> None:
    pdf = demo["pdf"].read_bytes()
    assert missing_sections(pdf) == []
    assert pdf_page_count(pdf) >= 4
    text = pdf_text(pdf)
    for area in POA_AREAS:
        assert area in text
    assert WEEK in text and "Public – DSTWG brief and RWG dissemination" in text
    with zipfile.ZipFile(demo["zip"]) as pack:  # the brief is rendered once: the pack carries the same bytes
        assert pack.read(demo["pdf"].name) == pdf
        assert pack.read(demo["pdf"].name.replace(".pdf", ".html")) == demo["pdf"].with_suffix(".html").read_bytes()


def test_key_figures_equal_the_warehouse_totals(demo: dict) -> None:
    with zipfile.ZipFile(demo["zip"]) as pack:
        rows = list(csv.DictReader(io.StringIO(pack.read("data/key_figures.csv").decode("utf-8"))))
    figures = {r["figure"]: r for r in rows[1:]}  # row 0 is the HXL hashtag row
    displacement = _table(demo, "displacement_conformed")
    latest = displacement[displacement["round_id"] == "R134"]
    returnees = latest.loc[latest["population_type"] == "returnee", "individuals"].sum()
    idps = latest[latest["population_type"] == "idp"]
    in_camps = (idps["families_in_camp"] * 5).sum()
    assert int(figures["returnees"]["value"]) == round(returnees, -1)
    assert int(figures["idps_in_camps"]["value"]) == round(in_camps, -1)
    severity = _table(demo, "area_severity")
    national = severity[(severity["round_id"] == "R134") & (severity["area_level"] == "governorate")]
    assert int(figures["returnees_in_high_severity"]["value"]) == round(national["returnees_high"].sum(), -1)


def test_every_planted_bad_row_is_quarantined_and_counts_reconcile(demo: dict) -> None:
    planted = pd.DataFrame(demo["manifest"]["planted"])
    log = _table(demo, "quarantine_log")
    assert log.groupby("source_id").size().to_dict() == planted.groupby("source_id").size().to_dict()
    expected = set(zip(planted["source_file"], planted["source_row"].astype(str), planted["stage"], strict=True))
    found = set(zip(log["source_file"], log["source_row"].astype(str), log["stage"], strict=True))
    assert expected == found
    inventory = _table(demo, "source_inventory")
    assert (inventory["rows_read"] == inventory["rows_accepted"] + inventory["rows_quarantined"]).all()
    rows_in_files = {k: v["rows"] for k, v in demo["manifest"]["sources"].items()}
    assert inventory.groupby("source_id")["rows_read"].sum().to_dict() == rows_in_files
    assert log["reason"].str.match(r"^file files/").all()


def test_published_products_hold_no_personal_data_or_coordinates(demo: dict) -> None:
    informants = set()
    for path in (demo["sources"] / "files" / "dtm").glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        informants |= set(frame["Key informant name"]) | set(frame["Key informant phone"])
    informants.discard("")
    with zipfile.ZipFile(demo["zip"]) as pack:
        texts = {name: pack.read(name).decode("utf-8") for name in pack.namelist() if name.endswith((".csv", ".html"))}
    for name, text in texts.items():
        assert not [p for p in informants if p in text], name
        if name.endswith(".csv"):
            header = text.splitlines()[1].lower()
            assert "#geo" not in header and "lat" not in text.splitlines()[0].lower().split(","), name


def test_rerun_gives_the_same_warehouse_rows_and_the_same_bytes(demo: dict) -> None:
    before = {p.name: _sha(p) for p in (demo["html"], demo["pdf"], demo["zip"])}
    counts = {t: len(_table(demo, t)) for t in ("displacement_raw", "area_severity", "quarantine_log")}
    areas_before = {p.name: _sha(p) for p in demo["areas"].iterdir()}
    run_pipeline(demo["sources"], demo["root"] / "again", week=WEEK, database_url=demo["database"],
                 progress=lambda _: None, month=AREA_MONTH)
    again = demo["root"] / "again" / WEEK
    assert {name: _sha(again / name) for name in before} == before  # the pack carries the area updates
    again_areas = demo["root"] / "again" / "areas" / AREA_MONTH
    assert {p.name: _sha(p) for p in again_areas.iterdir()} == areas_before
    assert {t: len(_table(demo, t)) for t in counts} == counts


def test_check_command_reports_rejected_rows_of_a_file(demo: dict, capsys: pytest.CaptureFixture[str]) -> None:
    planted = demo["manifest"]["planted"][0]
    path = demo["sources"] / planted["source_file"]
    assert cli_main(["check", str(path), "--sources", str(demo["sources"])]) == 1
    out = capsys.readouterr().out
    assert f"row {planted['source_row']}" in out and planted["source_file"] in out


def test_each_file_with_rejected_rows_gets_a_feedback_report(demo: dict) -> None:
    planted = pd.DataFrame(demo["manifest"]["planted"])
    reports = {p.name: p.read_text(encoding="utf-8") for p in demo["summary"].feedback}
    assert len(reports) == planted["source_file"].nunique()
    missing_status = planted[planted["problem"] == "missing column"]
    source_file = missing_status["source_file"].iloc[0]
    rows = missing_status.loc[missing_status["source_file"] == source_file, "source_row"].astype(int)
    assert rows.max() - rows.min() + 1 == len(rows)  # the whole file: one contiguous block of rows
    report = reports[source_file.removeprefix("files/").replace("/", "__") + ".txt"]
    assert f"sheet Actions, rows {rows.min()}-{rows.max()}, column 'Status': missing column 'Status'" in report
    assert "Key informant" not in "".join(reports.values())


def _pack_table(demo: dict, name: str) -> pd.DataFrame:
    with zipfile.ZipFile(demo["zip"]) as pack:
        text = pack.read(f"data/{name}.csv").decode("utf-8")
    return pd.read_csv(io.StringIO(text), skiprows=[1], dtype=str, keep_default_na=False)


def test_not_assessed_is_empty_in_the_pack_never_zero(demo: dict) -> None:
    priority = _pack_table(demo, "area_priority")
    severity = _pack_table(demo, "area_severity")
    with_return_index = set(severity.loc[severity["area_level"] == "district", "area_id"])
    without = priority[~priority["area_id"].isin(with_return_index)]
    assert not without.empty  # the demo has districts of displacement without Return Index data
    # no Return Index data: no severity value, score or points, and the row says so
    assert (without[["severity_value", "severity_score", "severity_points"]] == "").all().all()
    assert without["components_not_assessed"].str.contains("severity").all()
    # wherever a component has no value and nothing was suppressed, it has no points either: never a 0.0 for it
    for component in ("severity", "returns", "idps_in_camps_and_critical_shelter", "criteria_gap", "actor_presence"):
        empty = priority[f"{component}_value"] == ""
        assert (priority.loc[empty, f"{component}_points"] == "").all(), component
    # points of the assessed components add up to the published priority score
    ranked = priority[(priority["priority_score"] != "") & (priority["suppressed_columns"] == "")]
    points = ranked[[c for c in ranked.columns if c.endswith("_points")]].replace("", "0").astype(float)
    assert (abs(points.sum(axis=1) - ranked["priority_score"].astype(float)) <= 0.3).all()
    assert ranked["components_assessed"].astype(int).ge(1).all()
