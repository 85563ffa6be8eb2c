"""Disclosure control of publication tables, on hand-computed examples."""

from __future__ import annotations

import pandas as pd
import pytest

from ds_pipeline.lib.products.disclosure import (
    DisclosureParameters,
    DisclosureSpec,
    protect_table,
    round_significant,
    round_to,
)

PARAMS = DisclosureParameters(min_households=10, household_size=6, round_individuals_to=10)


def _families_frame() -> pd.DataFrame:
    # Governorate G1 = districts D1 + D2 + D3; families with the published individuals next to them.
    rows = [
        ("governorate", "G1", 58, 320),
        ("district", "D1", 3, 40),
        ("district", "D2", 25, 80),
        ("district", "D3", 30, 200),
    ]
    frame = pd.DataFrame(rows, columns=["area_level", "area_id", "families_in_camp", "families_private"])
    frame["families"] = frame["families_in_camp"] + frame["families_private"]
    frame["individuals"] = frame["families_in_camp"] * 5 + frame["families_private"] * 6
    frame["individuals_in_camp"] = frame["families_in_camp"] * 5
    frame["individuals_private"] = frame["families_private"] * 6
    return frame


def test_primary_rule_on_families_with_secondary_in_row_and_column():
    spec = DisclosureSpec(
        key_columns=["area_id"],
        counts={
            "individuals": ("families", "households"),
            "individuals_in_camp": ("families_in_camp", "households"),
            "individuals_private": ("families_private", "households"),
        },
        row_relations=[("individuals", ["individuals_in_camp", "individuals_private"])],
        column_relations=[(0, [1, 2, 3])],
        rounded=["individuals", "individuals_in_camp", "individuals_private"],
    )
    published, suppressions = protect_table("t", _families_frame(), spec, PARAMS)
    assert [(s.row_key, s.column, s.reason) for s in suppressions] == [
        # 3 families in camps in D1 (15 individuals)
        ("area_id=D1", "individuals_in_camp", "primary: fewer than 10 households"),
        # D1's total is published, so its other part is blanked
        ("area_id=D1", "individuals_private", "secondary: protects individuals_in_camp of row area_id=D1"),
        # G1 = D1 + D2 + D3 in each column: the smallest other district is blanked
        ("area_id=D2", "individuals_in_camp", "secondary: protects individuals_in_camp of row area_id=D1"),
        ("area_id=D2", "individuals_private", "secondary: protects individuals_private of row area_id=D1"),
    ]
    assert list(published["individuals"]) == [2210, 260, 610, 1350]  # 255 -> 260, 605 -> 610: rounded to 10
    assert list(published["individuals_in_camp"].astype("Float64")) == [290, pd.NA, pd.NA, 150]
    assert list(published["individuals_private"].astype("Float64")) == [1920, pd.NA, pd.NA, 1200]
    assert list(published["suppressed_columns"]) == [
        "", "individuals_in_camp; individuals_private", "individuals_in_camp; individuals_private", ""
    ]


def test_true_zeros_stay_visible_and_the_smallest_non_zero_part_is_blanked():
    frame = pd.DataFrame({"area_id": ["A"], "total": [400], "low": [30], "medium": [0], "high": [370]})
    spec = DisclosureSpec(
        key_columns=["area_id"],
        counts={c: (c, "individuals") for c in ("total", "low", "medium", "high")},
        row_relations=[("total", ["low", "medium", "high"])],
    )
    published, suppressions = protect_table("t", frame, spec, PARAMS)
    assert [(s.column, s.reason.split(":")[0]) for s in suppressions] == [("low", "primary"), ("high", "secondary")]
    assert published.loc[0, "medium"] == 0 and published.loc[0, "total"] == 400


def test_individual_threshold_rounding_changes_and_derived_cells():
    frame = pd.DataFrame(
        {
            "area_id": ["A", "B", "C", "D"],
            "returnees": [59, 60, 1234, 1235],
            "high": [0, 60, 30, 600],
            "high_share_pct": [0, 100, 2, 49],
            "high_change": [0, 60, -30, -600],
        }
    )
    spec = DisclosureSpec(
        key_columns=["area_id"],
        counts={"returnees": ("returnees", "individuals"), "high": ("high", "individuals")},
        derived={"high_share_pct": ["high"], "high_change": ["high"]},
        denominators={"high_share_pct": "returnees"},
        changes=["high_change"],
        rounded=["returnees", "high", "high_change"],
    )
    published, suppressions = protect_table("t", frame, spec, PARAMS)
    reasons = {(s.row_key, s.column): s.reason for s in suppressions}
    assert pd.isna(published.loc[0, "returnees"]) and published.loc[1, "returnees"] == 60
    assert reasons[("area_id=A", "high_share_pct")] == "derived: denominator returnees below the threshold"
    assert reasons[("area_id=C", "high")] == "primary: fewer than 60 individuals"
    assert reasons[("area_id=C", "high_change")] == "primary: change of fewer than 60 individuals"
    assert reasons[("area_id=C", "high_share_pct")] == "derived: computed from suppressed high"
    assert list(published["returnees"].iloc[2:]) == [1230, 1240]
    assert published.loc[3, "high_change"] == -600 and published.loc[1, "high_change"] == 60
    assert published.loc[0, "high"] == 0  # a true zero is shown


@pytest.mark.parametrize(
    ("value", "base", "expected"), [(1234, 10, 1230), (1235, 10, 1240), (-1235, 10, -1240), (4, 10, 0)]
)
def test_round_to_half_away_from_zero(value, base, expected):
    assert round_to(value, base) == expected


def test_round_significant():
    assert round_significant(4_823_112) == 4_820_000
    assert round_significant(16_020) == 16_000
    assert round_significant(735) == 735


def test_a_change_from_a_small_previous_value_is_blanked():
    # A: 4 families before, 100 now: individuals 600, change +580 would give the 4 families (about 20) back.
    # B: a true zero before is no small count; C: 50 families before.
    frame = pd.DataFrame(
        {
            "area_id": ["A", "B", "C"],
            "families": [100, 100, 100],
            "families_previous": [4, 0, 50],
            "individuals": [600, 600, 600],
            "individuals_change": [580, 600, 300],
        }
    )
    spec = DisclosureSpec(
        key_columns=["area_id"],
        counts={"individuals": ("families", "households")},
        derived={"individuals_change": ["individuals"]},
        changes=["individuals_change"],
        previous={"individuals_change": ("families_previous", "households")},
        rounded=["individuals", "individuals_change"],
    )
    published, suppressions = protect_table("t", frame, spec, PARAMS)
    assert [(s.row_key, s.column, s.reason) for s in suppressions] == [
        ("area_id=A", "individuals_change", "derived: previous value of fewer than 10 households")
    ]
    assert pd.isna(published.loc[0, "individuals_change"]) and published.loc[0, "individuals"] == 600
    assert list(published["individuals_change"].iloc[1:]) == [600, 300]
    # where only individuals are known the threshold is 60 individuals
    spec = DisclosureSpec(
        key_columns=["area_id"],
        counts={"individuals": ("individuals", "individuals")},
        changes=["individuals_change"],
        previous={"individuals_change": ("individuals_previous", "individuals")},
    )
    frame = frame.assign(individuals_previous=[20, 0, 60])
    published, _suppressions = protect_table("t", frame, spec, PARAMS)
    assert published["individuals_change"].isna().tolist() == [True, False, False]


def test_every_published_rounding_is_half_away_from_zero():
    from ds_pipeline.lib.products.disclosure import round_half_away, round_to
    from ds_pipeline.lib.products.edition import Field
    from ds_pipeline.lib.products.pack import format_value

    assert [round_half_away(v) for v in (2.5, -2.5, 0.5, 1.5)] == [3.0, -3.0, 1.0, 2.0]  # round() gives 2, -2, 0, 2
    assert round_half_away(2.675, 2) == 2.68 and round_half_away(0.125, 2) == 0.13  # as written, not as stored
    assert round_to(25, 10) == 30 and round_to(-25, 10) == -30
    assert format_value(2.5, Field("x", "integer", "", "")) == "3"
    assert format_value(0.125, Field("x", "number", "", "", 2)) == "0.13"
    assert format_value(-0.04, Field("x", "number", "", "", 1)) == "0.0"
