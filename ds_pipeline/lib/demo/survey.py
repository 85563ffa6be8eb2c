"""Demo durable-solutions household survey: two rounds (June 2025, June 2026) of weighted household microdata.

Households are sampled in the districts of the POA areas and four others, by population group (IDPs in camps,
IDPs out of camps, returnees, and the non-displaced benchmark, present in every district). Each indicator is 1
when the household meets the condition, 0 when not, blank when not asked: criteria 6-8 are asked only in some
districts ("not assessed" elsewhere) and school attendance only of households large enough to have children.
Displaced groups do worse than the non-displaced; the gap narrows from 2025 to 2026 in Ramadi and widens in
Sinjar.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from ds_pipeline.lib.demo.geography import AdminUnit, Geography
from ds_pipeline.lib.demo.planted_dtm import legacy_pcode
from ds_pipeline.lib.demo.tables import (
    STAGE_CONFORMED,
    STAGE_VALIDATED,
    DemoFile,
    clamp,
    fmt_float,
    scaled,
    seeded_random,
)

SOURCE_ID = "ds_household_survey"
RELATIVE_PATH = "files/survey/ds_household_survey_2025_2026.csv"
HOUSEHOLDS_AT_FULL_SCALE = 10000
MIN_HOUSEHOLDS_PER_GROUP = 4
ROUNDS = (("2025", 2025), ("2026", 2026))  # survey round, year of the June interviews

# Indicator column -> (criterion, how much more often than average the non-displaced meet it).
INDICATORS = {
    "c1_feels_safe_walking": (1, 0.15),
    "c1_free_movement": (1, 0.12),
    "c2_acceptable_food_consumption": (2, 0.10),
    "c2_adequate_housing": (2, 0.05),
    "c2_safe_water": (2, 0.0),
    "c2_health_access": (2, 0.0),
    "c2_children_in_school": (2, 0.15),
    "c3_adult_employed": (3, -0.10),
    "c3_income_covers_needs": (3, -0.20),
    "c4_hlp_documents": (4, 0.10),
    "c4_property_not_occupied": (4, 0.20),
    "c5_civil_documents_complete": (5, 0.20),
    "c6_family_not_separated": (6, 0.20),
    "c7_participated_local_decisions": (7, -0.30),
    "c8_access_to_justice": (8, -0.15),
}
HEADER = ["_uuid", "survey_round", "interview_date", "governorate_pcode", "district_pcode", "population_group",
          "weight", "hh_size", *INDICATORS]

# How much less often each displaced group meets a criterion's conditions than the non-displaced (2025).
GROUP_GAPS = {
    "idp_in_camp": {1: 0.15, 2: 0.20, 3: 0.25, 4: 0.35, 5: 0.15, 6: 0.20, 7: 0.15, 8: 0.15},
    "idp_out_of_camp": {1: 0.10, 2: 0.15, 3: 0.15, 4: 0.30, 5: 0.12, 6: 0.15, 7: 0.10, 8: 0.10},
    "returnee": {1: 0.12, 2: 0.12, 3: 0.12, 4: 0.20, 5: 0.08, 6: 0.10, 7: 0.05, 8: 0.10},
    "non_displaced": {c: 0.0 for c in range(1, 9)},
}


@dataclass(frozen=True)
class SurveyedDistrict:
    governorate: str
    district: str
    sample_weight: float
    groups: tuple[tuple[str, float], ...]  # population group, share of the district's sample
    extra_criteria: tuple[int, ...]  # criteria 6-8 asked in this district
    benchmark: float  # how often the non-displaced meet a condition, on average
    gap_change: float  # displaced gap in 2026 relative to 2025 (<1 narrowing, >1 widening)
    benchmark_change: float  # change of the non-displaced level from 2025 to 2026


SURVEYED = (
    SurveyedDistrict("Ninewa", "Sinjar", 1.4, (("returnee", 0.40), ("idp_in_camp", 0.15), ("idp_out_of_camp", 0.15),
                                             ("non_displaced", 0.30)), (6, 7, 8), 0.62, 1.45, 0.03),
    SurveyedDistrict("Ninewa", "Al-Baaj", 1.2, (("returnee", 0.45), ("idp_out_of_camp", 0.20),
                                               ("non_displaced", 0.35)), (6,), 0.60, 1.0, 0.01),
    SurveyedDistrict("Salah Al-Din", "Balad", 1.2, (("returnee", 0.40), ("idp_out_of_camp", 0.25),
                                                  ("non_displaced", 0.35)), (6, 8), 0.68, 0.9, 0.01),
    SurveyedDistrict("Al-Anbar", "Al-Ramadi", 1.4, (("returnee", 0.35), ("idp_in_camp", 0.15),
                                                  ("idp_out_of_camp", 0.15), ("non_displaced", 0.35)),
                     (6, 7, 8), 0.72, 0.45, 0.02),
    SurveyedDistrict("Ninewa", "Al-Mosul", 1.0, (("returnee", 0.40), ("idp_out_of_camp", 0.25),
                                               ("non_displaced", 0.35)), (7, 8), 0.72, 0.85, 0.02),
    SurveyedDistrict("Al-Anbar", "Al-Falluja", 0.8, (("returnee", 0.45), ("idp_out_of_camp", 0.20),
                                                   ("non_displaced", 0.35)), (), 0.72, 0.85, 0.02),
    SurveyedDistrict("Duhok", "Sumail", 0.8, (("idp_in_camp", 0.40), ("idp_out_of_camp", 0.25),
                                           ("non_displaced", 0.35)), (6,), 0.78, 0.9, 0.01),
    SurveyedDistrict("Kirkuk", "Al-Hawiga", 0.6, (("returnee", 0.50), ("idp_out_of_camp", 0.15),
                                                ("non_displaced", 0.35)), (), 0.66, 0.85, 0.02),
)
POA_SURVEY_DISTRICTS = ("Sinjar", "Al-Baaj", "Balad", "Al-Ramadi")


def _uuid(rng: random.Random) -> str:
    text = f"{rng.getrandbits(128):032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _household_size(rng: random.Random, group: str) -> int:
    mean = 5.5 if group == "idp_in_camp" else 6.3
    return int(clamp(round(rng.gauss(mean, 2.2)), 1, 15))


def _probability(surveyed: SurveyedDistrict, offsets: dict[str, float], indicator: str, group: str,
                 year_index: int) -> float:
    criterion, lift = INDICATORS[indicator]
    benchmark = surveyed.benchmark + lift + offsets[indicator] + surveyed.benchmark_change * year_index
    gap = GROUP_GAPS[group][criterion] * (surveyed.gap_change if year_index else 1.0)
    return clamp(benchmark - gap, 0.03, 0.97)


def build_survey(seed: int, scale: float, geography: Geography) -> DemoFile:
    """The household survey file: one row per household, both rounds."""
    rng = seeded_random(seed, "survey")
    per_round = scaled(HOUSEHOLDS_AT_FULL_SCALE, scale, 0) // len(ROUNDS)
    total_weight = sum(s.sample_weight for s in SURVEYED)
    rows: list[dict[str, str]] = []
    units: list[tuple[SurveyedDistrict, AdminUnit]] = [
        (s, geography.district(s.governorate, s.district)) for s in SURVEYED
    ]
    offsets = {s.district: {name: rng.uniform(-0.06, 0.06) for name in INDICATORS} for s in SURVEYED}
    populations = {(s.district, g): rng.uniform(800, 20000) for s in SURVEYED for g, _ in s.groups}
    for year_index, (survey_round, year) in enumerate(ROUNDS):
        for surveyed, district in units:
            district_sample = per_round * surveyed.sample_weight / total_weight
            for group, share in surveyed.groups:
                count = max(MIN_HOUSEHOLDS_PER_GROUP, int(round(district_sample * share)))
                base_weight = populations[(surveyed.district, group)] / count
                for _ in range(count):
                    size = _household_size(rng, group)
                    row = {
                        "_uuid": _uuid(rng),
                        "survey_round": survey_round,
                        "interview_date": date(year, 6, rng.randint(1, 30)).isoformat(),
                        "governorate_pcode": district.parent_pcode,
                        "district_pcode": district.pcode,
                        "population_group": group,
                        "weight": fmt_float(base_weight * rng.lognormvariate(0, 0.15), 4),
                        "hh_size": str(size),
                        "_district": surveyed.district,
                    }
                    for indicator, (criterion, _) in INDICATORS.items():
                        asked = criterion <= 5 or criterion in surveyed.extra_criteria
                        if indicator == "c2_children_in_school" and size <= 2:
                            asked = False
                        if not asked:
                            row[indicator] = ""
                            continue
                        probability = _probability(surveyed, offsets[surveyed.district], indicator, group,
                                                   year_index)
                        row[indicator] = "1" if rng.random() < probability else "0"
                    rows.append(row)
    rows.sort(key=lambda r: (r["survey_round"], r["_uuid"]))
    demo_file = DemoFile(SOURCE_ID, RELATIVE_PATH, list(HEADER), rows)
    _plant(seeded_random(seed, "planted-survey"), demo_file, geography)
    for row in demo_file.rows:
        del row["_district"]
    return demo_file


def _plant(rng: random.Random, demo_file: DemoFile, geography: Geography) -> None:
    """About 1% bad rows, one problem each, outside the POA districts."""
    problems = ("weight not positive", "weight not a number", "unknown population group",
                "indicator value not 0/1", "missing p-code", "p-code not in gazetteer", "legacy p-code")
    count = max(len(problems), int(round(0.01 * len(demo_file.rows))))
    candidates = [r for r in demo_file.rows if r["_district"] not in POA_SURVEY_DISTRICTS]
    for k, row in enumerate(rng.sample(candidates, min(count, len(candidates)))):  # a tiny scale has fewer rows
        problem = problems[k % len(problems)]
        if problem == "weight not positive":
            row["weight"] = rng.choice(("0", "-1.2500", "0.0000"))
            demo_file.plant(row, "weight", problem, STAGE_VALIDATED)
        elif problem == "weight not a number":
            row["weight"] = rng.choice(("n/a", "#VALUE!", "missing"))
            demo_file.plant(row, "weight", problem, STAGE_VALIDATED)
        elif problem == "unknown population group":
            row["population_group"] = rng.choice(("refugee", "host_community", "IDP"))
            demo_file.plant(row, "population_group", problem, STAGE_VALIDATED)
        elif problem == "indicator value not 0/1":
            asked = [name for name in INDICATORS if row[name] != ""]
            column = rng.choice(asked)
            row[column] = rng.choice(("2", "yes", "99", "-1"))
            demo_file.plant(row, column, problem, STAGE_VALIDATED)
        elif problem == "missing p-code":
            row["district_pcode"] = ""
            demo_file.plant(row, "district_pcode", problem, STAGE_VALIDATED)
        elif problem == "p-code not in gazetteer":
            governorate = row["governorate_pcode"]
            number = len(geography.districts(governorate)) + rng.randrange(1, 5)
            row["district_pcode"] = f"{governorate}Q{number:02d}"
            demo_file.plant(row, "district_pcode", problem, STAGE_CONFORMED)
        else:
            row["district_pcode"] = legacy_pcode(rng)
            demo_file.plant(row, "district_pcode", problem, STAGE_CONFORMED)
