"""Published file layouts a registry entry can name (`layout: dtm_api_v3`) instead of listing its column map.

Each preset is data: the kind it feeds, its column map (canonical column -> the layout's header text), and where
it has them the round column and constants. An entry's own `columns`, `constants` and `round_column` override the
preset's, so a partner's variant of a published layout stays a one-line change.
"""

from __future__ import annotations

from typing import Any

LAYOUTS: dict[str, dict[str, Any]] = {
    # IOM DTM API v3, admin-level IDP figures (the /IdpAdmin1Data and /IdpAdmin2Data endpoints and their CSV
    # exports on HDX, often with an HXL row): one row per admin unit x round x displacement reason x origin.
    # Not mapped: id (a row id, not a place), admin0Name / admin0Pcode (the country), yearReportingDate and
    # monthReportingDate (derived from reportingDate), operationStatus.
    "dtm_api_v3": {
        "kind": "displacement",
        "round_column": "roundNumber",
        "constants": {"population_type": "idp"},  # numPresentIdpInd: IDPs present
        "columns": {
            "reporting_date": "reportingDate",
            "operation": "operation",
            "admin_level": "adminLevel",
            "admin1_name": "admin1Name",
            "admin1_pcode": "admin1Pcode",
            "admin2_name": "admin2Name",
            "admin2_pcode": "admin2Pcode",
            "individuals": "numPresentIdpInd",
            "individuals_male": "numberMales",
            "individuals_female": "numberFemales",
            "displacement_reason": "displacementReason",
            "origin_admin1_name": "idpOriginAdmin1Name",
            "origin_admin1_pcode": "idpOriginAdmin1Pcode",
            "assessment_type": "assessmentType",
        },
    },
    # HDX global p-codes list (one row per admin unit of every country; filtered to one country by the file):
    # Location is the country's ISO3 code, and a governorate's Parent P-Code is the country (IRQ), not empty.
    "hdx_global_pcodes": {
        "kind": "gazetteer",
        "columns": {
            "admin_level": "Admin Level",
            "pcode": "P-Code",
            "name_en": "Name",
            "parent_pcode": "Parent P-Code",
            "valid_from": "Valid from date",
        },
    },
}
