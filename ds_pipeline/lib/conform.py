"""Conform validated rows: check p-codes against the gazetteer, resolve admin names, attach POA areas.

Admin units are resolved level by level: a governorate by code or by name among the top-level units (in the HDX
layout their parent is the country, `IRQ`), a district within its governorate, a sub-district within its district.
Names match exactly, then by alias (the gazetteer's own and `admin_names.IRAQ_ALIASES`), then normalised (Arabic
letters unified, no article, case or punctuation), then by a close spelling; names of five characters or fewer are
never matched fuzzily, and every match that is not exact is noted in `match_note`. A code listed in the optional
legacy crosswalk is replaced by its current code, with a note; it is never repaired by editing the string.
Several gazetteer files merge into one list: the same unit in two files is one unit, one code with two different
names or parents is quarantined naming both.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ds_pipeline.lib.admin_names import ARABIC_SCRIPT, iraq_aliases, normalise_name
from ds_pipeline.lib.canonical import CONFORMED_COLUMNS
from ds_pipeline.lib.registry import SourceEntry
from ds_pipeline.lib.validation import Rejection, quarantine_rows

# 2014-era Iraq codes (IQ-G08, IQ-D045, IQ15053) number units differently from COD-AB: never repaired by editing.
LEGACY_PCODE = re.compile(r"^IQ-[GD]\d+$|^IQ\d{5}$", re.IGNORECASE)
ADMIN_KINDS = ("displacement", "return_index", "service_mapping", "household_survey")
MIN_FUZZY_LENGTH = 6  # names of five characters or fewer are never fuzzy-matched
LEVEL_TEXT = {1: "governorate", 2: "district", 3: "sub-district"}

__all__ = ["Gazetteer", "conform", "normalise_name"]


@functools.lru_cache(maxsize=1 << 16)
def _normalised_text(name: str) -> str:
    return normalise_name(name)


def _normalised(name: str) -> str:
    """`normalise_name`, each text normalised once (admin names repeat on every row and in every comparison)."""
    return _normalised_text(name) if type(name) is str else normalise_name(name)


@functools.lru_cache(maxsize=1 << 14)
def _unit_aliases(level: int, names: tuple[str, ...]) -> tuple[str, ...]:
    return iraq_aliases(level, names)


def _skeleton(name: str) -> str:
    """Rough phonetic key: consonants only, doubled letters collapsed (Tilkaif ~ Tel Kaif ~ Telkeif)."""
    consonants = re.sub(r"[aeiouyw]", "", _normalised(name))
    return re.sub(r"(.)\1+", r"\1", consonants.replace("q", "k"))


@dataclass(frozen=True)
class Unit:
    pcode: str
    level: int
    name_en: str
    name_ar: str
    parent: str
    aliases: tuple[str, ...]


_UNIT_FIELDS = frozenset({"admin_level", "pcode", "name_en", "name_ar", "aliases", "parent_pcode"})


class Gazetteer:
    """Admin units by p-code, with name matching within a parent unit (exact, alias, substring, phonetic)."""

    def __init__(self, units: pd.DataFrame) -> None:
        self.units: dict[str, Unit] = {}
        self.children: dict[tuple[str, int], list[Unit]] = {}
        fields = list(dict.fromkeys(c for c in units.columns if c in _UNIT_FIELDS))  # the rest is not read
        for row in units[fields].sort_values("pcode", kind="stable").itertuples(index=False):
            level = int(row.admin_level)
            if level < 1 or row.pcode in self.units:  # the country itself; a unit given again by another file
                continue
            name_ar = "" if pd.isna(row.name_ar) else str(row.name_ar)
            own = tuple(a.strip() for a in str(row.aliases or "").split("|") if a.strip())
            names = (row.name_en, name_ar, *own)
            aliases = own + (_unit_aliases(level, names) if all(type(n) is str for n in names)
                             else iraq_aliases(level, names))
            # a governorate is top level whatever its parent: "" or the country ("IRQ" in the HDX layout)
            parent = "" if level == 1 else str(row.parent_pcode)
            unit = Unit(row.pcode, level, row.name_en, name_ar, parent, aliases)
            self.units[unit.pcode] = unit
            self.children.setdefault((unit.parent, unit.level), []).append(unit)

    @staticmethod
    def _same_name(unit: Unit, name: str) -> bool:
        """`name` is the unit's English or Arabic name, up to normalisation."""
        wanted = _normalised(name)
        return wanted in (_normalised(unit.name_en), _normalised(unit.name_ar) if unit.name_ar else None)

    @staticmethod
    def _literal(unit: Unit, name: str) -> bool:
        """`name` is the unit's English name exactly as the gazetteer writes it (any other match is noted)."""
        return name.strip() == unit.name_en

    @staticmethod
    def _spelling_note(unit: Unit, name: str) -> str:
        given = name.strip()
        kind = "normalised Arabic" if ARABIC_SCRIPT.search(given) and given != unit.name_ar else "spelling"
        return f"{kind}: {given} -> {unit.name_en} ({unit.pcode})"

    def name(self, pcode: str) -> str:
        unit = self.units.get(pcode)
        return unit.name_en if unit else ""

    def match_name(self, name: str, parent: str, level: int) -> tuple[str, str]:
        """(p-code, note) of the unit called `name` under `parent`; ("", reason) when there is none or several."""
        candidates = self.children.get((parent, level), [])
        wanted = _normalised(name)
        literal = [u for u in candidates if self._literal(u, name)]
        if len(literal) == 1:
            return literal[0].pcode, ""
        exact = [u for u in candidates if self._same_name(u, name)]
        if len(exact) == 1:
            return exact[0].pcode, self._spelling_note(exact[0], name)
        by_alias = [u for u in candidates if wanted in {_normalised(a) for a in u.aliases}]
        if len(by_alias) == 1:
            return by_alias[0].pcode, f"alias: {name} -> {by_alias[0].name_en} ({by_alias[0].pcode})"
        if len(wanted) >= MIN_FUZZY_LENGTH:
            within = [
                u for u in candidates
                if len(_normalised(u.name_en)) >= MIN_FUZZY_LENGTH
                and (wanted in _normalised(u.name_en) or _normalised(u.name_en) in wanted)
            ]
            if len(within) == 1:
                return within[0].pcode, f"fuzzy (substring): {name} -> {within[0].name_en} ({within[0].pcode})"
            sounds = [
                u for u in candidates
                if len(_normalised(u.name_en)) >= MIN_FUZZY_LENGTH
                and any(_skeleton(n) == _skeleton(name) for n in (u.name_en, *u.aliases))
            ]
            if len(sounds) == 1:
                return sounds[0].pcode, f"fuzzy (phonetic): {name} -> {sounds[0].name_en} ({sounds[0].pcode})"
        parent_text = f" of {self.name(parent)} ({parent})" if parent else ""
        level_text = LEVEL_TEXT[level]
        if len(exact) > 1:
            return "", f"the {level_text} name '{name}' matches several units{parent_text}"
        return "", f"no {level_text}{parent_text} is called '{name}' (also tried aliases and close spellings)"

    def compare_name(self, pcode: str, name: str) -> tuple[str, str]:
        """(note, problem) of a provider name given beside a known p-code: problem is '' when the name, matched
        within the code's parent as if no code were given, is the coded unit; note records a non-exact match."""
        unit = self.units[pcode]
        given = name.strip()
        if self._literal(unit, given):
            return "", ""
        if self._same_name(unit, given):
            return self._spelling_note(unit, given), ""
        matched, note = self.match_name(given, unit.parent, unit.level)
        if matched == pcode:
            return note, ""
        level_text = LEVEL_TEXT[unit.level]
        start = f"p-code {pcode} is {unit.name_en} but the {level_text} name given is '{given}'"
        if matched:
            other = self.units[matched]
            named = matched if other.name_en == given else f"{other.name_en}, {matched}"
            return "", f"{start} ({named})"
        return "", f"{start}: {note}"

    def check_pcode(self, pcode: str, level: int, parent: str) -> str:
        """'' when the p-code is a known unit of that level under that parent, else the reason it is not."""
        level_text = LEVEL_TEXT[level]
        if LEGACY_PCODE.match(pcode):
            return (
                f"'{pcode}' is a legacy 2014-era p-code; cross-walk it to a COD-AB {level_text} code "
                "(it is never repaired by removing the hyphen)"
            )
        unit = self.units.get(pcode)
        if unit is None:
            return f"p-code '{pcode}' is not in the gazetteer"
        if unit.level != level:
            return f"p-code '{pcode}' is not a {level_text} code"
        if parent and unit.parent != parent:
            return f"p-code '{pcode}' ({unit.name_en}) does not lie in {self.name(parent)} ({parent})"
        return ""


def _crosswalked(code: str, crosswalk: dict[str, str], gazetteer: Gazetteer) -> tuple[str, str]:
    """(current code, note) of a code listed in the legacy crosswalk, looked up exactly as written; else (code, "")."""
    current = crosswalk.get(code)
    if current is None:
        return code, ""
    named = f" ({gazetteer.name(current)})" if gazetteer.name(current) else ""
    return current, f"legacy p-code {code} cross-walked to {current}{named}"


def _resolve_admin(
    gazetteer: Gazetteer, key: tuple[str, ...], crosswalk: dict[str, str] | None = None
) -> tuple[tuple[str, str, str, str], Rejection | None]:
    """Resolve one combination of admin p-codes and names to (admin1, admin2, admin3, note) or a rejection."""
    a1_code, a1_name, a2_code, a2_name, a3_code, a3_name = key
    notes: list[str] = []
    resolved: list[str] = []
    parent = ""
    for level, (code, name, column) in enumerate(
        [(a1_code, a1_name, "admin1_pcode"), (a2_code, a2_name, "admin2_pcode"), (a3_code, a3_name, "admin3_pcode")],
        start=1,
    ):
        if code:
            code, crosswalk_note = _crosswalked(code, crosswalk or {}, gazetteer)
            if crosswalk_note:
                notes.append(crosswalk_note)
            problem = gazetteer.check_pcode(code, level, parent)
            if problem:
                return ("", "", "", ""), Rejection(-1, column, "pcode_in_gazetteer", problem)
            if name:  # a name beside the code must name the same unit
                note, problem = gazetteer.compare_name(code, name)
                if problem:
                    name_column = column.replace("pcode", "name")
                    return ("", "", "", ""), Rejection(-1, name_column, "name_matches_pcode", problem)
                if note:
                    notes.append(note)
            resolved.append(code)
        elif name and (level == 1 or parent):
            code, note = gazetteer.match_name(name, parent, level)
            if not code:
                if level == 3:  # sub-district names are optional detail: keep the row at district level
                    notes.append(f"sub-district not resolved: {note}")
                    resolved.append("")
                    break
                return ("", "", "", ""), Rejection(-1, column.replace("pcode", "name"), "name_in_gazetteer", note)
            if note:
                notes.append(note)
            resolved.append(code)
        else:
            resolved.append("")
        parent = resolved[-1]
        if not parent:
            break
    resolved += [""] * (3 - len(resolved))
    return (resolved[0], resolved[1], resolved[2], "; ".join(notes)), None


def _unit_key(row: pd.Series) -> tuple[int, str, str]:
    level = int(row["admin_level"])
    return level, normalise_name(row["name_en"]), "" if level == 1 else str(row["parent_pcode"])


def gazetteer_rejections(frame: pd.DataFrame, gazetteer: Gazetteer) -> dict[int, Rejection]:
    """Gazetteer rows to quarantine when several files merge by admin level: a p-code given again in the same file
    (a duplicate), one p-code with different names, levels or parents (every row of it, naming both), and a unit
    whose parent is unknown or quarantined. The same unit in two files is one unit: both rows are kept."""
    rejections: dict[int, Rejection] = {}
    by_code: dict[str, list[int]] = {}
    for index, pcode in frame["pcode"].items():
        by_code.setdefault(str(pcode), []).append(int(index))
    for pcode, indexes in by_code.items():
        seen_files: set[str] = set()
        kept: list[int] = []
        for index in indexes:
            file = str(frame.at[index, "source_file"])
            if file in seen_files:
                message = "duplicate of an earlier row with the same pcode"
                rejections[index] = Rejection(index, "pcode", "field_uniqueness", message)
                continue
            seen_files.add(file)
            kept.append(index)
        if len(kept) == 1:  # a p-code given once names one unit
            continue
        first = frame.loc[kept[0]]
        other = next((i for i in kept[1:] if _unit_key(frame.loc[i]) != _unit_key(first)), None)
        if other is None:
            continue
        second = frame.loc[other]
        message = (
            f"p-code {pcode} is '{first['name_en']}' (level {first['admin_level']}, parent "
            f"'{first['parent_pcode']}') in {first['source_file']} but '{second['name_en']}' (level "
            f"{second['admin_level']}, parent '{second['parent_pcode']}') in {second['source_file']}; "
            "one code cannot name two units"
        )
        for index in kept:
            rejections[index] = Rejection(index, "name_en", "one_unit_per_pcode", message)
    quarantined_codes = {str(frame.at[i, "pcode"]) for i in rejections} - {
        str(frame.at[i, "pcode"]) for i in frame.index if int(i) not in rejections
    }
    levels, parents, pcodes = frame["admin_level"], frame["parent_pcode"], frame["pcode"]
    for index in frame.sort_values("admin_level", kind="stable").index:
        index = int(index)
        if index in rejections or int(levels[index]) <= 1:
            continue
        parent = str(parents[index])
        if parent not in gazetteer.units:
            message = f"parent p-code '{parent}' is not in the gazetteer"
        elif parent in quarantined_codes:
            message = f"parent p-code '{parent}' is quarantined (see its rows)"
        else:
            continue
        rejections[index] = Rejection(index, "parent_pcode", "parent_in_gazetteer", message)
        quarantined_codes.add(str(pcodes[index]))
    return rejections


def _origin_outcome(
    gazetteer: Gazetteer, origin: str, origin_name: str, crosswalk: dict[str, str] | None
) -> tuple[str, str, str]:
    """(origin p-code, note, problem) of a governorate of origin given by code (cross-walked when listed) or, with
    no code, by name (resolved like any governorate)."""
    note = ""
    if origin:
        origin, note = _crosswalked(origin, crosswalk or {}, gazetteer)
        problem = gazetteer.check_pcode(origin, 1, "")
        if problem:
            return origin, note, problem
    elif origin_name.strip():
        origin, note = gazetteer.match_name(origin_name.strip(), "", 1)
        note = f"origin: {note}" if origin and note else ("" if origin else f"origin not resolved: {note}")
    return origin, note, ""


def _object_array(values: list[str]) -> np.ndarray:
    """The values as a one-dimensional array of objects (texts stay texts, an empty list stays of objects)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _stripped_texts(frame: pd.DataFrame, column: str) -> list[str]:
    """A column's values as stripped texts (missing or absent: empty), each distinct value stripped once."""
    if column not in frame.columns:
        return [""] * len(frame)
    codes, distinct = pd.factorize(frame[column].fillna("").astype(str).to_numpy(), sort=False)
    stripped = _object_array([text.strip() for text in distinct.tolist()])
    return stripped[codes].tolist()


def _mapped_once(values: pd.Series, function: Callable[[str], str]) -> pd.Series:
    """`values.map(function)`, the function called once for each distinct value."""
    if values.dtype != object or not len(values):
        return values.map(function)
    codes, distinct = pd.factorize(values.to_numpy(), sort=False)
    if (codes < 0).any() or len(distinct) == len(values):
        return values.map(function)
    mapped = pd.Series(distinct, dtype=object).map(function)
    return pd.Series(mapped.to_numpy()[codes], index=values.index, name=values.name, dtype=mapped.dtype)


def conform(
    validated: pd.DataFrame,
    kind: str,
    gazetteer: Gazetteer,
    poa_area_of_pcode: dict[str, str],
    poa_area_names: list[str],
    entry_of: dict[str, SourceEntry],
    crosswalk: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split validated rows into (conformed rows, quarantine rows of stage 'conformed').

    `crosswalk`: legacy p-code -> current p-code (settings `pcode_crosswalk`, `admin_names.load_crosswalk`)."""
    frame = validated.reset_index(drop=True)  # a copy: the rows are written below
    rejections: dict[int, Rejection] = {}
    for column in CONFORMED_COLUMNS:
        frame[column] = ""

    if kind == "gazetteer":
        rejections.update(gazetteer_rejections(frame, gazetteer))

    if kind in ADMIN_KINDS:
        key_columns = ["admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name", "admin3_pcode", "admin3_name"]
        tuples = list(zip(*[_stripped_texts(frame, column) for column in key_columns], strict=True))
        resolved: dict[tuple[str, ...], tuple[tuple[str, str, str, str], Rejection | None]] = {}
        for key in set(tuples):
            resolved[key] = _resolve_admin(gazetteer, key, crosswalk)
        outcomes = [resolved[key] for key in tuples]
        for index, (_, rejection) in enumerate(outcomes):
            if rejection is not None:
                rejections[index] = Rejection(index, rejection.column, rejection.check, rejection.message)
        values = [outcome for outcome, _ in outcomes]
        for position, column in enumerate(("admin1_pcode", "admin2_pcode", "admin3_pcode", "match_note")):
            if column in frame.columns or column != "admin3_pcode":
                frame[column] = _object_array([value[position] for value in values])
        for level in (1, 2, 3):
            column = f"admin{level}_pcode"
            if column in frame.columns:
                frame[f"admin{level}_name_en"] = _mapped_once(frame[column], gazetteer.name).fillna("")
        area_by_admin3 = frame.get("admin3_pcode", pd.Series("", index=frame.index)).map(poa_area_of_pcode)
        area_by_admin2 = frame["admin2_pcode"].map(poa_area_of_pcode)
        frame["poa_area"] = [a3 if isinstance(a3, str) else (a2 if isinstance(a2, str) else "")
                             for a3, a2 in zip(area_by_admin3, area_by_admin2, strict=True)]

    if kind == "displacement":
        origin_names = frame.get("origin_admin1_name", pd.Series("", index=frame.index)).fillna("").astype(str)
        outcome_of: dict[tuple[str, str], tuple[str, str, str]] = {}
        for index, origin, origin_name in zip(frame.index, frame["origin_admin1_pcode"].tolist(),
                                              origin_names.tolist(), strict=True):
            if int(index) in rejections:
                continue
            key = (origin, "" if origin else origin_name)
            outcome = outcome_of.get(key) if type(origin) is str else None
            if outcome is None:
                outcome = _origin_outcome(gazetteer, origin, key[1], crosswalk)
                if type(origin) is str:
                    outcome_of[key] = outcome
            origin, note, problem = outcome
            if problem:
                rejections[int(index)] = Rejection(int(index), "origin_admin1_pcode", "pcode_in_gazetteer", problem)
                continue
            if note:
                frame.at[index, "origin_admin1_pcode"] = origin
                frame.at[index, "match_note"] = "; ".join(n for n in (frame.at[index, "match_note"], note) if n)

    if kind == "poa_submission":
        by_name = {normalise_name(n): n for n in poa_area_names}
        for index, area in frame["area"].items():
            name = by_name.get(normalise_name(area))
            if name is None:
                message = f"'{area}' is not a configured POA area (configured: {', '.join(poa_area_names)})"
                rejections[int(index)] = Rejection(int(index), "area", "poa_area_configured", message)
            else:
                frame.at[index, "area"] = name
                frame.at[index, "poa_area"] = name

    quarantine = quarantine_rows(frame, rejections, kind, "conformed", entry_of)
    conformed = frame.loc[~frame.index.isin(list(rejections))].reset_index(drop=True)
    return conformed, quarantine
