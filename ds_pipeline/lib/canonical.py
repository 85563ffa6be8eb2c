"""Canonical columns of every source kind and of the provenance every row carries.

This module is the contract between the stages: readers produce these columns (as text), the validation
schemas coerce them to the dtypes below, conforming adds the resolved admin columns, and the metrics read them.
"""

from __future__ import annotations

from ds_pipeline.lib.i18n import N_  # names of criteria and sectors are translated in the area updates

# Provenance carried by every raw, validated, conformed and quarantined row.
PROVENANCE_COLUMNS: tuple[str, ...] = (
    "source_id",  # registry name of the source (file name of its registry entry, without .yaml)
    "source_file",  # path of the file relative to the sources folder, e.g. files/dtm/idp_master_list_R131.csv
    "file_sha256",  # SHA-256 of the file as received
    "received_at",  # file modification time, ISO 8601 UTC ("2026-11-20T08:00:00Z")
    "sheet",  # sheet name for XLSX files, "" for CSV
    "source_row",  # row number as a spreadsheet user sees it (header is row 1, or header_row)
)

# Partition column of round-based sources (displacement, return_index): "R" + DTM round number, e.g. "R131".
ROUND_COLUMN = "round_id"

# IASC durable-solutions criteria, numbered as in the IASC Framework.
IASC_CRITERIA: dict[int, str] = {
    1: N_("Safety, security and freedom of movement"),
    2: N_("Adequate standard of living"),
    3: N_("Livelihoods and employment"),
    4: N_("Housing, land and property"),
    5: N_("Documentation"),
    6: N_("Family reunification"),
    7: N_("Participation in public affairs"),
    8: N_("Access to effective remedies and justice"),
}

# Global clusters / areas of responsibility used as sector codes in the 4W.
SECTOR_CODES: dict[str, str] = {
    "SHL": N_("Shelter"),
    "CCM": N_("Camp coordination and camp management"),
    "FSC": N_("Food security"),
    "WSH": N_("Water, sanitation and hygiene"),
    "PRO": N_("Protection"),
    "PRO-CP": N_("Child protection"),
    "PRO-GBV": N_("Gender-based violence"),
    "PRO-HLP": N_("Housing, land and property"),
    "PRO-MA": N_("Mine action"),
    "EDU": N_("Education"),
    "NUT": N_("Nutrition"),
    "HEA": N_("Health"),
    "ERY": N_("Early recovery"),
    "LOG": N_("Logistics"),
    "TEL": N_("Emergency telecommunications"),
}

# DTM Iraq estimates individuals from families: x 5 in camps, x 6 elsewhere (the average Iraqi household).
DTM_CAMP_HOUSEHOLD_SIZE = 5
DTM_HOUSEHOLD_SIZE = 6

POPULATION_TYPES = ("idp", "returnee")
# Admin level of displacement figures, finest first: a DTM location, or a whole sub-district, district or
# governorate (admin-level extracts). Metrics use figures at their level and the levels above, never below.
DISPLACEMENT_ADMIN_LEVELS = ("location", "subdistrict", "district", "governorate")
# What makes a displacement row unique: round, population type, the place (the location id for location rows;
# the admin p-codes and names for admin-level rows) and the breakdowns an admin-level extract repeats a unit for.
DISPLACEMENT_PLACE_COLUMNS = (
    "location_id", "admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name", "admin3_pcode", "admin3_name",
)
DISPLACEMENT_BREAKDOWN_COLUMNS = ("displacement_reason", "origin_admin1_pcode", "origin_admin1_name", "assessment_type")
SEVERITY_CATEGORIES = ("low", "medium", "high")
POPULATION_GROUPS = ("idp_in_camp", "idp_out_of_camp", "returnee", "non_displaced")
POA_STATUSES = ("not_started", "on_track", "delayed", "completed")
SERVICE_STATUSES = ("planned", "ongoing", "completed")

# Admin units of a location (names as the provider writes them, p-codes), in displacement and Return Index rows.
LOCATION_ADMIN_COLUMNS: dict[str, str] = {
    "admin1_name": "str",
    "admin1_pcode": "str",
    "admin2_name": "str",
    "admin2_pcode": "str",
    "admin3_name": "str",
    "admin3_pcode": "str",
}

# Canonical columns per source kind: name -> dtype after validation. Readers deliver them as text ("" = empty).
# Columns whose name ends in "_name" (admin names) keep the provider's spelling next to the resolved p-codes.
CANONICAL_COLUMNS: dict[str, dict[str, str]] = {
    "gazetteer": {
        "admin_level": "int",  # 1 governorate, 2 district, 3 sub-district
        "pcode": "str",  # COD-AB p-code: IQG15, IQG15Q05, IQG15Q05N01
        "name_en": "str",
        "name_ar": "str",
        "parent_pcode": "str",  # "" for governorates
        "aliases": "str",  # other spellings separated by "|", may be ""
        "valid_from": "date",
    },
    "displacement": {
        # one row per location x round x population type (DTM Master List, wide shelter breakdown), or per admin
        # unit x round x displacement reason x origin x assessment type (DTM API v3 admin-level extracts,
        # individuals only); see DISPLACEMENT_ADMIN_LEVELS and DISPLACEMENT_BREAKDOWN_COLUMNS
        "round_id": "str",  # "R131"
        "reporting_date": "date",  # end of the round's collection period
        "population_type": "str",  # idp | returnee
        "location_id": "str",  # DTM place id
        "location_name_en": "str",
        "location_name_ar": "str",
        **LOCATION_ADMIN_COLUMNS,
        "families": "int",  # may be empty (individuals-only data); the shelter breakdown then too
        "individuals": "int",  # DTM estimate: 5 x families in camp + 6 x other families (where families are given)
        "families_in_camp": "int",
        "families_in_critical_shelter": "int",
        "families_in_private": "int",
        "families_in_unknown_shelter": "int",
        "origin_admin1_pcode": "str",  # IDPs: governorate of origin; returnees: of last displacement
        "origin_admin1_name": "str",
        "admin_level": "str",  # DISPLACEMENT_ADMIN_LEVELS; empty: the registry entry's admin_level
        "displacement_reason": "str",  # as the provider words it (conflict, climate, ...), may be ""
        "assessment_type": "str",  # as the provider words it (e.g. baseline, round), may be ""
        "operation": "str",  # the DTM operation the figures come from, may be ""
        "individuals_male": "int",  # may be empty
        "individuals_female": "int",  # may be empty
    },
    "return_index": {
        "round_id": "str",
        "ri_round": "int",  # the Return Index's own round number
        "reporting_date": "date",
        "location_id": "str",
        "location_name_en": "str",
        **LOCATION_ADMIN_COLUMNS,
        "returnee_individuals": "int",
        **{f"indicator_{i:02d}": "float" for i in range(1, 17)},  # 0 (condition met) .. 1 (not met)
        "scale1_score": "float",  # livelihoods and basic services, 0..100
        "scale2_score": "float",  # safety and social cohesion, 0..100
        "overall_score": "float",  # 0 (all conditions met) .. 100 (none met)
        "severity_source": "str",  # the source's own category: low | medium | high | very high
    },
    "service_mapping": {
        "org_acronym": "str",
        "org_name": "str",
        "org_type": "str",  # UN, international NGO, national NGO, government, Red Cross/Red Crescent, ...
        "sector_code": "str",  # key of SECTOR_CODES (provider labels mapped by value_maps)
        "sector_label": "str",  # the provider's sector text when it was mapped to a code ("Food Security"), or ""
        "activity": "str",
        "iasc_criterion": "int",  # 1..8
        "status": "str",  # planned | ongoing | completed
        "people_targeted": "int",
        "people_reached": "int",
        "period_start": "date",
        "period_end": "date",
        "admin1_name": "str",
        "admin1_pcode": "str",
        "admin2_name": "str",
        "admin2_pcode": "str",  # often empty in 4Ws: resolved from admin2_name within admin1
    },
    "poa_submission": {
        "area": "str",  # POA area name as configured in settings.yaml (e.g. Sinjar)
        "report_month": "str",  # YYYY-MM
        "action_id": "str",
        "action": "str",
        "iasc_criterion": "int",
        "lead_org": "str",
        "partner_orgs": "str",
        "target": "float",
        "achieved": "float",
        "status": "str",  # not_started | on_track | delayed | completed
        "due_date": "date",
        "submitted_on": "date",
        "barriers": "str",
    },
    "household_survey": {
        "household_id": "str",
        "survey_round": "str",  # e.g. "2025" or "2026"
        "interview_date": "date",
        "admin1_pcode": "str",
        "admin2_pcode": "str",
        "population_group": "str",  # POPULATION_GROUPS
        "weight": "float",
        "household_size": "int",
        # indicators: 1 = the household meets the condition, 0 = not, "" = not asked; listed in settings.yaml
    },
}

# Columns added by the conformed stage to any kind with admin p-codes.
CONFORMED_COLUMNS: dict[str, str] = {
    "admin1_name_en": "str",  # gazetteer names of the resolved p-codes
    "admin2_name_en": "str",
    "admin3_name_en": "str",
    "poa_area": "str",  # POA area the row falls in, "" if none
    "match_note": "str",  # how a name was resolved to a p-code when it was not given ("alias: Aqra -> Akre")
}

# Quarantine rows: one per rejected input row (the first failing check names the column).
QUARANTINE_COLUMNS: tuple[str, ...] = (
    "source_id",
    "kind",
    "round_id",  # "" for unpartitioned sources
    "stage",  # validated | conformed
    "source_file",
    "sheet",
    "source_row",
    "column",  # provider's column name (header text or HXL tag), "" when the row as a whole is wrong
    "check",  # short name of the failed rule
    "reason",  # readable sentence: "file ..., sheet ..., row 12, column 'Families': expected ..., got 'abc'"
    "raw_values",  # JSON of the row's canonical values as read
)
