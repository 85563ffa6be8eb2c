"""Planted bad rows of the demo DTM Master Lists and Return Index: about 1% of the rows, one problem each
(non-numbers, negatives, broken DTM estimates, duplicates, missing, unknown and legacy p-codes), listed in the
manifest so the tests can check that each is quarantined at its file, row and stage."""

from __future__ import annotations

import random

from ds_pipeline.lib.demo.geography import Geography
from ds_pipeline.lib.demo.tables import STAGE_CONFORMED, STAGE_VALIDATED, DemoFile

PLANTED_SHARE = 0.01


def _planted_count(files: list[DemoFile], kinds: int) -> int:
    rows = sum(len(f.rows) for f in files)
    return max(kinds, int(round(PLANTED_SHARE * rows)))


class _RowPicker:
    """Draws rows to spoil, without replacement, from the rows of each file that may be planted."""

    def __init__(self, files: list[DemoFile], id_column: str, never: set[str]) -> None:
        self.pools = {f.relative_path: [r for r in f.rows if r[id_column] not in never] for f in files}

    def pick(self, rng: random.Random, demo_file: DemoFile) -> dict[str, str]:
        pool = self.pools[demo_file.relative_path]
        index = rng.randrange(len(pool))
        pool[index], pool[-1] = pool[-1], pool[index]
        return pool.pop()


def _unknown_pcode(rng: random.Random, row: dict[str, str], geography: Geography) -> tuple[str, str]:
    """(column, value) of a p-code that looks right but is not in the gazetteer."""
    if rng.random() < 0.5:
        governorate = row["Governorate Pcode"]
        number = len(geography.districts(governorate)) + rng.randrange(1, 5)
        return "District Pcode", f"{governorate}Q{number:02d}"
    district = row["District Pcode"]
    number = len(geography.subdistricts(district)) + rng.randrange(1, 4)
    return "Sub-district Pcode", f"{district}N{number:02d}"


def legacy_pcode(rng: random.Random) -> str:
    """A 2014-era district or sub-district code (IQ-D045, IQ15053): a different numbering from COD-AB."""
    if rng.random() < 0.5:
        return f"IQ-D{rng.randrange(1, 125):03d}"
    return f"IQ{rng.randrange(10, 29)}{rng.randrange(1, 999):03d}"


def plant_displacement(rng: random.Random, files: list[DemoFile], never: set[str], geography: Geography) -> None:
    """About 1% bad rows, one problem each, spread over the rounds."""
    problems = (
        "non-numeric value", "negative value", "individuals mismatch", "shelter sum mismatch",
        "duplicate location id", "missing p-code", "p-code not in gazetteer", "legacy p-code",
    )
    picker = _RowPicker(files, "Place id", never)
    for k in range(_planted_count(files, len(problems))):
        problem = problems[k % len(problems)]
        demo_file = files[(k // len(problems) + k % len(problems)) % len(files)]
        row = picker.pick(rng, demo_file)
        if problem == "non-numeric value":
            row["Families"] = rng.choice(("N/A", "approx. 40", "12a", "unknown", "??"))
            demo_file.plant(row, "Families", problem, STAGE_VALIDATED)
        elif problem == "negative value":
            row["Families"] = str(-int(row["Families"]))
            demo_file.plant(row, "Families", problem, STAGE_VALIDATED)
        elif problem == "individuals mismatch":
            expected = int(row["Individuals"])
            wrong = max(0, expected + rng.choice((-6, -2, 1, 3, 6, 12)))
            row["Individuals"] = str(wrong if wrong != expected else expected + 1)
            demo_file.plant(row, "Individuals", problem, STAGE_VALIDATED)
        elif problem == "shelter sum mismatch":
            row["Families in private settings"] = str(int(row["Families in private settings"])
                                                     + rng.choice((1, 2, 3, 5, 10)))
            demo_file.plant(row, "Families in private settings", problem, STAGE_VALIDATED)
        elif problem == "duplicate location id":
            duplicate = dict(row)
            demo_file.insert_after(row, duplicate)
            demo_file.plant(duplicate, "Place id", problem, STAGE_VALIDATED)
        else:
            _plant_pcode_problem(rng, demo_file, row, problem, geography)


def _plant_pcode_problem(
    rng: random.Random, demo_file: DemoFile, row: dict[str, str], problem: str, geography: Geography
) -> None:
    """Plant one of the p-code problems shared by the DTM lists and the Return Index."""
    if problem == "missing p-code":  # and no name either: a district name alone would resolve the district
        row["District Pcode"] = ""
        row["District"] = ""
        demo_file.plant(row, "District Pcode", problem, STAGE_VALIDATED)
    elif problem == "p-code not in gazetteer":
        column, value = _unknown_pcode(rng, row, geography)
        row[column] = value
        demo_file.plant(row, column, problem, STAGE_CONFORMED)
    else:
        row["District Pcode"] = legacy_pcode(rng)
        demo_file.plant(row, "District Pcode", problem, STAGE_CONFORMED)


def plant_return_index(
    rng: random.Random, files: list[DemoFile], never: set[str], geography: Geography, indicator_names: list[str]
) -> None:
    problems = ("score out of range", "indicator out of range", "missing p-code", "p-code not in gazetteer",
                "legacy p-code")
    picker = _RowPicker(files, "Location ID", never)
    for k in range(_planted_count(files, len(problems))):
        problem = problems[k % len(problems)]
        demo_file = files[(k // len(problems) + k % len(problems)) % len(files)]
        row = picker.pick(rng, demo_file)
        if problem == "score out of range":
            row["Overall score"] = rng.choice(("104.35", "-3.50", "250.00", "101.20"))
            demo_file.plant(row, "Overall score", problem, STAGE_VALIDATED)
        elif problem == "indicator out of range":
            column = rng.choice(indicator_names)
            row[column] = rng.choice(("2", "-1", "1.5", "10"))
            demo_file.plant(row, column, problem, STAGE_VALIDATED)
        else:
            _plant_pcode_problem(rng, demo_file, row, problem, geography)
