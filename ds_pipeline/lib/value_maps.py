"""Value maps: provider values (free-text sector labels, status words) mapped to canonical codes before validation.

A shipped reference of the global clusters and areas of responsibility (codes, English and French names, labels
common in 3W/4W files) and of the 4W statuses applies to every `service_mapping` source, so "WASH", "Food
Security", "PROTECTION_OP" or "Completed" need no map. A registry entry's own `values:` map (per canonical column)
is tried first and may map any column of its kind. Matching ignores case, accents, spaces and punctuation
(`normalise_value`). A value found in neither is reported with the accepted codes and the closest one.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ds_pipeline.lib.canonical import SECTOR_CODES, SERVICE_STATUSES

# code: (English name, French name, other labels seen in 3W/4W files). Codes are those of canonical.SECTOR_CODES.
CLUSTER_REFERENCE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "SHL": ("Shelter", "Abris", (
        "Emergency Shelter", "SNFI", "S/NFI", "Shelter/NFI", "Shelter and NFI", "Shelter & NFI",
        "Shelter and Non-Food Items", "Shelter/Non-Food Items", "Emergency Shelter and NFI", "ES/NFI", "ESNFI",
        "NFI", "Non-Food Items",
        "Shelter cluster", "Abris et articles non alimentaires", "Abris/AME", "Abris/NFI",
    )),
    "CCM": ("Camp Coordination and Camp Management", "Coordination et gestion des camps", (
        "CCCM", "Camp Coordination & Camp Management", "Camp Coordination/Camp Management", "Camp Management",
        "Camp Coordination", "CCCM cluster", "CCCM/Shelter", "CGC",
    )),
    "FSC": ("Food Security", "Sécurité alimentaire", (
        "Food Security and Livelihoods", "Food Security & Livelihoods", "FSL", "Food Security and Agriculture",
        "Food", "Food Assistance", "Food Security cluster", "FS", "SECAL", "Sécurité alimentaire et moyens d'existence",
    )),
    "WSH": ("Water, Sanitation and Hygiene", "Eau, hygiène et assainissement", (
        "WASH", "Water Sanitation Hygiene", "Water, Sanitation & Hygiene", "Water and Sanitation", "WASH cluster",
        "EHA", "Eau hygiène assainissement",
    )),
    "PRO": ("Protection", "Protection", (
        "PROTECTION_OP", "Protection cluster", "General Protection", "Protection (general)", "PROT",
    )),
    "PRO-CP": ("Child Protection", "Protection de l'enfance", (
        "CP", "Child Protection AoR", "Child Protection sub-cluster", "Child Protection Sub-Cluster",
        "Protection - Child Protection", "Protection/Child Protection", "CPAoR", "CP AoR",
    )),
    "PRO-GBV": ("Gender-Based Violence", "Violences basées sur le genre", (
        "GBV", "SGBV", "Gender Based Violence", "Sexual and Gender-Based Violence", "GBV AoR", "GBV sub-cluster",
        "Protection - GBV", "Protection/GBV", "VBG",
    )),
    "PRO-HLP": ("Housing, Land and Property", "Logement, terre et propriété", (
        "HLP", "Housing Land and Property", "Housing, Land & Property", "HLP AoR", "Protection - HLP",
        "Protection/HLP", "LTP",
    )),
    "PRO-MA": ("Mine Action", "Lutte antimines", (
        "MA", "Mine Action AoR", "Mine Action sub-cluster", "Explosive Hazards", "Protection - Mine Action",
        "Protection/Mine Action", "Humanitarian Mine Action", "Action contre les mines",
    )),
    "EDU": ("Education", "Éducation", ("Education cluster", "EiE", "Education in Emergencies")),
    "NUT": ("Nutrition", "Nutrition", ("Nutrition cluster",)),
    "HEA": ("Health", "Santé", ("Health cluster", "Health and Nutrition")),
    "ERY": ("Early Recovery", "Relèvement précoce", (
        "Early Recovery cluster", "Emergency Livelihoods", "Emergency Livelihoods and Social Cohesion",
        "Emergency Livelihoods & Social Cohesion", "EL&SC", "ELSC", "Livelihoods and Social Cohesion",
        "Early Recovery and Livelihoods",
    )),
    "LOG": ("Logistics", "Logistique", ("Logistics cluster", "Log")),
    "TEL": ("Emergency Telecommunications", "Télécommunications d'urgence", (
        "ETC", "Emergency Telecommunications Cluster", "Emergency Telecom", "Telecommunications", "Telecoms",
    )),
}

# status: words meaning it (English and French), matched like the sector labels.
STATUS_REFERENCE: dict[str, tuple[str, ...]] = {
    "completed": ("Complete", "Finished", "Done", "Closed", "Ended", "Achieved", "Terminé", "Achevé", "Fini"),
    "ongoing": (
        "On-going", "On going", "In progress", "In-progress", "Active", "Current", "Implementing",
        "Under implementation", "Running", "En cours",
    ),
    "planned": ("Pipeline", "In pipeline", "Proposed", "Planning", "Not started", "Prévu", "Planifié"),
}

# Shown with a code in reasons ("HEA (Health)").
_SECTOR_NAMES = {code: CLUSTER_REFERENCE[code][0] for code in SECTOR_CODES}


def normalise_value(value: object) -> str:
    """Comparable form of a provider value: accents, case, '&' vs 'and', punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    return " ".join(re.sub(r"[\s_\-/,.;:()'’`+]+", " ", text).split())


@dataclass(frozen=True)
class Reference:
    """Accepted codes of one canonical column, the labels of each, and the noun used in reasons."""

    noun: str
    labels: dict[str, tuple[str, ...]]  # code -> labels (the code itself is always accepted)
    names: dict[str, str]  # code -> name shown beside it in reasons

    def lookup(self) -> dict[str, str]:
        """Normalised label or code -> code."""
        table: dict[str, str] = {}
        for code, labels in self.labels.items():
            for label in (*labels, code):
                table.setdefault(normalise_value(label), code)
        return table


REFERENCES: dict[tuple[str, str], Reference] = {
    ("service_mapping", "sector_code"): Reference(
        "sector",
        {code: (names[0], names[1], *names[2]) for code, names in CLUSTER_REFERENCE.items()},
        _SECTOR_NAMES,
    ),
    ("service_mapping", "status"): Reference(
        "status", {status: STATUS_REFERENCE[status] for status in SERVICE_STATUSES}, {}
    ),
}

# Where the provider's text of a mapped value is kept beside the code (a canonical column of the kind).
LABEL_COLUMNS: dict[tuple[str, str], str] = {("service_mapping", "sector_code"): "sector_label"}

VALUE_CHECK = "value_known"


def accepted_codes(kind: str, column: str) -> list[str] | None:
    """Codes a column of a kind accepts when it has a shipped reference, else None (any value)."""
    reference = REFERENCES.get((kind, column))
    return list(reference.labels) if reference else None


def _unknown_message(value: str, reference: Reference, extra: Mapping[str, str]) -> str:
    lookup = reference.lookup() | {normalise_value(k): v for k, v in extra.items()}
    close = difflib.get_close_matches(normalise_value(value), list(lookup), n=1, cutoff=0.6)
    codes = ", ".join(reference.labels)
    message = f"'{value}' is not a known {reference.noun}; expected one of {codes}"
    if close:
        code = lookup[close[0]]
        name = reference.names.get(code)
        message += f"; closest: {code} ({name})" if name else f"; closest: {code}"
    return message


def map_column(
    values: pd.Series, kind: str, column: str, entry_map: Mapping[str, str] | None = None
) -> tuple[pd.Series, dict[int, str]]:
    """Values of one column mapped to codes, and {index: reason} for values in neither map (empty stays empty).

    `entry_map` (the registry entry's `values:` for the column) is tried first, then the shipped reference. A
    column without a reference keeps values its entry map does not name (validation checks them as before)."""
    reference = REFERENCES.get((kind, column))
    own = {normalise_value(k): str(v) for k, v in (entry_map or {}).items()}
    lookup = reference.lookup() if reference else {}
    text = values.fillna("").astype(str).str.strip()
    mapped: dict[str, str] = {}
    unknown: dict[str, str] = {}
    for value in text.unique():
        if value == "":
            mapped[value] = ""
            continue
        key = normalise_value(value)
        code = own.get(key) or lookup.get(key)
        if code is not None:
            mapped[value] = code
        elif reference is None:
            mapped[value] = value
        else:
            mapped[value] = value
            unknown[value] = _unknown_message(value, reference, entry_map or {})
    result = text.map(mapped)
    problems = {int(i): unknown[v] for i, v in text.items() if v in unknown}
    return result, problems


def apply_value_maps(
    raw: pd.DataFrame, kind: str, values_of_source: Mapping[str, Mapping[str, Mapping[str, str]]]
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """A copy of `raw` with mapped values, and (index, column, reason) for each value no map knows.

    `values_of_source`: source id -> the entry's `values:` (column -> provider value -> code). The provider's text
    of a mapped value is kept in the column's label column (`LABEL_COLUMNS`) when that is empty and the text is
    not the code itself; the raw table is left as read."""
    mapped = raw.copy()
    failures: list[tuple[int, str, str]] = []
    shipped = [column for (k, column) in REFERENCES if k == kind]
    source_ids = mapped["source_id"] if "source_id" in mapped.columns else pd.Series("", index=mapped.index)
    for source_id, rows in mapped.groupby(source_ids, sort=False).groups.items():
        own = values_of_source.get(str(source_id), {}) or {}
        for column in dict.fromkeys([*shipped, *own]):
            if column not in mapped.columns:
                continue
            given = mapped.loc[rows, column].fillna("").astype(str).str.strip()
            codes, problems = map_column(given, kind, column, own.get(column))
            mapped.loc[rows, column] = codes
            failures += [(index, column, message) for index, message in problems.items()]
            label = LABEL_COLUMNS.get((kind, column))
            if label and label in mapped.columns:
                keep = (mapped.loc[rows, label].fillna("").astype(str).str.strip() == "") & (given != codes)
                mapped.loc[keep[keep].index, label] = given[keep]
    return mapped, sorted(failures)


# IASC durable-solutions criteria a sector's activities serve when a 3W gives no criterion (settings
# `service_gaps.sector_criteria` replaces it). 1 safety, 2 adequate standard of living, 3 livelihoods, 4 HLP,
# 5 documentation, 6 family reunification, 7 participation, 8 remedies and justice.
DEFAULT_SECTOR_CRITERIA: dict[str, tuple[int, ...]] = {
    "PRO": (1, 4, 5, 8),
    "PRO-CP": (1, 6),
    "PRO-GBV": (1, 8),
    "PRO-HLP": (4, 8),
    "PRO-MA": (1,),
    "SHL": (2, 4),
    "CCM": (2,),
    "FSC": (2,),
    "WSH": (2,),
    "HEA": (2,),
    "EDU": (2,),
    "NUT": (2,),
    "ERY": (3,),
}
