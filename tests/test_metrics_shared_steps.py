"""Tests of the steps the metric tables share or do once for many slices: text columns, the referral directories
of several months, a district's name in the 4W coverage and the slices' reuse of chosen rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ds_pipeline.lib.metrics import text_column
from ds_pipeline.lib.metrics.services import referral_directories, referral_directory, service_coverage


def _activity(org: str, district: str, name: str, start: str, end: str, status: str | None = "ongoing") -> dict:
    return {
        "org_acronym": org, "org_name": f"{org} full name", "org_type": "national NGO", "sector_code": "PRO",
        "activity": "Case management", "iasc_criterion": 1, "status": status, "people_targeted": 10,
        "people_reached": 5, "period_start": pd.Timestamp(start), "period_end": pd.Timestamp(end),
        "admin1_pcode": district[:5], "admin2_pcode": district, "admin1_name_en": "Ninewa",
        "admin2_name_en": name, "admin3_name_en": " Sinuni ", "poa_area": "",
    }


def _four_w() -> pd.DataFrame:
    return pd.DataFrame([
        _activity("NGO-B", "IQG15Q06", "Sinjar", "2026-09-15", "2026-11-10"),
        _activity("NGO-A", "IQG15Q06", "Sinjar District", "2026-10-01", "2026-10-31", status=None),
        _activity("NGO-A", "IQG15Q06", "Sinjar District", "2026-10-01", "2026-10-31", status=None),
        _activity("NGO-C", "IQG15Q05", "Al-Mosul", "2026-11-01", "2026-11-30", status="completed"),
        _activity("NGO-D", "IQG15Q05", "Al-Mosul", "2026-10-01", "2026-10-31", status="planned"),
    ])


def test_text_column_strips_each_text_and_leaves_missing_values_empty() -> None:
    frame = pd.DataFrame({"name": [" Sinjar ", None, np.nan, "Sinjar", " Sinjar "], "number": [1.0, np.nan, 2, 3, 4]})
    assert text_column(frame, "name").tolist() == ["Sinjar", "", "", "Sinjar", "Sinjar"]
    assert text_column(frame, "number").tolist() == ["1.0", "", "2.0", "3.0", "4.0"]
    assert text_column(frame, "absent").tolist() == [""] * 5
    assert text_column(frame, "name").dtype == object


@pytest.mark.parametrize("months", [["2026-10"], ["2026-11", "2026-09", "2026-10"], ["2026-12", "2026-10"]])
def test_directories_of_several_months_equal_each_month_on_its_own(months: list[str]) -> None:
    mapping = _four_w()
    together = referral_directories(mapping, months)
    assert list(together) == months
    for month in months:
        pd.testing.assert_frame_equal(together[month], referral_directory(mapping, month), check_exact=True)
    october = together["2026-10"] if "2026-10" in together else referral_directory(mapping, "2026-10")
    # sorted by district, then name ("Sinjar" before "Sinjar District"); the duplicate NGO-A row once, the planned
    # activity left out, no status given is empty, not a status
    assert october["org_acronym"].tolist() == ["NGO-B", "NGO-A"]
    assert october["status"].tolist() == ["ongoing", None]


def test_directories_without_a_4w_are_empty() -> None:
    empty = referral_directories(_four_w().iloc[0:0], ["2026-10"])
    assert empty["2026-10"].empty and list(empty["2026-10"].columns) == list(referral_directory(_four_w(), "2026-10"))


def test_coverage_names_a_district_by_the_largest_of_its_rows_names() -> None:
    coverage = service_coverage(_four_w())
    october = coverage[(coverage["month"] == "2026-10") & (coverage["area_id"] == "IQG15Q06")]
    assert october["area_name"].tolist() == ["Sinjar District"]  # max("Sinjar", "Sinjar District")
    assert october["active_orgs"].tolist() == [2]
    assert october["admin1_pcode"].tolist() == ["IQG15"]
