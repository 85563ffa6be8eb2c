"""Tests of the Return Index area severity metrics on hand-computed examples."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ds_pipeline.lib.metrics.severity import (
    AREA_SEVERITY_COLUMNS,
    MEAN_INDICATOR_COLUMNS,
    area_severity,
    categorise_severity,
)

MEDIUM_FROM, HIGH_FROM = 30.0, 55.0
NAMES = {
    "IQG15": "Ninewa",
    "IQG16": "Salah Al-Din",
    "IQG15Q06": "Sinjar",
    "IQG15Q05": "Al-Mosul",
    "IQG16Q02": "Balad",
    "IQG15Q06N01": "Sinjar centre",
    "IQG15Q06N02": "Al-Shamal",
    "IQG15Q05N01": "Al-Mosul centre",
    "IQG16Q02N01": "Balad centre",
}
POA = {"IQG15Q06": "Sinjar", "IQG16Q02": "Balad"}


def _location(round_id, location_id, admin3, returnees, overall, scale1, scale2, **indicators):
    admin2, admin1 = admin3[:8], admin3[:5]
    return {
        **indicators,
        "round_id": round_id,
        "reporting_date": pd.Timestamp("2026-09-30" if round_id != "R99" else "2026-05-31"),
        "location_id": location_id,
        "admin1_pcode": admin1,
        "admin2_pcode": admin2,
        "admin3_pcode": admin3,
        "admin1_name_en": NAMES[admin1],
        "admin2_name_en": NAMES[admin2],
        "admin3_name_en": NAMES[admin3],
        "poa_area": POA.get(admin2, ""),
        "returnee_individuals": returnees,
        "overall_score": overall,
        "scale1_score": scale1,
        "scale2_score": scale2,
        "severity_source": "",
    }


def _round_131() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _location("R131", "A", "IQG15Q06N01", 1000, 60.0, 40.0, 70.0),  # high
            _location("R131", "B", "IQG15Q06N01", 3000, 20.0, 10.0, 30.0),  # low
            _location("R131", "C", "IQG15Q06N02", 1000, 30.0, 30.0, 30.0),  # medium: exactly medium_from
            _location("R131", "D", "IQG15Q05N01", 100, 50.0, 56.0, 10.0),  # medium; scale 1 high
            _location("R131", "F", "IQG16Q02N01", 0, 70.0, 70.0, 70.0),  # high, but nobody returned
        ]
    )


def _row(table, level, area_id, round_id="R131"):
    match = table[(table["round_id"] == round_id) & (table["area_level"] == level) & (table["area_id"] == area_id)]
    assert len(match) == 1
    return match.iloc[0]


def test_categories_at_the_cut_offs():
    scores = pd.Series([0.0, 29.99, 30.0, 54.99, 55.0, 100.0, float("nan")])
    categories = categorise_severity(scores, MEDIUM_FROM, HIGH_FROM)
    # a score equal to medium_from is medium, equal to high_from is high; a missing score has no category
    assert list(categories) == ["low", "low", "medium", "medium", "high", "high", ""]


def test_categorise_rejects_inverted_cut_offs():
    with pytest.raises(ValueError):
        categorise_severity(pd.Series([10.0]), 60.0, 50.0)


def test_district_is_returnee_weighted():
    table = area_severity(_round_131(), MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=5000)
    sinjar = _row(table, "district", "IQG15Q06")
    assert sinjar["locations_assessed"] == 3
    # returnees: A 1000 (high) + B 3000 (low) + C 1000 (medium) = 5000
    assert (
        sinjar["returnee_individuals"],
        sinjar["returnees_low"],
        sinjar["returnees_medium"],
        sinjar["returnees_high"],
    ) == (5000, 3000, 1000, 1000)
    assert sinjar["returnees_in_high_severity_share"] == pytest.approx(1000 / 5000)  # 0.2
    # overall (60*1000 + 20*3000 + 30*1000) / 5000 = 150000 / 5000 = 30.0 (unweighted mean would be 36.67)
    assert sinjar["mean_overall_score"] == pytest.approx(30.0)
    # scale 1 (40*1000 + 10*3000 + 30*1000) / 5000 = 20.0; scale 2 (70000 + 90000 + 30000) / 5000 = 38.0
    assert sinjar["mean_scale1_score"] == pytest.approx(20.0)
    assert sinjar["mean_scale2_score"] == pytest.approx(38.0)
    # 30.0 is exactly medium_from -> medium; scale 1 20 -> low; scale 2 38 -> medium
    assert (sinjar["severity"], sinjar["scale1_severity"], sinjar["scale2_severity"]) == ("medium", "low", "medium")
    assert sinjar["locations_high"] == 1
    assert (sinjar["area_name"], sinjar["admin1_pcode"]) == ("Sinjar", "IQG15")


def test_hotspot_medium_with_many_returnees():
    frame = _round_131()
    # Sinjar district: medium on scale 2 with 5000 returnees; the rule is returnees >= hotspot_min_returnees
    at_threshold = area_severity(frame, MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=5000)
    above_threshold = area_severity(frame, MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=5001)
    assert bool(_row(at_threshold, "district", "IQG15Q06")["hotspot"]) is True
    assert bool(_row(above_threshold, "district", "IQG15Q06")["hotspot"]) is False
    # sub-district N02: medium on both scales but only 1000 returnees -> not a hotspot
    assert bool(_row(at_threshold, "subdistrict", "IQG15Q06N02")["hotspot"]) is False


def test_hotspot_high_on_one_scale_whatever_the_returnees():
    table = area_severity(_round_131(), MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=5000)
    mosul = _row(table, "district", "IQG15Q05")
    # location D: overall 50 -> medium, scale 1 56 -> high -> hotspot with only 100 returnees
    assert (mosul["severity"], mosul["scale1_severity"], mosul["scale2_severity"]) == ("medium", "high", "low")
    assert bool(mosul["hotspot"]) is True
    assert mosul["returnees_high"] == 0


def test_subdistrict_governorate_and_poa_levels():
    table = area_severity(_round_131(), MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=5000)
    n01 = _row(table, "subdistrict", "IQG15Q06N01")
    # A + B: 4000 returnees, 1000 high -> 0.25; overall (60000 + 60000) / 4000 = 30.0
    assert n01["returnees_in_high_severity_share"] == pytest.approx(0.25)
    assert n01["mean_overall_score"] == pytest.approx(30.0)
    ninewa = _row(table, "governorate", "IQG15")
    # A, B, C, D: 5100 returnees, 1000 high; overall (150000 + 50*100) / 5100
    assert ninewa["returnee_individuals"] == 5100
    assert ninewa["returnees_in_high_severity_share"] == pytest.approx(1000 / 5100)
    assert ninewa["mean_overall_score"] == pytest.approx(155000 / 5100)
    poa = _row(table, "poa_area", "Sinjar")
    assert (poa["area_name"], poa["admin1_pcode"], poa["returnees_high"]) == ("Sinjar", "", 1000)


def test_area_without_returnees_gives_nan_not_error():
    table = area_severity(_round_131(), MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=5000)
    balad = _row(table, "district", "IQG16Q02")
    # 0 returnees: share and returnee-weighted means are 0/0 -> NaN, no category, not a hotspot
    assert math.isnan(balad["returnees_in_high_severity_share"])
    assert math.isnan(balad["mean_overall_score"])
    assert balad["severity"] == ""
    assert bool(balad["hotspot"]) is False
    assert balad["locations_high"] == 1


def test_indicator_means_are_returnee_weighted_over_locations_where_known():
    nan = float("nan")
    frame = pd.DataFrame(
        [
            _location("R131", "A", "IQG15Q06N01", 1000, 60.0, 40.0, 70.0, indicator_07=1.0, indicator_10=1.0),
            _location("R131", "B", "IQG15Q06N01", 3000, 20.0, 10.0, 30.0, indicator_07=0.0, indicator_10=nan),
            _location("R131", "C", "IQG15Q06N02", 1000, 30.0, 30.0, 30.0, indicator_07=0.5, indicator_10=0.5),
            _location("R131", "D", "IQG15Q05N01", 100, 50.0, 56.0, 10.0, indicator_07=0.5, indicator_10=nan),
            _location("R131", "F", "IQG16Q02N01", 0, 70.0, 70.0, 70.0, indicator_07=1.0, indicator_10=1.0),
        ]
    )
    table = area_severity(frame, MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=5000)
    sinjar = _row(table, "district", "IQG15Q06")
    # indicator 7: (1 x 1000 + 0 x 3000 + 0.5 x 1000) / 5000 = 0.3 (unweighted mean would be 0.5)
    assert sinjar["mean_indicator_07"] == pytest.approx(0.3)
    # indicator 10 unknown at B: (1 x 1000 + 0.5 x 1000) / (1000 + 1000) = 0.75 (B counted as 0 would give 0.3)
    assert sinjar["mean_indicator_10"] == pytest.approx(0.75)
    # an indicator absent from the input has no mean
    assert math.isnan(sinjar["mean_indicator_01"])
    # Mosul: only D, indicator 10 unknown there -> NaN; indicator 7 -> 0.5
    mosul = _row(table, "district", "IQG15Q05")
    assert mosul["mean_indicator_07"] == pytest.approx(0.5)
    assert math.isnan(mosul["mean_indicator_10"])
    # Ninewa: A, B, C, D: (1000 + 0 + 500 + 50) / 5100; indicator 10 over A and C only: 1500 / 2000
    ninewa = _row(table, "governorate", "IQG15")
    assert ninewa["mean_indicator_07"] == pytest.approx(1550 / 5100)
    assert ninewa["mean_indicator_10"] == pytest.approx(0.75)
    # Balad: F has the condition unmet but no returnees -> 0/0 -> NaN
    assert math.isnan(_row(table, "district", "IQG16Q02")["mean_indicator_07"])
    assert _row(table, "district", "IQG15Q06")["mean_indicator_07"] == pytest.approx(0.3)


def test_columns_dtypes_and_order():
    table = area_severity(_round_131(), MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=5000)
    assert list(table.columns) == list(AREA_SEVERITY_COLUMNS)
    # the 16 indicator means come after the columns the table had before them
    assert list(table.columns)[-17:] == ["locations_high", *(f"mean_indicator_{i:02d}" for i in range(1, 17))]
    assert list(MEAN_INDICATOR_COLUMNS) == list(table.columns)[-16:]
    assert (table[list(MEAN_INDICATOR_COLUMNS)].dtypes == "float64").all()
    assert table["hotspot"].dtype == bool
    assert table["returnees_high"].dtype == "int64"
    assert table["returnees_in_high_severity_share"].dtype == "float64"
    levels = list(dict.fromkeys(table["area_level"]))
    assert levels == ["governorate", "district", "subdistrict", "poa_area"]
    districts = table.loc[table["area_level"] == "district", "area_id"].tolist()
    assert districts == ["IQG15Q05", "IQG15Q06", "IQG16Q02"]


def _two_rounds() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # R99: Sinjar A 2000 returnees high (70), B 2000 low (10) -> 2000 high, share 0.5, mean 40
            _location("R99", "A", "IQG15Q06N01", 2000, 70.0, 70.0, 70.0),
            _location("R99", "B", "IQG15Q06N01", 2000, 10.0, 10.0, 10.0),
            # R100: A 2000 medium (40), B 3000 low (10) -> 0 high, share 0, mean (80000 + 30000) / 5000 = 22
            _location("R100", "A", "IQG15Q06N01", 2000, 40.0, 40.0, 40.0),
            _location("R100", "B", "IQG15Q06N01", 3000, 10.0, 10.0, 10.0),
            # R100: Mosul assessed for the first time
            _location("R100", "G", "IQG15Q05N01", 500, 80.0, 80.0, 80.0),
        ]
    )


def test_rounds_are_ordered_by_number():
    severity = area_severity(_two_rounds(), MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=20000)
    # "R100" < "R99" as text, but round 99 comes first
    assert list(dict.fromkeys(severity["round_id"])) == ["R99", "R100"]


def test_empty_inputs():
    empty = area_severity(pd.DataFrame(), MEDIUM_FROM, HIGH_FROM, hotspot_min_returnees=1)
    assert empty.empty and list(empty.columns) == list(AREA_SEVERITY_COLUMNS)
    assert empty["hotspot"].dtype == bool
