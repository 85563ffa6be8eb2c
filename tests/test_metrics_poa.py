"""Tests of POA implementation status, overdue actions and reporting timeliness on hand-made submissions."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ds_pipeline.lib.metrics.poa import (
    POA_OVERDUE_ACTIONS_COLUMNS,
    POA_STATUS_BY_CRITERION_COLUMNS,
    POA_TIMELINESS_COLUMNS,
    poa_status,
    reporting_deadline,
)

NAT = pd.NaT


def _action(area, month, action_id, criterion, status, due, target, achieved, submitted, lead="UNDP", row=2):
    return {
        "area": area,
        "report_month": month,
        "action_id": action_id,
        "action": f"Action {action_id}",
        "iasc_criterion": criterion,
        "lead_org": lead,
        "partner_orgs": "",
        "target": float(target),
        "achieved": float(achieved),
        "status": status,
        "due_date": pd.Timestamp(due) if due else NAT,
        "submitted_on": pd.Timestamp(submitted),
        "barriers": "",
        "source_file": f"files/poa/{area}_{month}.xlsx",
        "source_row": row,
    }


def _submissions() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # Sinjar, September report, submitted 8 October (deadline 10 October)
            _action("Sinjar", "2026-09", "A1", 1, "on_track", "2026-12-31", 10, 2, "2026-10-08"),
            _action("Sinjar", "2026-09", "A2", 1, "delayed", "2026-10-15", 5, 1, "2026-10-08"),
            _action("Sinjar", "2026-09", "A3", 4, "completed", "2026-08-31", 3, 3, "2026-10-08", lead="NRC"),
            _action("Sinjar", "2026-09", "A4", 4, "not_started", "2026-09-30", 0, 0, "2026-10-08", lead="NRC"),
            # Sinjar, October report (A1 and A2 only), first sent 12 November, A1 corrected on 14 November
            _action("Sinjar", "2026-10", "A1", 1, "on_track", "2026-12-31", 10, 4, "2026-11-12"),
            _action("Sinjar", "2026-10", "A2", 1, "delayed", "2026-10-15", 5, 1, "2026-11-12", row=3),
            _action("Sinjar", "2026-10", "A1", 1, "on_track", "2026-12-31", 10, 5, "2026-11-14"),
            # Balad, October report, submitted on the deadline day; no due date, no target
            _action("Balad", "2026-10", "B1", 2, "on_track", None, 0, 0, "2026-11-10"),
        ]
    )


def _line(table, month, area, criterion):
    match = table[(table["report_month"] == month) & (table["area"] == area) & (table["iasc_criterion"] == criterion)]
    assert len(match) == 1
    return match.iloc[0]


def _counts(line):
    return tuple(int(line[c]) for c in ("actions", "completed", "on_track", "delayed", "overdue", "not_started"))


def test_status_as_of_the_end_of_the_first_month():
    by_criterion, overdue, _ = poa_status(_submissions())
    # as of 30 Sep: A1 on track; A2 delayed (due 15 Oct); A3 completed although its due date passed;
    # A4 is due on 30 Sep itself, which is not before the as-of date -> still not_started
    assert _counts(_line(by_criterion, "2026-09", "Sinjar", 1)) == (2, 0, 1, 1, 0, 0)
    assert _counts(_line(by_criterion, "2026-09", "Sinjar", 4)) == (2, 1, 0, 0, 0, 1)
    c1 = _line(by_criterion, "2026-09", "Sinjar", 1)
    # target 10 + 5 = 15, achieved 2 + 1 = 3 -> 0.2
    assert (c1["target"], c1["achieved"], c1["achieved_share"]) == (15.0, 3.0, pytest.approx(0.2))
    assert overdue[overdue["report_month"] == "2026-09"].empty
    # Balad had not reported by September
    assert "Balad" not in set(by_criterion.loc[by_criterion["report_month"] == "2026-09", "area"])


def test_overdue_vs_delayed_vs_completed_in_the_next_month():
    by_criterion, overdue, _ = poa_status(_submissions())
    # as of 31 Oct: A1 on track (latest: corrected row, achieved 5); A2 delayed but due 15 Oct -> overdue;
    # A3 completed (carried from September); A4 not_started, due 30 Sep -> overdue (carried from September)
    assert _counts(_line(by_criterion, "2026-10", "Sinjar", 1)) == (2, 0, 1, 0, 1, 0)
    assert _counts(_line(by_criterion, "2026-10", "Sinjar", 4)) == (2, 1, 0, 0, 1, 0)
    c1 = _line(by_criterion, "2026-10", "Sinjar", 1)
    # achieved 5 (A1, corrected) + 1 (A2) = 6 of 15 -> 0.4
    assert (c1["achieved"], c1["achieved_share"]) == (6.0, pytest.approx(0.4))
    october = overdue[overdue["report_month"] == "2026-10"]
    # A2: 31 Oct - 15 Oct = 16 days; A4: 31 Oct - 30 Sep = 31 days; status as reported
    assert list(
        zip(october["action_id"], october["days_overdue"], october["status"], october["lead_org"], strict=True)
    ) == [("A2", 16, "delayed", "UNDP"), ("A4", 31, "not_started", "NRC")]
    balad = _line(by_criterion, "2026-10", "Balad", 2)
    # no due date -> never overdue; target 0 -> achieved_share NaN
    assert _counts(balad) == (1, 0, 1, 0, 0, 0)
    assert math.isnan(balad["achieved_share"])


def test_timeliness_against_the_deadline():
    _, _, timeliness = poa_status(_submissions())
    rows = list(
        zip(
            timeliness["report_month"],
            timeliness["area"],
            timeliness["submitted_on"],
            timeliness["deadline"],
            timeliness["on_time"],
            timeliness["actions_reported"],
            strict=True,
        )
    )
    assert rows == [
        # September: 8 Oct <= 10 Oct -> on time, 4 actions
        ("2026-09", "Sinjar", pd.Timestamp("2026-10-08"), pd.Timestamp("2026-10-10"), True, 4),
        # October: submitted on the deadline day counts as on time
        ("2026-10", "Balad", pd.Timestamp("2026-11-10"), pd.Timestamp("2026-11-10"), True, 1),
        # first submission 12 Nov > 10 Nov -> late; A1 twice counts once -> 2 actions
        ("2026-10", "Sinjar", pd.Timestamp("2026-11-12"), pd.Timestamp("2026-11-10"), False, 2),
    ]
    _, _, later_deadline = poa_status(_submissions(), deadline_day=12)
    assert later_deadline["on_time"].tolist() == [True, True, True]


def test_deadline_in_a_short_month():
    # day 31 of February does not exist: the deadline is its last day
    assert reporting_deadline("2026-01", 31) == pd.Timestamp("2026-02-28")
    assert reporting_deadline("2026-12", 10) == pd.Timestamp("2027-01-10")
    with pytest.raises(ValueError):
        poa_status(_submissions(), deadline_day=0)


def test_columns_dtypes_and_input_order():
    tables = poa_status(_submissions())
    for table, columns in zip(
        tables, (POA_STATUS_BY_CRITERION_COLUMNS, POA_OVERDUE_ACTIONS_COLUMNS, POA_TIMELINESS_COLUMNS), strict=True
    ):
        assert list(table.columns) == list(columns)
    assert tables[0]["overdue"].dtype == "int64"
    assert tables[1]["days_overdue"].dtype == "int64"
    assert tables[2]["on_time"].dtype == bool
    reversed_input = _submissions().iloc[::-1].reset_index(drop=True)
    for expected, got in zip(tables, poa_status(reversed_input), strict=True):
        pd.testing.assert_frame_equal(expected, got)


def test_empty_submissions():
    tables = poa_status(_submissions().iloc[0:0])
    assert all(table.empty for table in tables)
    assert list(tables[1].columns) == list(POA_OVERDUE_ACTIONS_COLUMNS)
