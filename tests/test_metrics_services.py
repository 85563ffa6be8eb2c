"""Tests of 4W service coverage, the referral directory and service gaps on hand-made data."""

from __future__ import annotations

import pandas as pd
import pytest

from ds_pipeline.lib.metrics.services import (
    REFERRAL_DIRECTORY_COLUMNS,
    SERVICE_COVERAGE_COLUMNS,
    SERVICE_GAPS_COLUMNS,
    referral_directory,
    service_coverage,
    service_gaps,
)

DISTRICTS = {"IQG15Q06": "Sinjar", "IQG15Q05": "Al-Mosul", "IQG01Q06": "Ramadi"}


def _activity(org, admin2, sector, criterion, status, start, end, targeted, reached, activity="Case management"):
    return {
        "org_acronym": org,
        "org_name": f"{org} full name",
        "org_type": "national NGO",
        "sector_code": sector,
        "activity": activity,
        "iasc_criterion": criterion,
        "status": status,
        "people_targeted": targeted,
        "people_reached": reached,
        "period_start": pd.Timestamp(start),
        "period_end": pd.Timestamp(end),
        "admin1_pcode": admin2[:5],
        "admin2_pcode": admin2,
        "admin1_name_en": "Ninewa" if admin2.startswith("IQG15") else "Al-Anbar",
        "admin2_name_en": DISTRICTS[admin2],
        "admin3_name_en": "",
        "poa_area": "",
    }


def _four_w() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # NGO-A in Sinjar, mid-September to 10 November: touches September, October and November
            _activity("NGO-A", "IQG15Q06", "PRO", 1, "ongoing", "2026-09-15", "2026-11-10", 100, 40),
            _activity("NGO-B", "IQG15Q06", "PRO", 1, "completed", "2026-10-01", "2026-10-31", 50, 50),
            # a second NGO-A activity in October: two activities, one organisation
            _activity("NGO-A", "IQG15Q06", "PRO", 1, "ongoing", "2026-10-01", "2026-10-31", 10, 5, "Legal aid"),
            # planned: never counted
            _activity("NGO-C", "IQG15Q06", "SHL", 2, "planned", "2026-10-01", "2026-10-31", 80, 0),
            _activity("NGO-D", "IQG15Q05", "HEA", 2, "ongoing", "2026-10-01", "2026-10-31", 200, 100),
        ]
    )


def test_coverage_by_month_with_an_activity_spanning_months():
    coverage = service_coverage(_four_w())
    assert list(coverage.columns) == list(SERVICE_COVERAGE_COLUMNS)
    rows = list(
        zip(
            coverage["month"],
            coverage["area_id"],
            coverage["iasc_criterion"],
            coverage["sector_code"],
            coverage["active_orgs"],
            coverage["active_activities"],
            coverage["people_targeted"],
            coverage["people_reached"],
            strict=True,
        )
    )
    assert rows == [
        # September: NGO-A only
        ("2026-09", "IQG15Q06", 1, "PRO", 1, 1, 100, 40),
        # October: Mosul HEA; Sinjar PRO: NGO-A (2 activities) + NGO-B = 2 orgs, 3 activities,
        # targeted 100 + 50 + 10 = 160, reached 40 + 50 + 5 = 95
        ("2026-10", "IQG15Q05", 2, "HEA", 1, 1, 200, 100),
        ("2026-10", "IQG15Q06", 1, "PRO", 2, 3, 160, 95),
        # November: NGO-A's first activity still runs (to 10 November)
        ("2026-11", "IQG15Q06", 1, "PRO", 1, 1, 100, 40),
    ]
    # the planned shelter activity is not counted anywhere
    assert "SHL" not in set(coverage["sector_code"])
    first = coverage.iloc[0]
    assert (first["area_level"], first["area_name"], first["admin1_pcode"]) == ("district", "Sinjar", "IQG15")
    assert first["criterion_name"] == "Safety, security and freedom of movement"
    assert coverage["active_orgs"].dtype == "int64"


def test_referral_directory_for_a_month():
    directory = referral_directory(_four_w(), "2026-10")
    assert list(directory.columns) == list(REFERRAL_DIRECTORY_COLUMNS)
    assert list(zip(directory["area_id"], directory["org_acronym"], directory["activity"], strict=True)) == [
        ("IQG15Q05", "NGO-D", "Case management"),
        ("IQG15Q06", "NGO-A", "Case management"),
        ("IQG15Q06", "NGO-A", "Legal aid"),
        ("IQG15Q06", "NGO-B", "Case management"),
    ]
    assert referral_directory(_four_w(), "2026-12").empty
    assert set(directory["subdistrict_name"]) == {""}  # the 3W names no sub-district: empty, not invented


def test_referral_directory_names_the_sub_district_the_3w_gives():
    mapping = _four_w()
    mapping.loc[0, "admin3_name_en"] = "Al-Shamal"
    directory = referral_directory(mapping, "2026-10")
    named = directory[directory["subdistrict_name"] != ""]
    assert list(zip(named["org_acronym"], named["activity"], named["subdistrict_name"], strict=True)) == [
        ("NGO-A", "Case management", "Al-Shamal")
    ]


def _severity_slice() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "round_id": "R131",
                "area_level": "district",
                "area_id": "IQG15Q06",
                "area_name": "Sinjar",
                "admin1_pcode": "IQG15",
                "returnee_individuals": 5000,
                "returnees_high": 3000,
                "severity": "high",
                "hotspot": True,
            },
            {
                "round_id": "R131",
                "area_level": "district",
                "area_id": "IQG15Q05",
                "area_name": "Al-Mosul",
                "admin1_pcode": "IQG15",
                "returnee_individuals": 1000,
                "returnees_high": 0,
                "severity": "low",
                "hotspot": False,
            },
            # governorate rows are ignored
            {
                "round_id": "R131",
                "area_level": "governorate",
                "area_id": "IQG15",
                "area_name": "Ninewa",
                "admin1_pcode": "IQG15",
                "returnee_individuals": 6000,
                "returnees_high": 3000,
                "severity": "high",
                "hotspot": True,
            },
        ]
    )


def _criteria_slice() -> pd.DataFrame:
    def line(area_id, group, criterion, gap, assessed=True):
        return {
            "survey_round": "2025",
            "area_level": "district",
            "area_id": area_id,
            "area_name": DISTRICTS[area_id],
            "admin1_pcode": "IQG15",
            "population_group": group,
            "criterion": criterion,
            "assessed": assessed,
            "gap": gap,
        }

    return pd.DataFrame(
        [
            line("IQG15Q05", "returnee", 3, -0.20),  # need
            line("IQG15Q05", "idp_out_of_camp", 3, -0.05),  # no need on its own
            line("IQG15Q05", "returnee", 4, -0.10),  # exactly at the threshold -> need
            line("IQG15Q05", "returnee", 2, -0.30),  # need, but a health actor is active on criterion 2
            line("IQG15Q05", "returnee", 6, float("nan"), assessed=False),
            line("IQG15Q06", "returnee", 5, -0.15),  # need on documentation
        ]
    )


def test_service_gaps_where_need_is_high_and_no_org_is_active():
    coverage = service_coverage(_four_w())
    october = coverage[coverage["month"] == "2026-10"]
    gaps = service_gaps(_severity_slice(), _criteria_slice(), october)
    assert list(gaps.columns) == list(SERVICE_GAPS_COLUMNS)
    # Mosul: criteria 3 and 4 (gaps -0.20 and -0.10); criterion 2 has NGO-D active -> no gap.
    # Sinjar: high severity and hotspot -> criteria 1..4 in need, but PRO is active on 1 -> 2, 3, 4; plus
    # criterion 5 from the survey gap
    assert list(zip(gaps["area_id"], gaps["iasc_criterion"], strict=True)) == [
        ("IQG15Q05", 3),
        ("IQG15Q05", 4),
        ("IQG15Q06", 2),
        ("IQG15Q06", 3),
        ("IQG15Q06", 4),
        ("IQG15Q06", 5),
    ]
    assert gaps["active_orgs"].tolist() == [0] * 6
    assert gaps["returnee_individuals"].tolist() == [1000, 1000, 5000, 5000, 5000, 5000]
    by_key = gaps.set_index(["area_id", "iasc_criterion"])
    assert by_key.loc[("IQG15Q05", 3), "need_reason"] == "gap to non-displaced: returnees -0.20"
    assert by_key.loc[("IQG15Q06", 2), "need_reason"] == (
        "Return Index high severity and hotspot (3,000 returnees in high-severity locations)"
    )
    # criterion 2 is served by HEA in Mosul, elsewhere in Ninewa
    assert by_key.loc[("IQG15Q06", 2), "sectors_active_elsewhere_in_governorate"] == "HEA"
    assert by_key.loc[("IQG15Q06", 3), "sectors_active_elsewhere_in_governorate"] == ""


def test_no_gap_once_one_organisation_is_active():
    coverage = service_coverage(_four_w())
    october = coverage[coverage["month"] == "2026-10"].copy()
    gaps = service_gaps(_severity_slice(), _criteria_slice(), october)
    assert ("IQG15Q06", 1) not in set(zip(gaps["area_id"], gaps["iasc_criterion"], strict=True))
    # add one organisation active on criterion 3 in Mosul: the Mosul criterion-3 gap disappears
    extra = _four_w()
    extra.loc[len(extra)] = _activity("NGO-E", "IQG15Q05", "ERY", 3, "ongoing", "2026-10-01", "2026-10-31", 5, 5)
    coverage = service_coverage(extra)
    gaps = service_gaps(_severity_slice(), _criteria_slice(), coverage[coverage["month"] == "2026-10"])
    assert ("IQG15Q05", 3) not in set(zip(gaps["area_id"], gaps["iasc_criterion"], strict=True))
    assert ("IQG15Q05", 4) in set(zip(gaps["area_id"], gaps["iasc_criterion"], strict=True))
    # Sinjar's criterion-3 gap now lists the sector active elsewhere in the governorate
    sinjar = gaps.set_index(["area_id", "iasc_criterion"]).loc[("IQG15Q06", 3)]
    assert sinjar["sectors_active_elsewhere_in_governorate"] == "ERY"


def test_gap_threshold_is_a_setting():
    coverage = service_coverage(_four_w())
    gaps = service_gaps(
        pd.DataFrame(), _criteria_slice(), coverage[coverage["month"] == "2026-10"], gap_threshold=-0.25
    )
    # only Mosul criterion 2 (-0.30) passes -0.25, and it has an active organisation -> no gap
    assert gaps.empty and list(gaps.columns) == list(SERVICE_GAPS_COLUMNS)


def test_service_gaps_want_one_slice():
    coverage = service_coverage(_four_w())
    with pytest.raises(ValueError):
        service_gaps(_severity_slice(), _criteria_slice(), coverage)


def test_empty_4w():
    empty = _four_w().iloc[0:0]
    assert list(service_coverage(empty).columns) == list(SERVICE_COVERAGE_COLUMNS)
    assert referral_directory(empty, "2026-10").empty
    only_planned = _four_w().iloc[[3]]
    assert service_coverage(only_planned).empty


def test_no_gap_is_claimed_where_the_4w_says_nothing():
    # no 4W month at all: whether anyone is active is unknown, so no district is listed as a gap
    no_4w = service_gaps(_severity_slice(), _criteria_slice(), service_coverage(_four_w().iloc[0:0]))
    assert no_4w.empty and list(no_4w.columns) == list(SERVICE_GAPS_COLUMNS)
    # a Ramadi (Al-Anbar) need, with a 4W reporting only Ninewa: not assessed, not a gap
    criteria = _criteria_slice()
    ramadi = criteria.iloc[[0]].assign(area_id="IQG01Q06", area_name="Ramadi", admin1_pcode="IQG01")
    coverage = service_coverage(_four_w())
    gaps = service_gaps(
        _severity_slice(), pd.concat([criteria, ramadi], ignore_index=True), coverage[coverage["month"] == "2026-10"]
    )
    assert "IQG01Q06" not in set(gaps["area_id"])
    # the same need with one Al-Anbar activity elsewhere in the governorate is a gap, with returnees unknown
    anbar = _four_w()
    anbar.loc[len(anbar)] = _activity("NGO-F", "IQG01Q06", "EDU", 7, "ongoing", "2026-10-01", "2026-10-31", 5, 5)
    coverage = service_coverage(anbar)
    gaps = service_gaps(
        _severity_slice(), pd.concat([criteria, ramadi], ignore_index=True), coverage[coverage["month"] == "2026-10"]
    )
    row = gaps[gaps["area_id"] == "IQG01Q06"]
    assert row["iasc_criterion"].tolist() == [3] and row["returnee_individuals"].isna().all()
