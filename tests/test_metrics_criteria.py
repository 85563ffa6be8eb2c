"""Tests of criteria progress and the IRIS composite on a hand-computed household survey."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ds_pipeline.lib.metrics.criteria import (
    CRITERIA_PROGRESS_COLUMNS,
    IRIS_COMPOSITE_COLUMNS,
    criteria_progress,
    iris_composite,
    scored_households,
)

NAN = np.nan
INDICATORS = {"c1_safe": 1, "c1_move": 1, "c2_food": 2, "c5_docs": 5}


def _household(survey_round, household_id, group, weight, safe, move, food, docs, admin2="IQG15Q06", poa="Sinjar"):
    return {
        "household_id": household_id,
        "survey_round": survey_round,
        "interview_date": pd.Timestamp(f"{survey_round}-05-01"),
        "admin1_pcode": admin2[:5],
        "admin2_pcode": admin2,
        "admin1_name_en": "Ninewa",
        "admin2_name_en": "Sinjar" if admin2 == "IQG15Q06" else "Al-Mosul",
        "admin3_name_en": "",
        "poa_area": poa,
        "population_group": group,
        "weight": weight,
        "household_size": 6,
        "c1_safe": safe,
        "c1_move": move,
        "c2_food": food,
        "c5_docs": docs,
    }


def _survey() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # 2025, Sinjar. Criterion scores: c1 = mean(safe, move), c2 = food; c5 not asked to non-displaced.
            _household("2025", "r1", "returnee", 1.0, 1, 0, 1, 1),  # c1 0.5, c2 1
            _household("2025", "r2", "returnee", 3.0, 1, 1, 0, 0),  # c1 1.0, c2 0
            _household("2025", "r3", "returnee", 2.0, 1, 1, 1, 1),  # c1 1.0, c2 1
            _household("2025", "r4", "returnee", 10.0, NAN, NAN, 1, 1),  # c1 none, c2 1
            _household("2025", "n1", "non_displaced", 2.0, 1, 0, 1, NAN),  # c1 0.5, c2 1
            _household("2025", "n2", "non_displaced", 2.0, 1, 1, 1, NAN),  # c1 1.0, c2 1
            _household("2025", "i1", "idp_out_of_camp", 2.0, 0, 0, NAN, 1),  # c1 0.0, c2 not asked
            # 2024, Sinjar: returnee c1 0 against non-displaced c1 1 -> gap -1; c2 not asked to anyone
            _household("2024", "r0", "returnee", 1.0, 0, 0, NAN, NAN),
            _household("2024", "n0", "non_displaced", 1.0, 1, 1, NAN, NAN),
        ]
    )


def _line(table, group, criterion, survey_round="2025", level="district", area_id="IQG15Q06"):
    match = table[
        (table["survey_round"] == survey_round)
        & (table["area_level"] == level)
        & (table["area_id"] == area_id)
        & (table["population_group"] == group)
        & (table["criterion"] == criterion)
    ]
    assert len(match) == 1
    return match.iloc[0]


def test_weighted_value_benchmark_gap_and_share():
    table = criteria_progress(_survey(), INDICATORS)
    c1 = _line(table, "returnee", 1)
    # benchmark: (0.5*2 + 1.0*2) / 4 = 0.75; value: (0.5*1 + 1.0*3 + 1.0*2) / 6 = 5.5/6 (r4 has no c1 score)
    assert c1["benchmark"] == pytest.approx(0.75)
    assert c1["value"] == pytest.approx(5.5 / 6)
    assert c1["gap"] == pytest.approx(5.5 / 6 - 0.75)
    # at or above 0.75: r2 (w 3) and r3 (w 2) -> 5/6
    assert c1["share_at_or_above_benchmark"] == pytest.approx(5 / 6)
    assert (c1["households"], c1["weighted_households"]) == (3, 6.0)
    assert bool(c1["assessed"]) is True and c1["indicators_assessed"] == 2
    assert c1["criterion_name"] == "Safety, security and freedom of movement"


def test_household_exactly_at_benchmark_counts_as_at_or_above():
    table = criteria_progress(_survey(), INDICATORS)
    c2 = _line(table, "returnee", 2)
    # benchmark: both non-displaced score 1 -> 1.0; value (1*1 + 0*3 + 1*2 + 1*10) / 16 = 13/16
    assert c2["benchmark"] == pytest.approx(1.0)
    assert c2["value"] == pytest.approx(13 / 16)
    assert c2["gap"] == pytest.approx(13 / 16 - 1.0)
    # r1, r3, r4 score exactly 1.0 = benchmark -> at or above: (1 + 2 + 10) / 16
    assert c2["share_at_or_above_benchmark"] == pytest.approx(13 / 16)
    assert c2["households"] == 4


def test_exactly_at_a_benchmark_with_float_rounding():
    # three indicators of criterion 2; everyone meets one of three -> every score is 1/3, but the weighted
    # benchmark (1/3*0.1 + 1/3*0.2 + 1/3*2.3) / 2.6 comes out as 0.33333333333333337 in floating point
    indicators = {"c2_a": 2, "c2_b": 2, "c2_c": 2}
    rows = []
    for household_id, group, weight in [
        ("d", "returnee", 1.0),
        ("n1", "non_displaced", 0.1),
        ("n2", "non_displaced", 0.2),
        ("n3", "non_displaced", 2.3),
    ]:
        rows.append(
            {
                "household_id": household_id,
                "survey_round": "2025",
                "admin1_pcode": "IQG15",
                "admin2_pcode": "IQG15Q06",
                "admin1_name_en": "Ninewa",
                "admin2_name_en": "Sinjar",
                "poa_area": "",
                "population_group": group,
                "weight": weight,
                "c2_a": 1.0,
                "c2_b": 0.0,
                "c2_c": 0.0,
            }
        )
    table = criteria_progress(pd.DataFrame(rows), indicators)
    line = _line(table, "returnee", 2)
    assert line["share_at_or_above_benchmark"] == pytest.approx(1.0)


def test_not_assessed_criterion_is_present_with_nan():
    table = criteria_progress(_survey(), INDICATORS)
    # c5_docs has data for returnees but not for the non-displaced -> not assessed
    c5 = _line(table, "returnee", 5)
    assert bool(c5["assessed"]) is False and c5["indicators_assessed"] == 0
    for column in ("value", "benchmark", "gap", "share_at_or_above_benchmark"):
        assert math.isnan(c5[column])
    assert c5["households"] == 0
    # criterion 2 for IDPs out of camp: the group has no c2 data -> not assessed
    assert bool(_line(table, "idp_out_of_camp", 2)["assessed"]) is False
    # criteria without any configured indicator are listed too
    assert bool(_line(table, "returnee", 7)["assessed"]) is False
    # 2025: 2 levels (district, POA area) x 2 displaced groups x 8 criteria; 2024: 2 x 1 x 8
    assert len(table) == 32 + 16


def test_only_indicators_asked_to_both_are_compared():
    table = criteria_progress(_survey(), INDICATORS)
    idp = _line(table, "idp_out_of_camp", 1)
    # i1 scores 0 on c1 against a 0.75 benchmark
    assert (idp["value"], idp["benchmark"], idp["share_at_or_above_benchmark"]) == (0.0, 0.75, 0.0)
    indicators = {"c1_safe": 1, "c1_move": 1}
    survey = pd.DataFrame(
        [
            _household("2025", "r", "returnee", 1.0, 1, 0, NAN, NAN),
            _household("2025", "n", "non_displaced", 1.0, 1, NAN, NAN, NAN),
        ]
    )
    line = _line(criteria_progress(survey, indicators), "returnee", 1)
    # c1_move was not asked to the non-displaced: the comparison uses c1_safe only -> value 1 (not 0.5), gap 0
    assert (line["indicators_assessed"], line["value"], line["gap"]) == (1, 1.0, 0.0)


def test_poa_area_level_and_change_since_previous_round():
    table = criteria_progress(_survey(), INDICATORS)
    poa = _line(table, "returnee", 1, level="poa_area", area_id="Sinjar")
    assert (poa["area_name"], poa["admin1_pcode"]) == ("Sinjar", "")
    assert poa["value"] == pytest.approx(5.5 / 6)
    c1 = _line(table, "returnee", 1)
    # 2024 gap: 0 - 1 = -1; 2025 gap 5.5/6 - 0.75 -> change 5.5/6 - 0.75 + 1
    assert c1["gap_change_since_previous"] == pytest.approx(5.5 / 6 - 0.75 + 1.0)
    assert math.isnan(_line(table, "returnee", 1, survey_round="2024")["gap_change_since_previous"])
    # criterion 2 was not assessed in 2024 -> no change
    assert math.isnan(_line(table, "returnee", 2)["gap_change_since_previous"])


def test_columns_dtypes_and_sorting():
    table = criteria_progress(_survey(), INDICATORS)
    assert list(table.columns) == list(CRITERIA_PROGRESS_COLUMNS)
    assert table["assessed"].dtype == bool
    assert table["criterion"].dtype == "int64" and table["households"].dtype == "int64"
    assert table["value"].dtype == "float64"
    head = list(
        zip(table["survey_round"], table["area_level"], table["population_group"], table["criterion"], strict=True)
    )[:9]
    assert head == [("2024", "district", "returnee", c) for c in range(1, 9)] + [("2024", "poa_area", "returnee", 1)]
    groups = list(dict.fromkeys(table.loc[table["survey_round"] == "2025", "population_group"]))
    assert groups == ["idp_out_of_camp", "returnee"]


def test_iris_composite_over_criteria_one_to_five():
    table = iris_composite(_survey(), INDICATORS)
    assert list(table.columns) == list(IRIS_COMPOSITE_COLUMNS)
    returnee = table[
        (table["survey_round"] == "2025")
        & (table["area_level"] == "district")
        & (table["population_group"] == "returnee")
    ].iloc[0]
    # assessed among 1-5: c1 and c2 (c5 is not). r1 fails c1 (0.5 < 0.75), r2 fails c2 (0 < 1),
    # r3 passes both, r4 has no c1 score and is left out -> 2 / (1 + 3 + 2)
    assert returnee["criteria_assessed"] == 2
    assert (returnee["households"], returnee["weighted_households"]) == (3, 6.0)
    assert returnee["share_overcome_vulnerabilities"] == pytest.approx(2 / 6)
    idp = table[
        (table["survey_round"] == "2025")
        & (table["area_level"] == "district")
        & (table["population_group"] == "idp_out_of_camp")
    ].iloc[0]
    # IDPs: only c1 assessed; i1 scores 0 < 0.75
    assert (idp["criteria_assessed"], idp["households"], idp["share_overcome_vulnerabilities"]) == (1, 1, 0.0)


def test_iris_without_assessed_criteria_is_nan():
    survey = pd.DataFrame(
        [
            _household("2025", "r", "returnee", 1.0, NAN, NAN, NAN, 1),
            _household("2025", "n", "non_displaced", 1.0, NAN, NAN, NAN, NAN),
        ]
    )
    table = iris_composite(survey, INDICATORS)
    line = table[table["area_level"] == "district"].iloc[0]
    assert (line["criteria_assessed"], line["households"]) == (0, 0)
    assert math.isnan(line["share_overcome_vulnerabilities"])


def test_empty_survey():
    for function, columns in ((criteria_progress, CRITERIA_PROGRESS_COLUMNS), (iris_composite, IRIS_COMPOSITE_COLUMNS)):
        table = function(_survey().iloc[0:0], INDICATORS)
        assert table.empty and list(table.columns) == list(columns)


def test_indicator_of_unknown_criterion_is_rejected():
    with pytest.raises(ValueError):
        criteria_progress(_survey(), {"c9_x": 9})


def test_survey_round_end_is_the_last_interview_of_all_households_of_the_round():
    survey = _survey()
    # the round's last interview is a non-displaced household's, in another district than the displaced groups'
    survey.loc[survey["household_id"] == "r2", "interview_date"] = pd.Timestamp("2025-06-20")
    survey.loc[survey["household_id"] == "n2", "interview_date"] = pd.Timestamp("2025-07-03")
    survey.loc[survey["household_id"] == "n2", "admin2_pcode"] = "IQG15Q05"
    for function, columns in ((criteria_progress, CRITERIA_PROGRESS_COLUMNS), (iris_composite, IRIS_COMPOSITE_COLUMNS)):
        table = function(survey, INDICATORS)
        assert list(table.columns) == list(columns) and columns["survey_round_end"] == "date"
        assert table["survey_round_end"].dtype == "datetime64[ns]"
        ends = table.groupby("survey_round")["survey_round_end"].agg(["min", "max"])
        assert ends.loc["2025"].tolist() == [pd.Timestamp("2025-07-03")] * 2
        assert ends.loc["2024"].tolist() == [pd.Timestamp("2024-05-01")] * 2


def test_benchmark_households_counts_the_non_displaced_with_a_score():
    # Sinjar: 3 non-displaced households (one more without a c1 answer); Al-Mosul: 12. Weights are not 1: the
    # count is unweighted.
    rows = [_household("2025", f"r{i}", "returnee", 2.0, 1, 0, 1, 1) for i in range(12)]
    rows += [_household("2025", f"n{i}", "non_displaced", 1.5, 1, 1, 1, NAN) for i in range(3)]
    rows += [_household("2025", "n_no_c1", "non_displaced", 1.5, NAN, NAN, 1, NAN)]
    rows += [_household("2025", f"m{i}", "returnee", 1.0, 0, 0, 1, 1, admin2="IQG15Q05", poa="") for i in range(5)]
    rows += [
        _household("2025", f"k{i}", "non_displaced", 0.5, 1, 1, 1, NAN, admin2="IQG15Q05", poa="") for i in range(12)
    ]
    table = criteria_progress(pd.DataFrame(rows), INDICATORS)
    assert table["benchmark_households"].dtype == "int64"
    assert _line(table, "returnee", 1)["benchmark_households"] == 3
    assert _line(table, "returnee", 2)["benchmark_households"] == 4  # n_no_c1 answered c2
    assert _line(table, "returnee", 1, level="poa_area", area_id="Sinjar")["benchmark_households"] == 3
    assert _line(table, "returnee", 1, area_id="IQG15Q05")["benchmark_households"] == 12
    # not assessed (c5 not asked to the non-displaced; no indicator of criterion 3): 0
    assert _line(table, "returnee", 5)["benchmark_households"] == 0
    assert _line(table, "returnee", 3)["benchmark_households"] == 0
    # the IDP household of the existing survey compares against the same 2 non-displaced households as returnees
    assert _line(criteria_progress(_survey(), INDICATORS), "idp_out_of_camp", 1)["benchmark_households"] == 2


def test_households_scored_once_give_both_tables_as_scoring_them_for_each() -> None:
    survey = _survey()
    scored = scored_households(survey, INDICATORS)
    pd.testing.assert_frame_equal(criteria_progress(survey, INDICATORS, scored), criteria_progress(survey, INDICATORS))
    pd.testing.assert_frame_equal(iris_composite(survey, INDICATORS, scored), iris_composite(survey, INDICATORS))
