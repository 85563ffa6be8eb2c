"""The "What changed" sentences never hide a tie and never call a component stable when it moved the other way."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ds_pipeline.lib.products.disclosure import DisclosureParameters
from ds_pipeline.lib.products.edition import AsOfSlice, PublicationTable
from ds_pipeline.lib.products.what_changed import (
    _criteria_sentence,
    _poa_sentence,
    _severity_driver,
    _severity_sentence,
    join_names,
)

PARAMS = DisclosureParameters.from_settings({"disclosure": {"min_households": 10, "round_individuals_to": 10}})


def _table(name: str, rows: list[dict]) -> PublicationTable:
    return PublicationTable(name, name, "", [], pd.DataFrame(rows))


def _overdue(*pairs: tuple[str, int]) -> dict[str, PublicationTable]:
    rows = [{"area": area, "iasc_criterion": criterion, "lead_org": f"ORG-{i}"} for i, (area, criterion) in
            enumerate(pairs)]
    return {"poa_overdue_actions": _table("poa_overdue_actions", rows)}


def test_join_names():
    assert [join_names(n) for n in ([], ["A"], ["A", "B"], ["A", "B", "C"])] == ["", "A", "A and B", "A, B and C"]


def test_poa_sentence_names_every_criterion_and_area_that_share_the_most_overdue_actions():
    part = AsOfSlice(as_of=dt.date(2026, 11, 22), poa_month="2026-10")
    # criteria 1 and 2 have two overdue actions each, criterion 5 one; Sinjar and Balad two actions each
    tied = _poa_sentence(_overdue(("Sinjar", 1), ("Sinjar", 2), ("Balad", 1), ("Balad", 2), ("Ramadi", 5)), part)
    assert "most concern criterion" not in tied
    assert "most concern, in equal numbers, criteria 1 and 2" in tied
    assert "2 each in Balad and Sinjar" in tied
    # one criterion ahead: named alone
    single = _poa_sentence(_overdue(("Sinjar", 1), ("Sinjar", 1), ("Balad", 2)), part)
    assert "2 of them in Sinjar" in single and "most concern criterion 1, safety" in single
    # every criterion equal: said so
    even = _poa_sentence(_overdue(("Sinjar", 3), ("Balad", 4)), part)
    assert "they concern, in equal numbers, criteria 3 and 4" in even


def _district(scale1: tuple[float, float], scale2: tuple[float, float], locations: tuple[int, int],
              returnees: tuple[int, int] = (20000, 20000)) -> pd.Series:
    return pd.Series({
        "mean_scale1_score": scale1[1], "mean_scale1_score_previous": scale1[0],
        "mean_scale2_score": scale2[1], "mean_scale2_score_previous": scale2[0],
        "locations_high": locations[1], "locations_high_previous": locations[0],
        "returnee_individuals": returnees[1], "returnee_individuals_previous": returnees[0],
    })


def test_a_component_moving_the_other_way_is_not_called_stable():
    # returnees in high severity rose with 2 more locations in high severity, while scale 2 improved by 3 points
    driver = _severity_driver(_district((50, 50.2), (60, 57), (3, 5)), "rose", PARAMS, {})
    assert "stable" not in driver
    assert driver == ("driven by 2 more locations in high severity, with scores improving "
                      "(safety and social cohesion −3.0 points)")
    # both scales within the naming threshold: stable is true
    calm = _severity_driver(_district((50, 50.2), (60, 59.8), (3, 5)), "rose", PARAMS, {})
    assert calm == "driven by 2 more locations in high severity, with scores stable"
    # more returnees while one location fewer is in high severity: the locations are not "stable" either
    returnees = _severity_driver(_district((50, 50), (60, 60), (5, 4), (20000, 26000)), "rose", PARAMS, {})
    assert returnees == ("driven by more returnees in the district (6,000), with scores stable and 1 fewer "
                         "locations in high severity")


def test_scales_moving_by_the_same_amount_are_both_named():
    driver = _severity_driver(_district((50, 52), (60, 62), (3, 3)), "rose", PARAMS, {})
    assert driver == "driven by both scales (+2.0 points each)"


def _severity_tables(changes: dict[str, float]) -> tuple[dict[str, PublicationTable], AsOfSlice]:
    names = {"IQG15Q06": "Sinjar", "IQG16Q05": "Balad", "IQG01Q03": "Ramadi"}
    published, raw = [], []
    for area_id, change in changes.items():
        base = {"area_level": "district", "area_id": area_id, "area_name": names[area_id],
                "admin1_pcode": area_id[:5], "round_id": "R2", "previous_round_id": "R1"}
        published.append({**base, "returnees_in_high_severity_change": change, "returnees_high": 5000.0,
                          "returnee_individuals": 9000.0, "suppressed_columns": ""})
        raw.append({**base, **_district((50, 52), (60, 60), (3, 3)).to_dict()})
    governorates = [{"area_level": "governorate", "area_id": a, "area_name": n, "admin1_pcode": a}
                    for a, n in (("IQG15", "Ninewa"), ("IQG16", "Salah Al-Din"), ("IQG01", "Al-Anbar"))]
    tables = {"area_severity": _table("area_severity", governorates + published),
              "displacement": _table("displacement", [])}
    part = AsOfSlice(as_of=dt.date(2026, 11, 22), severity=pd.DataFrame(raw))
    return tables, part


def test_districts_tied_for_the_largest_change_are_all_named():
    tables, part = _severity_tables({"IQG15Q06": 3000.0, "IQG16Q05": 3000.0, "IQG01Q03": 1000.0})
    sentence = _severity_sentence(tables, part, PARAMS, {})
    assert sentence.startswith("Sinjar (Ninewa): returnees living in high-severity locations rose by 3,000")
    assert sentence.endswith("The number rose by as much in Balad (Salah Al-Din).")
    alone = _severity_sentence(*_severity_tables({"IQG15Q06": 3000.0, "IQG16Q05": 2990.0}), PARAMS, {})
    assert "as much" not in alone


def test_tied_widest_criteria_gaps_are_all_named_once():
    def row(level, area_id, name, group, criterion, gap):
        return {"area_level": level, "area_id": area_id, "area_name": name, "population_group": group,
                "criterion": criterion, "criterion_name": "Documentation", "assessed": True, "gap_pp": gap,
                "survey_round": "2026"}

    rows = [
        row("poa_area", "Sinjar", "Sinjar", "idp_in_camp", 5, -40),
        row("district", "IQG15Q07", "Sinjar", "idp_in_camp", 5, -40),  # the same place at district level
        row("district", "IQG16Q05", "Balad", "returnee", 5, -40),
        row("district", "IQG01Q03", "Ramadi", "returnee", 5, -12),
    ]
    sentence = _criteria_sentence({"criteria_progress": _table("criteria_progress", rows)})
    assert sentence.startswith("The widest criteria gap is in Sinjar: IDPs in camps are 40 percentage points")
    assert sentence.endswith("The gap is as wide for returnees in Balad on criterion 5.")
    assert sentence.count("Sinjar") == 1
