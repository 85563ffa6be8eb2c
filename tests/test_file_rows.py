"""A file's data rows built column by column give the same raw table as building one record per row."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from ds_pipeline.lib.file_rows import ROW_NUMBER, file_rows_table

COLUMNS = ["source_id", "source_row", "round_id", "admin1_pcode", "families", "individuals", "note", "read_problem"]


def records_table(
    rows: list[list[str]], first_row_number: int, columns: list[str], values: dict[str, object], cells: dict[str, int]
) -> pd.DataFrame:
    """The table as one record per non-blank row."""
    records = []
    for offset, row in enumerate(rows):
        if not any(cell for cell in row):
            continue
        record: dict[str, object] = {}
        for name, value in values.items():
            record[name] = str(first_row_number + offset) if value is ROW_NUMBER else value
        for name, index in cells.items():
            record[name] = row[index] if index < len(row) else ""
        records.append(record)
    return pd.DataFrame(records, columns=columns).fillna("")


def test_rows_of_any_length_match_one_record_per_row() -> None:
    draw = random.Random(11)
    for _ in range(200):
        rows = [[draw.choice(["", "7", "IQG01", " x", "ع"]) for _ in range(draw.randint(0, 6))]
                for _ in range(draw.randint(0, 12))]
        cells = {name: draw.randint(0, 5) for name in draw.sample(["admin1_pcode", "families", "individuals"], 2)}
        values: dict[str, object] = {"source_id": "dtm", "source_row": ROW_NUMBER, "round_id": draw.choice(["R1", ""]),
                                     "read_problem": draw.choice(["", "missing column 'X'"])}
        first = draw.randint(2, 5)
        pd.testing.assert_frame_equal(file_rows_table(rows, first, COLUMNS, values, cells),
                                      records_table(rows, first, COLUMNS, values, cells), check_exact=True)


@pytest.mark.parametrize("value", [None, float("nan"), 3, True])
def test_a_value_that_is_not_a_text_keeps_the_type_it_has_in_records(value: object) -> None:
    rows = [["IQG01", "4"], [], ["IQG02"]]
    values = {"source_id": "dtm", "source_row": ROW_NUMBER, "note": value, "read_problem": ""}
    cells = {"admin1_pcode": 0, "families": 1}
    pd.testing.assert_frame_equal(file_rows_table(rows, 3, COLUMNS, values, cells),
                                  records_table(rows, 3, COLUMNS, values, cells), check_exact=True)


def test_blank_rows_only_give_an_empty_table_of_the_columns() -> None:
    table = file_rows_table([[], ["", ""]], 2, COLUMNS, {"source_id": "dtm"}, {"families": 0})
    pd.testing.assert_frame_equal(table, records_table([], 2, COLUMNS, {}, {}), check_exact=True)
    assert list(table.columns) == COLUMNS and table.empty
