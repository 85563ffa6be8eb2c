"""Tests of displacement_by_area on a hand-computed DTM example."""

from __future__ import annotations

import pandas as pd
import pytest

from ds_pipeline.lib.metrics.displacement import DISPLACEMENT_BY_AREA_COLUMNS, displacement_by_area

NAMES = {"IQG15": "Ninewa", "IQG01": "Al-Anbar", "IQG15Q06": "Sinjar", "IQG15Q05": "Al-Mosul", "IQG01Q06": "Ramadi"}


def _location(round_id, date, population_type, location_id, admin2, poa, camp=0, critical=0, private=0, unknown=0):
    admin1 = admin2[:5]
    families = camp + critical + private + unknown
    return {
        "round_id": round_id,
        "reporting_date": pd.Timestamp(date),
        "population_type": population_type,
        "location_id": location_id,
        "admin1_pcode": admin1,
        "admin2_pcode": admin2,
        "admin3_pcode": "",
        "admin1_name_en": NAMES[admin1],
        "admin2_name_en": NAMES[admin2],
        "admin3_name_en": "",
        "poa_area": poa,
        "families": families,
        "individuals": 5 * camp + 6 * (families - camp),
        "families_in_camp": camp,
        "families_in_critical_shelter": critical,
        "families_in_private": private,
        "families_in_unknown_shelter": unknown,
    }


def _frame() -> pd.DataFrame:
    rows = [
        # R131: Sinjar IDPs 10 families (4 camp, 3 critical, 2 private, 1 unknown) -> 4*5 + 6*6 = 56 individuals
        _location("R131", "2026-09-30", "idp", "L1", "IQG15Q06", "Sinjar", camp=4, critical=3, private=2, unknown=1),
        # Mosul IDPs 5 private families -> 30 individuals; not in a POA area
        _location("R131", "2026-09-30", "idp", "L2", "IQG15Q05", "", private=5),
        # Sinjar returnees 20 private families -> 120 individuals
        _location("R131", "2026-09-30", "returnee", "L3", "IQG15Q06", "Sinjar", private=20),
        # Ramadi IDPs 2 critical-shelter families -> 12 individuals
        _location("R131", "2026-09-30", "idp", "L4", "IQG01Q06", "Ramadi", critical=2),
        # R130: Sinjar IDPs 12 families (6 camp, 6 critical) -> 30 + 36 = 66 individuals
        _location("R130", "2026-06-30", "idp", "L1", "IQG15Q06", "Sinjar", camp=6, critical=6),
    ]
    return pd.DataFrame(rows)


def _row(table, round_id, level, area_id, population_type):
    match = table[
        (table["round_id"] == round_id)
        & (table["area_level"] == level)
        & (table["area_id"] == area_id)
        & (table["population_type"] == population_type)
    ]
    assert len(match) == 1
    return match.iloc[0]


def test_governorate_sums_locations_families_and_shelter():
    table = displacement_by_area(_frame())
    ninewa = _row(table, "R131", "governorate", "IQG15", "idp")
    # L1 + L2: 2 locations, 10 + 5 = 15 families, 56 + 30 = 86 individuals
    assert (ninewa["locations"], ninewa["families"], ninewa["individuals"]) == (2, 15, 86)
    # camp 4, critical 3, private 2 + 5 = 7, unknown 1
    assert ninewa["families_in_camp"] == 4
    assert ninewa["families_in_critical_shelter"] == 3
    assert ninewa["families_in_private"] == 7
    assert ninewa["families_in_unknown_shelter"] == 1
    # individuals: camp 4 x 5 = 20, critical 3 x 6 = 18, private 7 x 6 = 42, unknown 1 x 6 = 6
    assert ninewa["individuals_in_camp"] == 20
    assert ninewa["individuals_in_critical_shelter"] == 18
    assert ninewa["individuals_in_private"] == 42
    assert ninewa["individuals_in_unknown_shelter"] == 6
    assert (ninewa["area_name"], ninewa["admin1_pcode"]) == ("Ninewa", "IQG15")
    assert ninewa["reporting_date"] == pd.Timestamp("2026-09-30")


def test_district_and_poa_area_levels():
    table = displacement_by_area(_frame())
    sinjar = _row(table, "R131", "district", "IQG15Q06", "idp")
    assert (sinjar["area_name"], sinjar["admin1_pcode"], sinjar["families"], sinjar["individuals"]) == (
        "Sinjar",
        "IQG15",
        10,
        56,
    )
    poa = _row(table, "R131", "poa_area", "Sinjar", "returnee")
    # POA area: id and name are the area name, no governorate; 20 private families x 6 = 120
    assert (poa["area_name"], poa["admin1_pcode"], poa["individuals_in_private"]) == ("Sinjar", "", 120)
    previous = _row(table, "R130", "district", "IQG15Q06", "idp")
    # R130: 6 camp families x 5 = 30, 6 critical x 6 = 36
    assert (previous["individuals_in_camp"], previous["individuals_in_critical_shelter"]) == (30, 36)
    # Mosul (no POA area) must not appear at the poa_area level
    assert set(table.loc[table["area_level"] == "poa_area", "area_id"]) == {"Sinjar", "Ramadi"}


def test_rows_columns_order_and_dtypes():
    table = displacement_by_area(_frame())
    assert list(table.columns) == list(DISPLACEMENT_BY_AREA_COLUMNS)
    keys = list(zip(table["round_id"], table["area_level"], table["area_id"], table["population_type"], strict=True))
    # R130: 3 rows (one per level); R131: governorate 3, district 4, poa_area 3
    assert keys == [
        ("R130", "governorate", "IQG15", "idp"),
        ("R130", "district", "IQG15Q06", "idp"),
        ("R130", "poa_area", "Sinjar", "idp"),
        ("R131", "governorate", "IQG01", "idp"),
        ("R131", "governorate", "IQG15", "idp"),
        ("R131", "governorate", "IQG15", "returnee"),
        ("R131", "district", "IQG01Q06", "idp"),
        ("R131", "district", "IQG15Q05", "idp"),
        ("R131", "district", "IQG15Q06", "idp"),
        ("R131", "district", "IQG15Q06", "returnee"),
        ("R131", "poa_area", "Ramadi", "idp"),
        ("R131", "poa_area", "Sinjar", "idp"),
        ("R131", "poa_area", "Sinjar", "returnee"),
    ]
    assert list(table.index) == list(range(13))
    assert table["families"].dtype == "Int64"  # empty where a source gives individuals only
    assert table["individuals_in_camp"].dtype == "Int64"
    assert table["reporting_date"].dtype == "datetime64[ns]"


def test_household_sizes_are_settings():
    table = displacement_by_area(_frame(), camp_household_size=4, household_size=7)
    sinjar = _row(table, "R131", "district", "IQG15Q06", "idp")
    # 4 camp families x 4 = 16; 3 critical x 7 = 21
    assert (sinjar["individuals_in_camp"], sinjar["individuals_in_critical_shelter"]) == (16, 21)


def test_same_output_whatever_the_input_order():
    frame = _frame()
    shuffled = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    pd.testing.assert_frame_equal(displacement_by_area(frame), displacement_by_area(shuffled))


@pytest.mark.parametrize("frame", [pd.DataFrame(), pd.DataFrame(columns=list(_frame().columns))])
def test_empty_input_gives_empty_table(frame):
    table = displacement_by_area(frame)
    assert table.empty
    assert list(table.columns) == list(DISPLACEMENT_BY_AREA_COLUMNS)
    assert table["families"].dtype == "Int64"  # empty where a source gives individuals only
