"""Building blocks of the demo generator: seeded randomness, data files held as rows, planted problems, writers.

A `DemoFile` holds the rows of one data file as provider cell values (text for CSV; text, numbers or dates for
XLSX). Bad rows are planted by editing a row and recording it with `DemoFile.plant`; the spreadsheet row number
of each planted row is only known once the file is complete, so it is resolved when the manifest is written.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ds_pipeline.lib import edition_calendar

# Document properties of every demo workbook: a fixed creation time, so that rebuilt files are byte-identical.
WORKBOOK_CREATED = datetime(2026, 11, 1, 8, 0, 0)
WORKBOOK_AUTHOR = "DSTWG secretariat (demo data)"

STAGE_VALIDATED = "validated"
STAGE_CONFORMED = "conformed"


def seeded_random(seed: int, label: str) -> random.Random:
    """An independent random stream per part of the demo: changing one part never shifts another."""
    return random.Random(f"ds-pipeline-demo/{seed}/{label}")


def scaled(count: float, scale: float, minimum: int) -> int:
    """`count` at national scale times `scale`, never below `minimum`."""
    return max(minimum, int(round(count * scale)))


def month_end(year: int, month: int) -> date:
    """Last day of a month given as year and month number."""
    return edition_calendar.month_end(f"{year:04d}-{month:02d}")


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


@dataclass
class PlantedProblem:
    """One deliberately bad row: which cell is wrong, how, and at which stage the pipeline must catch it."""

    row: dict[str, Any]
    column: str
    problem: str
    stage: str


@dataclass
class DemoFile:
    """Rows of one data file, in the order they will be written."""

    source_id: str
    relative_path: str  # relative to the sources folder: files/...
    header: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    first_data_row: int = 2  # spreadsheet row number of the first data row
    sheet: str = ""
    planted: list[PlantedProblem] = field(default_factory=list)

    def plant(self, row: dict[str, Any], column: str, problem: str, stage: str, in_header: bool = True) -> None:
        """Record a bad row; `in_header=False` for a column the file lacks altogether."""
        if in_header and column not in self.header:
            raise ValueError(f"{self.relative_path}: planted column {column!r} is not in the header")
        self.planted.append(PlantedProblem(row, column, problem, stage))

    def insert_after(self, row: dict[str, Any], new_row: dict[str, Any]) -> None:
        position = next(i for i, r in enumerate(self.rows) if r is row)
        self.rows.insert(position + 1, new_row)

    def planted_records(self) -> list[dict[str, Any]]:
        """Manifest records of the planted rows, with their spreadsheet row numbers."""
        position = {id(r): i for i, r in enumerate(self.rows)}
        records = []
        for planted in self.planted:
            records.append(
                {
                    "source_id": self.source_id,
                    "source_file": self.relative_path,
                    "sheet": self.sheet,
                    "source_row": self.first_data_row + position[id(planted.row)],
                    "column": planted.column,
                    "problem": planted.problem,
                    "stage": planted.stage,
                }
            )
        return records


def fmt_float(value: float, decimals: int = 2) -> str:
    """Fixed-decimal text of a float ("-0.00" never appears)."""
    text = f"{value:.{decimals}f}"
    return "0." + "0" * decimals if text == "-0." + "0" * decimals else text


def write_csv(folder: Path, demo_file: DemoFile, *, bom: bool = False, tag_row: list[str] | None = None) -> None:
    """Write a CSV file with "\\n" line ends; `tag_row` (HXL hashtags) goes under the header."""
    path = folder / demo_file.relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(demo_file.header)
        if tag_row is not None:
            writer.writerow(tag_row)
        for row in demo_file.rows:
            writer.writerow([_csv_text(row.get(column, "")) for column in demo_file.header])


def _csv_text(value: Any) -> str:
    if isinstance(value, float):
        raise TypeError("format floats before writing a CSV cell")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
