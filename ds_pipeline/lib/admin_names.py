"""Admin names and codes as partners write them: name normalisation (Latin and Arabic), Iraq spelling aliases,
the legacy p-code crosswalk and the check of the p-codes listed in settings.yaml against the gazetteer.

Matching of a name to a unit lives in `conform.Gazetteer`; this module supplies what it compares:
- `normalise_name`: a comparable form of a name. Arabic script is normalised first (alef variants أ إ آ ٱ to ا,
  alef maksura ى to ي, teh marbuta ة to ه, tatweel and harakat removed), then accents, case, a leading article
  ("Al-", "El-", "ال"), apostrophes, hyphens and spaces are dropped.
- `IRAQ_ALIASES`: common spellings of Iraq's governorates and districts (public spelling facts: Dahuk / Duhok,
  Akre / Aqra, Tilkaif / Tel Kaif ...), applied on top of a gazetteer's own aliases, per admin level.
- `load_crosswalk`: the optional legacy code -> current code file named in settings (`pcode_crosswalk`). Codes are
  looked up exactly as written: never string-normalised (legacy IQ-G08 is Dahuk; current IQG08 is Baghdad).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------------------------------------------
# Normalisation

ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None})
# harakat (fathatan .. sukun), maddah, hamza above/below, subscript alef, and the superscript alef
ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")


def normalise_arabic(text: str) -> str:
    """Arabic spelled one way: alef and yeh variants unified, teh marbuta as heh, tatweel and diacritics removed."""
    return ARABIC_MARKS.sub("", str(text)).translate(ARABIC_LETTERS)


def normalise_name(name: str) -> str:
    """Comparable form of an admin name: no diacritics, case, article, apostrophes, hyphens or spaces."""
    text = str(name).strip()
    if ARABIC_SCRIPT.search(text):
        text = normalise_arabic(text)
        text = re.sub(r"[\s\-'`’‘.ـ]+", "", text)
        return text[2:] if text.startswith("ال") and len(text) > 3 else text
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or text
    text = text.casefold().strip()
    text = re.sub(r"^(al|el|an|ar|as|at|ad|ash)[\s\-'`’‘]+", "", text)
    return re.sub(r"[\s\-'`’‘.]+", "", text)


# --------------------------------------------------------------------------------------------------------------
# Iraq spellings: each group is one place at one admin level (1 governorate, 2 district); the first spelling is
# the COD-AB name. A gazetteer unit whose name or alias is in a group gets the whole group as aliases.

IRAQ_ALIASES: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (
        ("Al-Anbar", "Anbar", "الأنبار"),
        ("Al-Basrah", "Basra", "Basrah", "Al-Basra"),
        ("Al-Muthanna", "Muthanna", "Al Muthanna"),
        ("Al-Najaf", "Najaf", "An Najaf"),
        ("Al-Qadissiya", "Qadisiya", "Qadissiya", "Al-Qadisiyah", "Qadisiyah", "Diwaniya"),
        ("Al-Sulaymaniyah", "Sulaymaniya", "Sulaymaniyah", "Sulaimaniya", "Sulaimaniyah", "Slemani", "Slemani"),
        ("Babil", "Babylon", "Babel"),
        ("Duhok", "Dahuk", "Dohuk", "Dihok"),
        ("Diyala", "Diyalah", "Diala"),
        ("Erbil", "Arbil", "Irbil", "Hawler"),
        ("Kerbala", "Karbala", "Karbala'"),
        ("Kirkuk", "Ta'mim", "Tameem", "Al-Tameem", "Kerkuk"),
        ("Maysan", "Missan", "Maisan"),
        ("Ninewa", "Nineveh", "Ninawa", "Niniveh", "Ninevah"),
        ("Salah Al-Din", "Salahuddin", "Salah ad Din", "Salaheddine", "Saladin"),
        ("Thi Qar", "Dhi Qar", "Thi-Qar", "Dhiqar"),
        ("Wassit", "Wasit"),
    ),
    2: (
        ("Al-Falluja", "Falluja", "Fallujah"),
        ("Al-Kaim", "Al-Ka'im", "Al-Qaim", "Qaim"),
        ("Al-Rutba", "Rutba"),
        ("Ana", "Anah", "Aana"),
        ("Haditha", "Hadithah"),
        ("Heet", "Hit", "Hiet"),
        ("Abu Al-Khaseeb", "Abu Al-Khasib"),
        ("Al-Faw", "Fao"),
        ("Al-Midaina", "Al-Medaina"),
        ("Al-Zubair", "Zubair", "Az Zubayr"),
        ("Shat Al-Arab", "Shatt Al-Arab"),
        ("Al-Khidhir", "Al-Khidhr"),
        ("Al-Samawa", "Samawah"),
        ("Al-Manathera", "Al-Manadhira"),
        ("Afaq", "Afak"),
        ("Al-Sulaymaniyah", "Sulaymaniya", "Sulaimaniya", "Slemani"),
        ("Chamchamal", "Chemchemal", "Chamchemal"),
        ("Derbendikhan", "Darbandikhan"),
        ("Dokan", "Dukan"),
        ("Halabcha", "Halabja"),
        ("Kalar", "Kelar"),
        ("Panjwin", "Penjwin", "Penjween"),
        ("Pshdar", "Pishdar"),
        ("Rania", "Ranya"),
        ("Sharbazher", "Sharbazhar"),
        ("Al-Mahaweel", "Al-Mahawil", "Mahawil"),
        ("Al-Mussyab", "Al-Musayab", "Al-Musayyib"),
        ("Al-Kadhmiyah", "Al-Kadhimiya", "Kadhimiya", "Khadamiya"),
        ("Al-Mada'in", "Madain", "Al-Madaen"),
        ("Al-Mahmoudiya", "Mahmudiyah"),
        ("Al-Risafa", "Al-Resafa", "Al-Rusafa"),
        ("Al-Thawra", "Sadr City", "Al-Sadr"),
        ("Al-Amadiya", "Amedi", "Amadiya", "Amadiyah"),
        ("Duhok", "Dahuk", "Dohuk"),
        ("Sumail", "Sumel", "Semel", "Simele"),
        ("Zakho", "Zakhu"),
        ("Al-Muqdadiya", "Al-Miqdadiyah"),
        ("Baladruz", "Baladrooz"),
        ("Baquba", "Ba'quba", "Baqubah"),
        ("Khanaqin", "Khanaqeen"),
        ("Al-Zibar", "Mergasur", "Mergasor"),
        ("Erbil", "Arbil", "Irbil", "Hawler"),
        ("Koysinjaq", "Koisnjaq", "Koya"),
        ("Makhmour", "Makhmur"),
        ("Rawanduz", "Soran"),
        ("Ain Al-Tamur", "Ain Al-Tamr"),
        ("Kerbela", "Kerbala", "Karbala"),
        ("Al-Hawiga", "Hawija", "Al-Hawija"),
        ("Dibis", "Dibs"),
        ("Kirkuk", "Kerkuk"),
        ("Qalat Saleh", "Qal'at Saleh", "Qal'at Salih"),
        ("Aqra", "Akre", "Akra", "Aqrah"),
        ("Al-Baaj", "Ba'aj", "Al-Ba'aj"),
        ("Al-Hamdaniya", "Hamdaniya", "Bakhdida", "Qaraqosh"),
        ("Al-Hatra", "Hatra", "Al-Hadar"),
        ("Al-Mosul", "Mosul", "Al-Mawsil"),
        ("Al-Shikhan", "Shikhan", "Sheikhan", "Shekhan"),
        ("Sinjar", "Shingal", "Shengal"),
        ("Telafar", "Tal Afar", "Tel Afar", "Tall Afar"),
        ("Tilkaef", "Tilkaif", "Tel Kaif", "Telkaif", "Tel Keppe"),
        ("Al-Daur", "Al-Dour"),
        ("Al-Shirqat", "Sharqat", "Al-Sharqat"),
        ("Beygee", "Baiji", "Beiji", "Bayji"),
        ("Tooz Khurmato", "Tuz Khurmatu", "Tooz", "Tuz"),
        ("Al-Chibayish", "Al-Chabaish"),
        ("Al-Rifai", "Al-Rifa'i"),
        ("Al-Nasiriya", "Nasiriyah", "Nassriya"),
        ("Suq Al-Shoyokh", "Suq Al-Shuyukh", "Souq Al-Shuyoukh"),
        ("Al-Hai", "Al-Hay"),
        ("Al-Namaniya", "Al-Na'maniya", "Al-Numaniyah"),
        ("Al-Suwaira", "Al-Suwayrah"),
    ),
}

_GROUPS: dict[int, dict[str, tuple[str, ...]]] = {
    level: {normalise_name(spelling): group for group in groups for spelling in group}
    for level, groups in IRAQ_ALIASES.items()
}


def iraq_aliases(level: int, names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The Iraq spellings of the unit of `level` called by any of `names` (its name and its own aliases)."""
    groups = _GROUPS.get(level, {})
    found: list[str] = []
    for name in names:
        for spelling in groups.get(normalise_name(name), ()):
            if spelling not in found and spelling not in names:
                found.append(spelling)
    return tuple(found)


# --------------------------------------------------------------------------------------------------------------
# Legacy p-code crosswalk

CROSSWALK_LEGACY = ("legacy_pcode", "legacy", "old_pcode")
CROSSWALK_CURRENT = ("pcode", "current_pcode", "new_pcode")


class CrosswalkError(ValueError):
    """The crosswalk file named in settings cannot be used."""


def read_crosswalk(text: str, source: str = "crosswalk") -> dict[str, str]:
    """Legacy code -> current code from a CSV with a legacy column (legacy_pcode) and a current one (pcode)."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    header = {h.strip().casefold(): h for h in (rows[0].keys() if rows else [])}
    legacy = next((header[c] for c in CROSSWALK_LEGACY if c in header), None)
    current = next((header[c] for c in CROSSWALK_CURRENT if c in header), None)
    if legacy is None or current is None:
        raise CrosswalkError(f"{source}: needs a column 'legacy_pcode' and a column 'pcode'")
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        old, new = (row.get(legacy) or "").strip(), (row.get(current) or "").strip()
        if not old and not new:
            continue
        if not old or not new:
            raise CrosswalkError(f"{source}, row {number}: both a legacy and a current p-code are needed")
        if mapping.get(old, new) != new:
            raise CrosswalkError(f"{source}, row {number}: '{old}' is mapped to both {mapping[old]} and {new}")
        mapping[old] = new
    return mapping


def load_crosswalk(sources_dir: Path, settings: dict[str, Any]) -> dict[str, str]:
    """The crosswalk named by settings `pcode_crosswalk` (a path inside the sources folder), or {} without one."""
    relative = (settings or {}).get("pcode_crosswalk")
    if not relative:
        return {}
    path = Path(sources_dir) / str(relative)
    if not path.is_file():
        raise CrosswalkError(f"settings.yaml: pcode_crosswalk file '{relative}' not found in {sources_dir}")
    return read_crosswalk(path.read_text(encoding="utf-8"), f"settings.yaml: pcode_crosswalk '{relative}'")


# --------------------------------------------------------------------------------------------------------------
# p-codes of settings.yaml against the gazetteer


def settings_pcode_problems(settings: dict[str, Any], gazetteer: Any) -> list[str]:
    """Every p-code of settings.yaml (POA areas) unknown to `gazetteer` (a `conform.Gazetteer`) or whose unit is
    called neither the area's name, its Arabic name nor one of the area's `aliases` (in any spelling the gazetteer
    knows for the unit), named with both names. An area spanning several units lists their names in `aliases`."""
    problems: list[str] = []
    for area in (settings or {}).get("poa_areas") or []:
        name = str(area.get("name", ""))
        given = [name, str(area.get("name_ar") or ""), *[str(a) for a in area.get("aliases") or []]]
        wanted = {normalise_name(n) for n in given if n.strip()}
        for pcode in area.get("pcodes") or []:
            unit = gazetteer.units.get(str(pcode))
            if unit is None:
                problems.append(f"settings.yaml: POA area '{name}' lists {pcode}, which is not in the gazetteer")
                continue
            spellings = {normalise_name(n) for n in (unit.name_en, unit.name_ar, *unit.aliases) if n}
            if not wanted & spellings:
                problems.append(
                    f"settings.yaml: POA area '{name}' lists {pcode}, which the gazetteer calls {unit.name_en}"
                )
    return problems
