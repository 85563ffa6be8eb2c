"""Tests of the area priority score and ranking on hand-computed components."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ds_pipeline.lib.metrics.prioritisation import AREA_PRIORITY_COLUMNS, area_priority

WEIGHTS = {
    "severity": 0.30,
    "returns": 0.15,
    "idps_in_camps_and_critical_shelter": 0.20,
    "criteria_gap": 0.20,
    "actor_presence": 0.15,
}
D1, D2, D3 = "IQG15Q06", "IQG15Q05", "IQG01Q06"
NAMES = {D1: "Sinjar", D2: "Al-Mosul", D3: "Ramadi"}


def _area(area_id, level="district"):
    return {"area_level": level, "area_id": area_id, "area_name": NAMES[area_id], "admin1_pcode": area_id[:5]}


def _severity() -> pd.DataFrame:
    rows = [(D1, 0.5, 60.0), (D2, 0.0, 20.0), (D3, 0.2, 40.0)]
    return pd.DataFrame(
        [
            {"round_id": "R131", **_area(a), "returnees_in_high_severity_share": s, "mean_overall_score": m}
            for a, s, m in rows
        ]
    )


def _displacement() -> pd.DataFrame:
    def line(area_id, population_type, individuals, camp, critical):
        return {
            "round_id": "R131",
            **_area(area_id),
            "population_type": population_type,
            "individuals": individuals,
            "individuals_in_camp": camp,
            "individuals_in_critical_shelter": critical,
        }

    return pd.DataFrame(
        [
            line(D1, "returnee", 6000, 0, 0),
            line(D2, "returnee", 12000, 0, 0),
            line(D1, "idp", 900, 500, 100),
            line(D2, "idp", 300, 0, 0),
            line(D3, "idp", 1500, 0, 1200),
        ]
    )


def _criteria() -> pd.DataFrame:
    def line(area_id, group, criterion, gap, weighted, assessed=True):
        return {
            "survey_round": "2025",
            **_area(area_id),
            "population_group": group,
            "criterion": criterion,
            "assessed": assessed,
            "gap": gap,
            "weighted_households": weighted,
        }

    return pd.DataFrame(
        [
            line(D1, "returnee", 1, -0.2, 10.0),
            line(D1, "idp_out_of_camp", 1, -0.4, 30.0),
            line(D1, "returnee", 2, 0.1, 10.0),
            line(D2, "returnee", 3, -0.7, 5.0),
            line(D3, "returnee", 1, float("nan"), 0.0, assessed=False),
        ]
    )


def _coverage() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"month": "2026-10", **_area(D1), "iasc_criterion": 1, "sector_code": "PRO", "active_orgs": 2},
            {"month": "2026-10", **_area(D1), "iasc_criterion": 2, "sector_code": "HEA", "active_orgs": 2},
            {"month": "2026-10", **_area(D3), "iasc_criterion": 2, "sector_code": "WSH", "active_orgs": 1},
        ]
    )


def _priority(weights=WEIGHTS) -> pd.DataFrame:
    return area_priority(_severity(), _displacement(), _criteria(), _coverage(), weights)


def test_component_values_and_scores():
    table = _priority().set_index("area_id")
    # severity value = (share + mean score / 100) / 2: D1 (0.5 + 0.6)/2 = 0.55, D2 0.1, D3 0.3; score / 0.55
    assert table.loc[D1, "severity_value"] == pytest.approx(0.55)
    assert table.loc[D2, "severity_score"] == pytest.approx(0.1 / 0.55)
    assert table.loc[D3, "severity_score"] == pytest.approx(0.3 / 0.55)
    # returns: 6000, 12000, 0 -> 0.5, 1, 0
    assert table["returns_value"].to_dict() == {D1: 6000, D2: 12000, D3: 0}
    assert table.loc[D1, "returns_score"] == pytest.approx(0.5)
    # IDPs in camps and critical shelter: 500 + 100 = 600, 0, 1200 -> 0.5, 0, 1
    assert table["idps_in_camps_and_critical_shelter_value"].to_dict() == {D1: 600, D2: 0, D3: 1200}
    assert table.loc[D1, "idps_in_camps_and_critical_shelter_score"] == pytest.approx(0.5)
    # criteria gap: D1 criterion 1 (-0.2*10 - 0.4*30) / 40 = -0.35, criterion 2 +0.1 -> worst -0.35;
    # D2 -0.7; D3 nothing assessed -> NaN, no points
    assert table.loc[D1, "criteria_gap_value"] == pytest.approx(-0.35)
    assert table.loc[D2, "criteria_gap_value"] == pytest.approx(-0.7)
    assert table.loc[D1, "criteria_gap_score"] == pytest.approx(0.5)
    assert math.isnan(table.loc[D3, "criteria_gap_score"]) and math.isnan(table.loc[D3, "criteria_gap_points"])
    assert table.loc[D3, "components_not_assessed"] == "criteria gap"
    # actors: 2 + 2 = 4, 0, 1 -> 1 - orgs/4: 0, 1, 0.75
    assert table["actor_presence_value"].to_dict() == {D1: 4, D2: 0, D3: 1}
    assert table["actor_presence_score"].to_dict() == pytest.approx({D1: 0.0, D2: 1.0, D3: 0.75})


def test_priority_score_and_rank():
    table = _priority()
    # D1: 30*1 + 15*0.5 + 20*0.5 + 20*0.5 + 15*0 = 57.5 (all five components assessed)
    # D2: 30*0.1/0.55 + 15*1 + 0 + 20*1 + 15*1 = 55.4545...
    # D3 has no assessed criterion: its four other components weigh 0.8, renormalised to 100 points:
    #     (30*0.3/0.55 + 0 + 20*1 + 15*0.75) / 0.8 = 59.517...
    assert table["area_id"].tolist() == [D3, D1, D2]
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["priority_score"].tolist() == pytest.approx([(9 / 0.55 + 31.25) / 0.8, 57.5, 3 / 0.55 + 50])
    assert table["components_assessed"].tolist() == [4, 5, 5]
    d1 = table.iloc[1]
    assert (d1["severity_points"], d1["returns_points"]) == (pytest.approx(30.0), pytest.approx(7.5))
    d3 = table.iloc[0]
    assert d3["severity_points"] == pytest.approx(100 * 0.30 / 0.8 * 0.3 / 0.55)
    assert list(table.columns) == list(AREA_PRIORITY_COLUMNS)
    assert str(table["rank"].dtype) == "Int64"


def test_an_area_scored_on_too_few_components_is_listed_apart():
    table = area_priority(_severity(), _displacement(), _criteria(), _coverage(), WEIGHTS, min_components=5)
    assert table["area_id"].tolist() == [D1, D2, D3]
    assert table["ranked"].tolist() == [True, True, False]
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])
    assert table["priority_score"].iloc[2] == pytest.approx((9 / 0.55 + 31.25) / 0.8)


def test_components_without_data_are_missing_not_zero():
    # no 4W at all: nobody is "absent", actor presence is not assessed anywhere
    no_4w = area_priority(_severity(), _displacement(), _criteria(), pd.DataFrame(), WEIGHTS).set_index("area_id")
    assert no_4w["actor_presence_value"].isna().all() and no_4w["actor_presence_points"].isna().all()
    assert (no_4w["components_assessed"] <= 4).all()
    # a 4W covering only Ninewa says nothing about Ramadi (Al-Anbar), and D2 (Ninewa, no activity) has 0
    ninewa_only = _coverage()[lambda c: c["area_id"] == D1]
    table = area_priority(_severity(), _displacement(), _criteria(), ninewa_only, WEIGHTS).set_index("area_id")
    assert pd.isna(table.loc[D3, "actor_presence_value"]) and table.loc[D2, "actor_presence_value"] == 0
    # a district without Return Index data has no severity points, not 0.0
    severity = _severity()[lambda s: s["area_id"] != D2]
    table = area_priority(severity, _displacement(), _criteria(), _coverage(), WEIGHTS).set_index("area_id")
    assert pd.isna(table.loc[D2, "severity_value"]) and pd.isna(table.loc[D2, "severity_points"])
    assert "severity" in table.loc[D2, "components_not_assessed"]
    # an IDP-only DTM slice: returns are not assessed (NaN), IDPs are
    idp_only = _displacement()[lambda d: d["population_type"] == "idp"]
    table = area_priority(_severity(), idp_only, _criteria(), _coverage(), WEIGHTS).set_index("area_id")
    assert table["returns_value"].isna().all() and table["idps_in_camps_and_critical_shelter_value"].notna().all()


def test_each_population_may_come_from_its_own_round():
    displacement = _displacement()
    displacement.loc[displacement["population_type"] == "idp", "round_id"] = "R132"
    table = area_priority(_severity(), displacement, _criteria(), _coverage(), WEIGHTS).set_index("area_id")
    assert table.loc[D1, "returns_value"] == 6000 and table.loc[D3, "idps_in_camps_and_critical_shelter_value"] == 1200
    mixed = displacement.copy()
    mixed.loc[0, "round_id"] = "R130"  # two returnee rounds in one slice
    with pytest.raises(ValueError):
        area_priority(_severity(), mixed, _criteria(), _coverage(), WEIGHTS)


def test_changing_a_weight_changes_the_rank():
    lighter_severity = {**WEIGHTS, "severity": 0.10}
    table = _priority(lighter_severity)
    # weights now sum to 0.8, points = 100 * w / 0.8 * score:
    # D1 (10 + 7.5 + 10 + 10 + 0) / 0.8 = 46.875; D2 (1/0.55 + 15 + 0 + 20 + 15) / 0.8 = 64.77...;
    # D3, without criteria gap, over 0.6: (3/0.55 + 0 + 20 + 11.25) / 0.6 = 61.17...
    assert table["area_id"].tolist() == [D2, D3, D1]
    assert table["priority_score"].tolist() == pytest.approx(
        [(1 / 0.55 + 50) / 0.8, (3 / 0.55 + 31.25) / 0.6, 37.5 / 0.8]
    )


def test_ties_are_broken_by_area_id():
    severity = _severity()
    severity.loc[severity["area_id"] == D2, ["returnees_in_high_severity_share", "mean_overall_score"]] = [0.5, 60.0]
    table = area_priority(severity, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {"severity": 1.0})
    # D1 and D2 both score 100; IQG15Q05 < IQG15Q06
    assert table["area_id"].tolist() == [D2, D1, D3]
    assert table["rank"].tolist() == [1, 2, 3]


def test_invalid_weights_and_empty_inputs():
    with pytest.raises(ValueError):
        _priority({**WEIGHTS, "conflict": 0.1})
    with pytest.raises(ValueError):
        _priority({"severity": 0.0})
    empty = area_priority(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), WEIGHTS)
    assert empty.empty and list(empty.columns) == list(AREA_PRIORITY_COLUMNS)
