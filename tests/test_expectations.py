"""Great Expectations suites of the published tables: they hold on the demo edition, fail on tampered tables, and
leave Data Docs beside the edition and a deterministic summary in the pack."""

from __future__ import annotations

import copy
import json
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import WEEK

from ds_pipeline.lib.products import expectations
from ds_pipeline.lib.products.disclosure import SUPPRESSED_FLAG_COLUMN
from ds_pipeline.lib.products.edition import Edition
from ds_pipeline.lib.products.expectations import (
    RULES,
    edition_suites,
    expected_row_counts,
    flagged_columns,
    validate_edition,
)

WEEK_KEY = "2026-11-16"


@pytest.fixture(scope="module")
def edition(demo: dict) -> Edition:
    """The demo's weekly edition as the Dagster run stored it."""
    return pickle.loads((demo["root"] / "storage" / "weekly_edition" / WEEK_KEY).read_bytes())


def test_every_published_table_has_a_suite_from_its_fields_and_rules(edition: Edition) -> None:
    suites = edition_suites(edition)
    assert set(suites) == set(edition.tables) and set(RULES) == set(edition.tables)
    for name, table in edition.tables.items():
        kinds = [(s.type, s.kwargs.get("column")) for s in suites[name]]
        assert ("ExpectTableColumnsToMatchOrderedList", None) in kinds
        if not table.frame.empty:
            assert {c for t, c in kinds if t == "ExpectColumnValuesToBeInTypeList"} == {f.name for f in table.fields}
        for key in RULES[name].keys:
            assert ("ExpectColumnValuesToNotBeNull", key) in kinds, (name, key)
        if name in expected_row_counts(edition):
            assert ("ExpectTableRowCountToEqual", None) in kinds, name
    criteria = {(s.type, s.kwargs.get("column")): s.kwargs for s in suites["criteria_progress"]}
    assert criteria[("ExpectColumnValuesToBeInSet", "criterion")]["value_set"] == list(range(1, 9))
    assert criteria[("ExpectColumnValuesToBeBetween", "value_pct")]["min_value"] == 0
    assert criteria[("ExpectColumnValuesToBeBetween", "value_pct")]["max_value"] == 100
    assert ("ExpectColumnValuesToBeBetween", "gap_pp") not in criteria  # a gap is signed


def test_the_demo_edition_passes_and_its_data_docs_are_written(edition: Edition, tmp_path: Path) -> None:
    docs = tmp_path / "quality" / WEEK
    validation = validate_edition(edition, docs_dir=docs)
    assert validation.success, [o.describe() for o in validation.failures]
    assert validation.docs_index == docs / "index.html" and validation.docs_index.is_file()
    index = validation.docs_index.read_text(encoding="utf-8")
    for name in edition.tables:
        assert name in index
        assert list((docs / "validations" / name).rglob("*.html")), name
    assert sorted(p.name for p in (tmp_path / "quality").iterdir()) == [WEEK]  # no staging folder left behind
    print(f"GX validation of {len(validation.outcomes)} expectations on {len(validation.rows)} tables, with Data "
          f"Docs: {validation.seconds:.1f} s; per table: {validation.counts()}")
    # validate again: the summary is the same, byte for byte
    again = validate_edition(edition)
    assert again.summary_json() == validation.summary_json()
    assert again.summary_html() == validation.summary_html()
    assert json.loads(again.summary_json())["failed"] == 0


def _set(table: str, column: str, value: object, row: int = 0) -> Callable[[Edition], None]:
    def tamper(edition: Edition) -> None:
        frame = edition.tables[table].frame
        frame[column] = frame[column].astype(object)
        frame.loc[frame.index[row], column] = value
    return tamper


def _duplicate_first_row(table: str) -> Callable[[Edition], None]:
    def tamper(edition: Edition) -> None:
        frame = edition.tables[table].frame
        edition.tables[table].frame = pd.concat([frame, frame.head(1)], ignore_index=True)
    return tamper


def _drop_column(table: str, column: str) -> Callable[[Edition], None]:
    def tamper(edition: Edition) -> None:
        edition.tables[table].frame = edition.tables[table].frame.drop(columns=column)
    return tamper


def _drop_returnees(edition: Edition) -> None:
    frame = edition.tables["displacement"].frame
    edition.tables["displacement"].frame = frame[frame["population_type"] != "returnee"].reset_index(drop=True)


def _fill_a_suppressed_cell(edition: Edition) -> None:
    table = edition.tables["displacement"]
    column = flagged_columns(table)[0]
    flags = table.frame[SUPPRESSED_FLAG_COLUMN].fillna("").str.split(";")
    row = table.frame.index[[column in [c.strip() for c in f] for f in flags]][0]
    table.frame[column] = table.frame[column].astype(object)
    table.frame.loc[row, column] = 40


TAMPERING = {
    "severity category outside its set": ("area_severity", _set("area_severity", "severity", "severe"),
                                          "ExpectColumnValuesToBeInSet"),
    "criterion 9": ("criteria_progress", _set("criteria_progress", "criterion", 9), "ExpectColumnValuesToBeInSet"),
    "completed action listed as overdue": ("poa_overdue_actions", _set("poa_overdue_actions", "status", "completed"),
                                           "ExpectColumnValuesToBeInSet"),
    "negative count": ("displacement", _set("displacement", "individuals", -5), "ExpectColumnValuesToBeBetween"),
    "share above 100": ("area_severity", _set("area_severity", "returnees_in_high_severity_pct", 120),
                        "ExpectColumnValuesToBeBetween"),
    "text in a number column": ("key_figures", _set("key_figures", "value", "many"),
                                "ExpectColumnValuesToBeInTypeList"),
    "duplicated key": ("area_priority", _duplicate_first_row("area_priority"), "ExpectColumnValuesToBeUnique"),
    "missing column": ("sources", _drop_column("sources", "provider"), "ExpectTableColumnsToMatchOrderedList"),
    "rows read differ from the inventory": ("sources", _set("sources", "rows_read", 1), "ExpectColumnSumToBeBetween"),
    "population type lost": ("displacement", _drop_returnees, "ExpectColumnDistinctValuesToContainSet"),
    "suppressed cell published": ("displacement", _fill_a_suppressed_cell, "ExpectColumnValuesToBeNull"),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_a_tampered_table_fails_its_suite(edition: Edition, case: str) -> None:
    table, tamper, expectation = TAMPERING[case]
    tampered = copy.deepcopy(edition)
    tamper(tampered)
    validation = validate_edition(tampered, tables=[table])
    assert not validation.success
    assert expectation in {o.expectation for o in validation.failures}, [o.describe() for o in validation.failures]
    assert all(o.table == table for o in validation.outcomes)


def test_a_table_with_a_row_too_few_fails_its_row_count(edition: Edition) -> None:
    tampered = copy.deepcopy(edition)
    tampered.tables["area_priority"].frame = tampered.tables["area_priority"].frame.iloc[1:]
    failures = validate_edition(tampered, tables=["area_priority"]).failures
    assert [o.expectation for o in failures] == ["ExpectTableRowCountToEqual"]
    assert failures[0].observed == len(edition.tables["area_priority"].frame) - 1


def test_the_pack_carries_the_validation_summary(demo: dict, edition: Edition) -> None:
    with zipfile.ZipFile(demo["zip"]) as pack:
        summary = json.loads(pack.read("quality/expectations.json"))
        html = pack.read("quality/expectations.html").decode("utf-8")
        package = json.loads(pack.read("datapackage.json"))
    assert summary["success"] is True and summary["edition"] == WEEK
    assert [t["table"] for t in summary["tables"]] == list(edition.tables)
    assert summary["expectations"] == sum(len(s) for s in edition_suites(edition).values())
    assert "Data quality expectations" in html and "FAILED" not in html
    assert {"quality/expectations.json", "quality/expectations.html"} <= {r["path"] for r in package["resources"]}
    docs = demo["root"] / "published" / "quality" / WEEK / "index.html"
    assert docs.is_file()  # the full GX Data Docs site, beside the edition


def test_the_validation_in_its_own_process_gives_what_validating_here_gives(edition: Edition, tmp_path: Path) -> None:
    from unittest import mock

    here = validate_edition(edition)
    with expectations.validation_in_background(edition) as result:
        assert result().summary_json() == here.summary_json()
    with mock.patch.object(expectations.sys, "executable", str(tmp_path / "no-python")), \
            expectations.validation_in_background(edition) as result:  # no process can start: validated here
        assert result().summary_json() == here.summary_json()
    blocked = tmp_path / "docs-is-a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    with pytest.raises(RuntimeError, match="the Great Expectations validation failed: "), \
            expectations.validation_in_background(edition, blocked / "week") as result:
        result()


def test_a_validation_process_started_ahead_is_the_one_that_validates(edition: Edition) -> None:
    from unittest import mock

    here = validate_edition(edition)
    expectations.start_validation_ahead()
    ahead = expectations._STARTED[0]
    expectations.start_validation_ahead()  # one at a time
    assert expectations._STARTED == [ahead] and ahead.poll() is None  # waiting for a request, imports done
    with mock.patch.object(expectations, "_start_worker", side_effect=AssertionError("a second process")), \
            expectations.validation_in_background(edition) as result:
        assert result().summary_json() == here.summary_json()
    assert ahead.returncode == 0 and expectations._STARTED == []
    expectations.start_validation_ahead()  # one that died before it was used is replaced
    dead = expectations._STARTED[0]
    dead.kill()
    dead.wait()
    with expectations.validation_in_background(edition) as result:
        assert result().summary_json() == here.summary_json()
    expectations.start_validation_ahead()  # one left unused is ended
    unused = expectations._STARTED[0]
    expectations.stop_validation_ahead()
    assert unused.poll() is not None and expectations._STARTED == []


def test_a_validation_begun_with_the_edition_is_the_one_its_products_collect(edition: Edition, tmp_path: Path) -> None:
    from unittest import mock

    here = validate_edition(edition)
    docs = tmp_path / "quality" / "week"
    expectations.begin_validation(("run", "2026-11-16"), edition, docs)
    with mock.patch.object(expectations, "_start_worker", side_effect=AssertionError("a second process")), \
            expectations.validation_in_background(edition, docs, ("run", "2026-11-16")) as result:
        assert not docs.exists()  # its Data Docs are swapped into place only when it is collected
        validation = result()
    assert validation.summary_json() == here.summary_json() and validation.docs_index == docs / "index.html"
    assert (docs / "index.html").is_file() and expectations._BEGUN == {}
    assert [p.name for p in docs.parent.iterdir()] == ["week"]  # no staging folder left beside it


def test_a_validation_begun_and_never_collected_leaves_nothing_behind(edition: Edition, tmp_path: Path) -> None:
    docs = tmp_path / "quality" / "week"
    expectations.begin_validation(("run", "2026-11-16"), edition, docs)
    first = expectations._BEGUN[("run", "2026-11-16")].worker
    expectations.begin_validation(("next run", "2026-11-16"), edition, docs)  # the products of the first never ran
    assert first is not None and first.poll() is not None and list(expectations._BEGUN) == [("next run", "2026-11-16")]
    second = expectations._BEGUN[("next run", "2026-11-16")].worker
    expectations.forget_validations()  # the run ended
    assert second is not None and second.poll() is not None and expectations._BEGUN == {}
    assert list(docs.parent.iterdir()) == []  # no Data Docs of an edition whose products were not written
