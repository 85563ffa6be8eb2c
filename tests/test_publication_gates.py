"""Publication gates: blocking checks on the edition and on area severity, the brief's completeness check, atomic
editions, and `ds-pipeline publish` refusing a bad edition (or publishing it incomplete when allowed)."""

from __future__ import annotations

import copy
import hashlib
import pickle
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from conftest import WEEK

from ds_pipeline.cli import main as cli_main
from ds_pipeline.defs.metrics.assets import area_severity_matches_return_index
from ds_pipeline.defs.products.assets import render_checked_brief
from ds_pipeline.defs.products.checks import (
    edition_rows_reconcile,
    edition_sections_have_data,
    expectations_check_result,
)
from ds_pipeline.defs.resources import PublishFolder, SourcesFolder
from ds_pipeline.lib.products.atomic import staged_folder
from ds_pipeline.lib.products.brief import SECTION_TITLES, render_brief_document
from ds_pipeline.lib.products.edition import Edition
from ds_pipeline.lib.products.gates import NO_DATA, section_gaps, unreconciled_inventory
from ds_pipeline.lib.products.pack import write_edition
from ds_pipeline.lib.products.verify import pdf_text, section_content_problems
from ds_pipeline.lib.registry import load_registry

WEEK_KEY = "2026-11-16"
CHECKS = {"edition_rows_reconcile", "edition_sections_have_data"}  # on weekly_edition
PRODUCT_CHECK = "edition_expectations"  # on each product, run in the step that writes it


@pytest.fixture(scope="module")
def edition(demo: dict) -> Edition:
    return pickle.loads((demo["root"] / "storage" / "weekly_edition" / WEEK_KEY).read_bytes())


def _without_accepted_rows(edition: Edition, source_id: str) -> Edition:
    """A copy of the edition whose inventory says every row of `source_id` was quarantined."""
    tampered = copy.deepcopy(edition)
    inventory = tampered.current.inventory
    of_source = inventory["source_id"] == source_id
    inventory.loc[of_source, "rows_quarantined"] = inventory.loc[of_source, "rows_read"]
    inventory.loc[of_source, "rows_accepted"] = 0
    return tampered


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------------------------------------------
# Checks on the edition


def test_the_demo_edition_passes_every_edition_check(demo: dict, edition: Edition, tmp_path: Path) -> None:
    assert section_gaps(edition, load_registry(demo["sources"])) == []
    assert unreconciled_inventory(edition).empty
    sources, publish = SourcesFolder(path=str(demo["sources"])), PublishFolder(path=str(tmp_path))
    assert edition_rows_reconcile(weekly_edition=edition).passed
    assert edition_sections_have_data(weekly_edition=edition, sources=sources, publish=publish).passed


def test_a_section_without_accepted_rows_fails_unless_incomplete_publication_is_allowed(
    demo: dict, edition: Edition, tmp_path: Path
) -> None:
    tampered = _without_accepted_rows(edition, "iom_return_index")
    gaps = section_gaps(tampered, load_registry(demo["sources"]))
    assert [(g.section, g.source_id) for g in gaps] == [("Area severity", "iom_return_index")]
    assert "were quarantined" in gaps[0].reason
    sources = SourcesFolder(path=str(demo["sources"]))
    blocked = edition_sections_have_data(
        weekly_edition=tampered, sources=sources, publish=PublishFolder(path=str(tmp_path)))
    assert not blocked.passed
    assert "Area severity" in blocked.metadata["message"].value
    assert "iom_return_index" in blocked.metadata["message"].value
    allowed = edition_sections_have_data(
        weekly_edition=tampered, sources=sources, publish=PublishFolder(path=str(tmp_path), allow_incomplete=True))
    assert allowed.passed and "allow-incomplete" in allowed.metadata["message"].value


def test_a_file_that_does_not_reconcile_fails_the_edition_check(edition: Edition) -> None:
    tampered = copy.deepcopy(edition)
    tampered.current.inventory.loc[0, "rows_accepted"] += 1
    result = edition_rows_reconcile(weekly_edition=tampered)
    assert not result.passed and result.metadata["unreconciled_files"].value == 1
    assert tampered.current.inventory.loc[0, "source_file"] in result.metadata["message"].value


def test_a_failing_expectation_fails_the_edition_check_and_links_its_data_docs(
    edition: Edition, tmp_path: Path
) -> None:
    tampered = copy.deepcopy(edition)
    tampered.tables["criteria_progress"].frame.loc[0, "criterion"] = 9
    from ds_pipeline.lib.products.expectations import validation_in_background

    docs_dir = PublishFolder(path=str(tmp_path)).quality_docs(WEEK)
    with validation_in_background(tampered, docs_dir) as validation_result:  # in a process of its own
        validation = validation_result()
    result = expectations_check_result(validation, "rwg_pack")
    assert not result.passed and result.asset_key.to_user_string() == "rwg_pack"
    docs = Path(result.metadata["data_docs"].path)
    assert docs == tmp_path / "quality" / WEEK / "index.html" and docs.is_file()
    assert result.metadata["data_docs_url"].url.startswith("file://")
    assert "criteria_progress" in result.metadata["failed_expectations"].md_str
    assert "ExpectColumnValuesToBeInSet(criterion)" in result.metadata["message"].value


def test_area_severity_must_match_the_return_index_of_its_round(demo: dict) -> None:
    severity = pd.read_sql_table("area_severity", demo["engine"])
    return_index = pd.read_sql_table("return_index_conformed", demo["engine"])
    severity, return_index = severity[severity["round_id"] == "R134"], return_index[return_index["round_id"] == "R134"]
    assert area_severity_matches_return_index(area_severity=severity, return_index_conformed=return_index).passed
    tampered = severity.copy()
    district = tampered.index[tampered["area_level"] == "district"][0]
    tampered.loc[district, "returnee_individuals"] += 6
    tampered.loc[district, "returnees_low"] += 6  # still adds up: only the Return Index can tell
    result = area_severity_matches_return_index(area_severity=tampered, return_index_conformed=return_index)
    assert not result.passed and result.metadata["mismatched_areas"].value == 1
    assert tampered.loc[district, "area_id"] in result.metadata["message"].value
    lost = area_severity_matches_return_index(area_severity=severity, return_index_conformed=return_index.iloc[1:])
    assert not lost.passed


def test_the_scheduled_jobs_run_the_edition_checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ds_pipeline.definitions import defs as load_defs

    monkeypatch.setenv("DS_SOURCES_DIR", str(tmp_path / "sources"))
    monkeypatch.setenv("DS_DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    monkeypatch.setenv("DS_ALLOW_INCOMPLETE", "true")
    defs = load_defs()
    for name in ("dstwg_weekly_brief", "rwg_dissemination_pack"):
        nodes = set(defs.resolve_job_def(name).graph.node_dict)
        assert {f"weekly_edition_{check}" for check in CHECKS} <= nodes, name
        job_checks = defs.resolve_job_def(name).asset_layer.asset_graph.asset_check_keys
        assert {(k.asset_key.to_user_string(), k.name) for k in job_checks if k.name == PRODUCT_CHECK} == (
            {("dstwg_brief", PRODUCT_CHECK)} if name == "dstwg_weekly_brief"
            else {("dstwg_brief", PRODUCT_CHECK), ("rwg_pack", PRODUCT_CHECK)}), name
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert CHECKS | {PRODUCT_CHECK, "area_severity_matches_return_index"} <= checks
    assert "area_severity_in_range" not in checks
    assert defs.resources["publish"].allow_incomplete is True


# --------------------------------------------------------------------------------------------------------------
# The brief's completeness check


def test_the_published_brief_has_content_in_every_section(demo: dict) -> None:
    html = demo["html"].read_text(encoding="utf-8")
    assert section_content_problems(html, demo["pdf"].read_bytes()) == []


def test_a_brief_with_headings_and_no_content_fails(edition: Edition) -> None:
    sections = "".join(f"<section><h2>{title}</h2><table><tbody></tbody></table></section>"
                       for title in SECTION_TITLES)
    html = f"<!DOCTYPE html><html><body><h1>Brief</h1>{sections}</body></html>"
    pdf, _pages = render_brief_document(html, edition)
    problems = section_content_problems(html, pdf)
    assert len(problems) == len(SECTION_TITLES)
    assert all("only its heading" in p for p in problems)


def test_a_no_data_statement_passes_only_when_incomplete_publication_is_allowed(demo: dict, edition: Edition) -> None:
    tampered = _without_accepted_rows(edition, "ds_household_survey")
    sources = SourcesFolder(path=str(demo["sources"]))
    with pytest.raises(dg.Failure, match="Progress on the 8 IASC criteria: says 'No data in this edition"):
        render_checked_brief(tampered, tampered.sensitivity_label, allow_incomplete=False, sources=sources)
    html, pdf = render_checked_brief(tampered, tampered.sensitivity_label, allow_incomplete=True, sources=sources)
    text = pdf_text(pdf)
    assert f"{NO_DATA}: no accepted rows from" in text and "(ds_household_survey)" in text
    assert "<h2>" in html
    sections = "".join(f'<section><h2>{title}</h2><p class="no-data">{NO_DATA}: no source.</p></section>'
                       for title in SECTION_TITLES)  # a brief where every section says "no data"
    every_section = f"<!DOCTYPE html><html><body>{sections}</body></html>"
    pdf, _pages = render_brief_document(every_section, tampered)
    problems = section_content_problems(every_section, pdf)
    assert len(problems) == len(SECTION_TITLES) and all("--allow-incomplete" in p for p in problems)
    assert section_content_problems(every_section, pdf, allow_incomplete=True) == []


# --------------------------------------------------------------------------------------------------------------
# Atomic editions and `ds-pipeline publish`


def test_an_edition_folder_is_replaced_whole_or_not_at_all(edition: Edition, tmp_path: Path) -> None:
    write_edition(tmp_path, edition, "<html>first</html>", b"%PDF first")
    folder = tmp_path / WEEK
    before = _digests(folder)
    with pytest.raises(RuntimeError), staged_folder(folder, keep=True) as staging:
        (staging / f"{edition.brief_stem}.html").write_bytes(b"<html>half</html>")
        raise RuntimeError("the PDF could not be rendered")
    assert _digests(folder) == before
    html = write_edition(tmp_path, edition, "<html>second</html>", b"%PDF second")["html"]
    assert html.read_text() == "<html>second</html>"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".{WEEK}.lock", WEEK]  # no staging or retired folder


def _published_demo(demo: dict, tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A copy of the demo's sources and of its published edition, and the `publish` arguments over them."""
    sources, out = tmp_path / "sources", tmp_path / "published"
    shutil.copytree(demo["sources"], sources)
    shutil.copytree(demo["root"] / "published" / WEEK, out / WEEK)
    return sources, out, ["publish", "--sources", str(sources), "--out", str(out), "--week", WEEK,
                          "--database", f"sqlite:///{tmp_path}/warehouse.db"]


def test_publish_refuses_an_edition_whose_section_lost_its_source_and_keeps_the_previous_one(
    demo: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources, out, args = _published_demo(demo, tmp_path)
    survey = next((sources / "files" / "survey").glob("*.csv"))
    lines = survey.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    survey.write_text(lines[0].replace("_uuid", "household") + "".join(lines[1:]), encoding="utf-8")  # all quarantined
    before = _digests(out / WEEK)
    assert cli_main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"error: products {WEEK} failed: check weekly_edition:edition_sections_have_data failed")
    assert "'Progress on the 8 IASC criteria'" in err and "(ds_household_survey)" in err
    assert err.endswith("nothing was published")
    assert _digests(out / WEEK) == before
    assert [p.name for p in out.iterdir() if ".new-" in p.name or ".old-" in p.name] == []

    assert cli_main([*args, "--allow-incomplete"]) == 0
    brief = pdf_text((out / WEEK / f"IRQ_DSTWG_brief_{WEEK}_en.pdf").read_bytes())
    assert f"{NO_DATA}: no accepted rows from" in brief and "rows read were quarantined" in brief
    assert "(ds_household_survey)" in brief and _digests(out / WEEK) != before


def test_publish_refuses_an_edition_whose_table_fails_its_expectations_and_keeps_the_previous_one(
    demo: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from unittest import mock

    from ds_pipeline.defs.products import assets as product_assets

    _sources, out, args = _published_demo(demo, tmp_path)
    before = _digests(out / WEEK)
    build = product_assets.build_edition

    def with_a_ninth_criterion(*args: object, **kwargs: object) -> Edition:
        edition = build(*args, **kwargs)
        edition.tables["criteria_progress"].frame.loc[0, "criterion"] = 9  # the validation process sees this edition
        return edition

    with mock.patch.object(product_assets, "build_edition", with_a_ninth_criterion):
        assert cli_main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"products {WEEK} failed: check " in err and "ExpectColumnValuesToBeInSet(criterion)" in err
    assert "check dstwg_brief:edition_expectations failed" in err
    assert "check rwg_pack:edition_expectations failed" in err
    assert err.endswith("nothing was published")
    assert _digests(out / WEEK) == before  # neither the brief nor the pack was written
    assert (out / "quality" / WEEK / "index.html").is_file()  # the Data Docs say why


def test_publish_stops_at_a_referral_directory_with_a_phone_number_and_keeps_the_previous_edition(
    demo: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    sources, out, args = _published_demo(demo, tmp_path)
    mapping = next((sources / "files" / "4w").glob("*.csv"))
    with mapping.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    activity = rows[0].index("Activity")
    for row in rows[2:]:  # a partner puts its hotline in the free-text activity (the second line holds HXL tags)
        row[activity] += ", hotline +964 770 123 4567"
    with mapping.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    before = _digests(out / WEEK)
    assert cli_main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "failed: check referral_directory:referral_directory_no_personal_data failed: column 'activity' holds " \
        "a phone number in" in err
    assert _digests(out / WEEK) == before  # the metrics stage stopped: no products were built
