"""`ds-pipeline check`: check a file anywhere on disk as the pipeline would, and report every rule each row breaks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ds_pipeline.lib.canonical import CANONICAL_COLUMNS, CONFORMED_COLUMNS, ROUND_COLUMN
from ds_pipeline.lib.csv_safe import write_frame_csv
from ds_pipeline.lib.feedback import _row_ranges, validate_and_conform
from ds_pipeline.lib.iraq_cod_ab import DISTRICTS, GOVERNORATES, VALID_FROM
from ds_pipeline.lib.layouts import LAYOUTS
from ds_pipeline.lib.readers import (
    READ_PROBLEM,
    _normalise_header,
    _normalise_hxl,
    _read_grid,
    raw_columns,
    read_source,
    read_source_file,
)
from ds_pipeline.lib.registry import SourceEntry, SourceFile, load_registry
from ds_pipeline.lib.settings import load_settings
from ds_pipeline.lib.validation import (
    ADMIN_NAME_OF,
    MODELS,
    REQUIRED_COLUMNS,
    RULE_TEXT,
    Rejection,
    _humanise,
    validate_raw,
)
from ds_pipeline.lib.value_maps import VALUE_CHECK

# Settings used when no sources folder is given: the shipped demo folder's (present in a checkout).
DEFAULT_SOURCES = Path(__file__).resolve().parents[2] / "sources" / "demo"
BUNDLED_GAZETTEER = "bundled Iraq COD-AB governorates and districts"
# HXL hashtags of canonical columns, as partners tag 3W/4W and DTM exports (attributes in any order).
HXL_TAGS: dict[str, str] = {
    "admin1_pcode": "#adm1+code", "admin1_name": "#adm1+name", "admin2_pcode": "#adm2+code",
    "admin2_name": "#adm2+name", "admin3_pcode": "#adm3+code", "admin3_name": "#adm3+name",
    "org_acronym": "#org+acronym", "sector_code": "#sector+code", "sector_label": "#sector+name",
    "activity": "#activity+name", "status": "#status", "people_targeted": "#targeted", "people_reached": "#reached",
    "period_start": "#date+start", "period_end": "#date+end", "reporting_date": "#date+reported",
    "location_id": "#loc+code", "individuals": "#affected+ind", "families": "#affected+hh",
    "pcode": "#adm+code", "name_en": "#adm+name", "parent_pcode": "#adm+code+parent",
}


class CheckError(Exception):
    """The file cannot be checked at all (exit 2); the message is the one-line reason."""


@dataclass
class CheckOptions:
    sources: Path | None = None
    kind: str | None = None
    source: str | None = None
    gazetteer: Path | None = None


@dataclass
class CheckResult:
    file: str
    kind: str = ""
    source: str = ""
    layout: str = ""
    encoding: str | None = None
    gazetteer: str = ""
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    issues: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    accepted: pd.DataFrame | None = None

    @property
    def exit_code(self) -> int:
        return 2 if self.error else (1 if self.rows_quarantined else 0)

    def as_json(self) -> dict[str, Any]:
        keys = ("file", "kind", "source", "layout", "encoding", "gazetteer", "rows_read", "rows_accepted",
                "rows_quarantined", "issues", "error")
        return {k: getattr(self, k) for k in keys} | {"exit_code": self.exit_code}

    def render(self) -> str:
        """Counts, then one line per problem (rule, column, message) with the rows it concerns."""
        if self.error:
            return f"{self.file}: {self.error}"
        lines = [
            f"{self.file}: kind {self.kind}, source {self.source or '(none)'}, columns from {self.layout}"
            + (f", encoding {self.encoding}" if self.encoding else ""),
            f"  rows read {self.rows_read}, accepted {self.rows_accepted}, quarantined {self.rows_quarantined}",
        ]
        groups: dict[tuple[str, str, str, str], list[Any]] = {}
        for issue in self.issues:
            key = (issue["sheet"], issue["rule"], issue["column"], issue["message"])
            groups.setdefault(key, []).append(issue["row"])
        for (sheet, rule, column, message), rows in groups.items():
            where = f"sheet {sheet}, " if sheet else ""
            what = f", column '{column}'" if column else ""
            ranges = _row_ranges(pd.Series(rows))
            noun = "row" if len(set(rows)) == 1 else "rows"
            lines.append(f"  - [{rule}] {where}{noun} {ranges}{what}: {message}")
        if not self.rows_quarantined:
            lines.append("  no problems found: the file can be dropped")
        return "\n".join(lines)


class Checker:
    """Checks files with one set of options; the registry, settings and gazetteer are read once."""

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self._registry: list[SourceEntry] | None = None
        self._settings: dict[str, Any] | None = None
        self._gazetteer: tuple[pd.DataFrame | None, str] | None = None

    @property
    def registry(self) -> list[SourceEntry]:
        if self._registry is None:
            self._registry = load_registry(self.options.sources) if self.options.sources else []
        return self._registry

    @property
    def settings(self) -> dict[str, Any]:
        if self._settings is None:
            folder = self.options.sources or DEFAULT_SOURCES
            if (Path(folder) / "settings.yaml").is_file():
                self._settings = load_settings(Path(folder))
            else:
                self._settings = {"poa_areas": [], "survey": {"indicators": []}}
        return self._settings

    def gazetteer(self) -> tuple[pd.DataFrame | None, str]:
        """Validated gazetteer units (None: the sources folder's registered gazetteer) and what they are."""
        if self._gazetteer is None:
            if self.options.gazetteer:
                path = Path(self.options.gazetteer)
                entry, layout = _entry_for_kind(path, "gazetteer")
                raw = read_source_file(path.parent, entry, SourceFile(entry.source_id, path.name, ""))
                _refuse_unreadable(raw, path)
                units, _ = validate_raw(raw, "gazetteer", {})
                self._gazetteer = (units, f"{path} ({layout})")
            elif self.options.sources:
                self._gazetteer = (None, f"registered gazetteer of {self.options.sources}")
            else:
                self._gazetteer = (bundled_gazetteer(), BUNDLED_GAZETTEER)
        return self._gazetteer

    def check(self, path: Path) -> CheckResult:
        """Check one file; any failure becomes a result with an error (exit 2), never an exception."""
        result = CheckResult(file=str(path))
        try:
            self._check(Path(path), result)
        except CheckError as exc:
            result.error = str(exc)
        except Exception as exc:  # whatever the bytes: one line, never a traceback
            message = " ".join(str(exc).split())[:300]
            result.error = f"could not check: {type(exc).__name__}: {message}"
        if result.error:
            result.rows_accepted = result.rows_quarantined = 0
            result.issues, result.accepted = [], None
        return result

    def _check(self, path: Path, result: CheckResult) -> None:
        if not path.is_file():
            raise CheckError("no such file")
        if path.stat().st_size == 0:
            raise CheckError("the file is empty")
        entry, source_file, relative = self._entry_of(path, result)
        result.kind, result.source = entry.kind, (entry.source_id if self.options.sources else "")
        if entry.format == "csv":
            result.encoding = entry.encoding
        folder = Path(self.options.sources) if relative else path.parent
        raw = read_source_file(folder, entry, source_file)
        result.encoding = str(raw.attrs.get("encoding") or result.encoding or "") or None
        _refuse_unreadable(raw, path)
        label = source_file.relative_path
        registered = self._registered_rows(entry, label)
        combined = pd.concat([registered, raw], ignore_index=True) if not registered.empty else raw
        combined = combined.reset_index(drop=True)
        units, result.gazetteer = self.gazetteer()
        registry = self.registry if any(e.source_id == entry.source_id for e in self.registry) else [
            *self.registry, entry]
        collect: dict[str, Any] = {}
        conformed, quarantine = validate_and_conform(
            self.options.sources, registry, self.settings, entry.kind, combined, units, collect
        )
        mine = combined["source_file"] == label
        quarantine = quarantine[quarantine["source_file"] == label]
        result.rows_read = int(mine.sum())
        result.rows_quarantined = int(quarantine["source_row"].nunique())
        accepted = conformed[conformed["source_file"] == label]
        result.rows_accepted = len(accepted)
        result.accepted = accepted_rows(accepted, entry)
        result.issues = _issues(combined, mine, quarantine, collect, entry)

    def _entry_of(self, path: Path, result: CheckResult) -> tuple[SourceEntry, SourceFile, str]:
        """The registry entry (or the entry built from the header for --kind), the file, and its path relative
        to the sources folder ("" when the file is outside it)."""
        relative = ""
        if self.options.sources:
            try:
                relative = path.resolve().relative_to(Path(self.options.sources).resolve()).as_posix()
            except ValueError:
                relative = ""
            entry = self._registered_entry(path, relative)
            if entry is not None:
                result.layout = f"registry:{entry.source_id}"
                name = relative or path.name
                pattern = entry if relative else replace(entry, files=entry.files.rsplit("/", 1)[-1])
                round_id = pattern.round_of(name) or ""
                shown = relative or str(path.resolve())
                return entry, SourceFile(entry.source_id, shown if relative else path.name, round_id), relative
        if not self.options.kind:
            where = f"in {self.options.sources}" if self.options.sources else "(no --sources given)"
            raise CheckError(f"no registered source fits the file name {path.name!r} {where}: give --kind or --source")
        entry, layout = _entry_for_kind(path, self.options.kind)
        result.layout = layout
        return entry, SourceFile(entry.source_id, path.name, ""), ""

    def _registered_entry(self, path: Path, relative: str) -> SourceEntry | None:
        if self.options.source:
            for entry in self.registry:
                if entry.source_id == self.options.source:
                    return entry
            known = ", ".join(e.source_id for e in self.registry)
            raise CheckError(f"no registered source {self.options.source!r} (registered: {known})")
        for entry in self.registry:
            if self.options.kind and entry.kind != self.options.kind:
                continue
            if relative and entry.round_of(relative) is not None:
                return entry
            by_name = replace(entry, files=entry.files.rsplit("/", 1)[-1])
            if by_name.round_of(path.name) is not None:
                return entry
        return None

    def _registered_rows(self, entry: SourceEntry, label: str) -> pd.DataFrame:
        """Rows of the files already registered for the entry (without the checked file), for cross-file rules."""
        if not self.options.sources or not any(e.source_id == entry.source_id for e in self.registry):
            return pd.DataFrame()
        rows = read_source(Path(self.options.sources), entry)
        return rows[rows["source_file"] != label]


def _refuse_unreadable(raw: pd.DataFrame, path: Path) -> None:
    """Exit-2 reasons: no data rows, a file that cannot be read, columns missing from the header."""
    if raw.empty:
        raise CheckError("the file has no data rows")
    problems = raw[READ_PROBLEM].astype(str)
    if (raw["source_row"] == "").all() and problems.str.startswith("file could not be read").any():
        reason = problems.iloc[0].removeprefix("file could not be read: ")
        said = reason.startswith(("not a spreadsheet", "encoding not recognised", "over a size limit", "the file"))
        if not said and path.suffix.casefold() in (".xlsx", ".xlsm") and "zip" in reason.casefold():
            reason = f"not a spreadsheet ({reason})"
        elif not said and ("codec" in reason or "decode" in reason):
            reason = f"encoding not recognised ({reason})"
        raise CheckError(" ".join(reason.split()))
    if problems.str.startswith("missing ").all():
        raise CheckError("required columns " + problems.iloc[0])


def bundled_gazetteer() -> pd.DataFrame:
    """The official Iraq governorates and districts (`iraq_cod_ab`) as validated gazetteer units."""
    columns = raw_columns("gazetteer")
    records = []
    for level, units in ((1, GOVERNORATES), (2, DISTRICTS)):
        for number, (pcode, name_en, name_ar) in enumerate(units, start=1):
            record = {c: "" for c in columns}
            record.update(source_id="iraq_cod_ab", source_file="(bundled)", source_row=str(number),
                          admin_level=str(level), pcode=pcode, name_en=name_en, name_ar=name_ar,
                          parent_pcode=pcode[:5] if level == 2 else "", valid_from=VALID_FROM)
            records.append(record)
    units, _ = validate_raw(pd.DataFrame(records, columns=columns), "gazetteer", {})
    return units


def _header_rows(path: Path, names: dict[str, str]) -> tuple[set[str], set[str]]:
    """Normalised header texts and HXL tags of the file (the header found with all candidate names)."""
    fmt = "xlsx" if path.suffix.casefold() in (".xlsx", ".xlsm") else "csv"
    probe = SourceEntry("check", "gazetteer", "", "", path.name, fmt, columns=names, find_header=True)
    try:
        header, tags, _, _, _ = _read_grid(path, probe)
    except Exception as exc:  # the file cannot be read at all: the reader's one-line reason
        reason = " ".join(str(getattr(exc, "reason", "") or exc).split())[:300]
        if not reason.startswith(("not a spreadsheet", "encoding not recognised", "over a size limit", "the file")):
            reason = f"the file cannot be read: {type(exc).__name__}: {reason}"
        raise CheckError(reason) from None
    return ({_normalise_header(h) for h in header if str(h).strip()},
            {_normalise_hxl(t) for t in [*header, *(tags or [])] if _normalise_hxl(t)})


def _entry_for_kind(path: Path, kind: str) -> tuple[SourceEntry, str]:
    """A registry entry for a file of `kind` outside any registry: columns from the shipped layout preset, HXL
    hashtags or canonical names, whichever fits the header best; only the columns found are mapped."""
    if kind not in CANONICAL_COLUMNS:
        raise CheckError(f"unknown kind {kind!r}; expected one of {', '.join(CANONICAL_COLUMNS)}")
    canonical = [c for c in CANONICAL_COLUMNS[kind]]
    candidates: list[tuple[str, dict[str, str], dict[str, str], str | None]] = [
        (name, dict(layout.get("columns") or {}), dict(layout.get("constants") or {}), layout.get("round_column"))
        for name, layout in LAYOUTS.items() if layout["kind"] == kind
    ]
    candidates.append(("hxl", {c: t for c, t in HXL_TAGS.items() if c in canonical}, {}, None))
    candidates.append(("canonical", {c: c for c in canonical if c != ROUND_COLUMN}, {}, ROUND_COLUMN))
    every = {f"{n}:{c}": v for n, cols, _, _ in candidates for c, v in cols.items()}
    headers, tags = _header_rows(path, every)

    def found(provider: str) -> bool:
        if provider.startswith("#"):
            return _normalise_hxl(provider) in tags
        return _normalise_header(provider) in headers

    score = {c[0]: sum(found(v) for v in c[1].values()) for c in candidates}
    best = max(candidates, key=lambda c: score[c[0]])  # the first of equals: presets, then HXL, then canonical
    if score[best[0]] == 0:
        best = candidates[-1]
    name, columns, constants, round_column = best
    columns = {c: v for c, v in columns.items() if found(v)}
    if round_column and not found(round_column):
        round_column = None
    by_level = ("location_id", "admin2_pcode") if kind == "displacement" else ()  # not required at coarser levels
    missing = [c for c in REQUIRED_COLUMNS.get(kind, ()) if c not in columns and c not in constants
               and c not in by_level and not (c in ADMIN_NAME_OF and ADMIN_NAME_OF[c] in columns)]
    if missing:
        raise CheckError(f"required columns missing ({name} layout): {', '.join(missing)}")
    fmt = "xlsx" if path.suffix.casefold() in (".xlsx", ".xlsm") else "csv"
    entry = SourceEntry(
        source_id=f"check:{kind}", kind=kind, title=path.name, provider="", files=path.name, format=fmt,
        columns=columns, constants=constants, find_header=True, round_column=round_column,
        layout=name if name in LAYOUTS else None,
        admin_level="governorate" if kind == "displacement" and name == "dtm_api_v3" else "location",
    )
    return entry, name


def _issues(
    raw: pd.DataFrame, mine: pd.Series, quarantine: pd.DataFrame, collect: dict[str, Any], entry: SourceEntry
) -> list[dict[str, Any]]:
    """Every failing rule of every row of the checked file: all parse/required failures, all pandera checks of
    the row, and the rule the pipeline quarantines it for (validation or conforming)."""
    rejections: list[Rejection] = list(collect.get("failures") or [])
    typed = collect.get("typed")
    rejected = mine & raw["source_row"].isin(set(quarantine["source_row"]))
    if typed is not None and rejected.any():  # a row the pipeline accepts breaks no rule: only rejected rows
        rejections += _all_model_failures(typed.loc[rejected.to_numpy()], entry.kind)
    issues: dict[tuple[Any, ...], dict[str, Any]] = {}
    mine_index = set(raw.index[mine.to_numpy()])
    first_said = ("parse_", "required", VALUE_CHECK)
    failed_columns = {(r.index, r.column) for r in rejections if r.check.startswith(first_said)}
    for r in rejections:
        if r.index not in mine_index:
            continue
        if not r.check.startswith(first_said) and (r.index, r.column) in failed_columns:
            continue  # an unparsable or empty value also fails the model's checks: said once
        row = raw.loc[r.index]
        value = str(row.get(r.column, "")) if r.column else ""
        column = r.provider_column or (entry.provider_column(r.column) if r.column else "")
        _add(issues, row["source_row"], row["sheet"], column, value, r.check, r.message)
    reverse = {v: c for c, v in entry.columns.items()}
    for q in quarantine.itertuples():
        values = json.loads(q.raw_values) if q.raw_values else {}
        value = str(values.get(reverse.get(q.column, q.column), "")) if q.column else ""
        _add(issues, q.source_row, q.sheet, q.column, value, q.check, str(q.reason).split(": ", 1)[-1])
    ordered = sorted(issues.values(), key=lambda i: (i["row"] if i["row"] is not None else -1))
    return ordered


def _add(issues: dict[tuple[Any, ...], dict[str, Any]], row: Any, sheet: Any, column: str, value: str, rule: str,
         message: str) -> None:
    number = int(row) if str(row).isdigit() else None
    rule = str(rule).split("(", 1)[0]  # isin(['a', 'b']) -> isin: the message gives the values
    key = (number, str(column or ""), rule)
    issues.setdefault(key, {"row": number, "sheet": str(sheet or ""), "column": str(column or ""),
                            "value": value, "rule": str(rule), "message": str(message)})


def _all_model_failures(typed: pd.DataFrame, kind: str) -> list[Rejection]:
    """Every pandera check every row fails (the pipeline keeps only a row's first)."""
    try:
        MODELS[kind].to_schema().validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    except Exception:
        return []
    found = []
    for case in cases[cases["index"].notna()].itertuples():
        check = str(case.check)
        if check in ("multiple_fields_uniqueness", "field_uniqueness") or check.startswith(("not_nullable", "dtype")):
            continue  # duplicates are judged as the pipeline does, with the registered files; nulls by `required`
        column = case.column if isinstance(case.column, str) and case.column in typed.columns else ""
        if check in RULE_TEXT:
            column = ""
        found.append(Rejection(int(case.index), column, check, _humanise(check, case.failure_case)))
    return found


def accepted_rows(conformed: pd.DataFrame, entry: SourceEntry) -> pd.DataFrame:
    """Rows as they would load: row number, canonical columns (resolved p-codes beside the provider's names),
    the gazetteer's names and how names were matched."""
    columns = ["source_row", *[c for c in CANONICAL_COLUMNS[entry.kind]], *CONFORMED_COLUMNS]
    frame = conformed.reindex(columns=[c for c in columns if c in conformed.columns]).copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    return frame


def write_accepted(results: list[CheckResult], path: Path) -> None:
    """The rows that would load of every checked file, as CSV (formula-safe); a `file` column when several."""
    frames = [r.accepted.assign(file=r.file) for r in results if r.accepted is not None]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["source_row"])
    if len(results) > 1:
        frame = frame[["file", *[c for c in frame.columns if c != "file"]]]
    else:
        frame = frame.drop(columns="file", errors="ignore")
    write_frame_csv(frame, path, index=False)
