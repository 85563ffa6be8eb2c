"""Publication gates on an edition: each brief section's required input has accepted rows, and every file of the
edition's source inventory reconciles (rows read = accepted + quarantined).

`section_gaps` is what the blocking Dagster check uses (and what the brief prints as "No data in this edition:
<why>" when incomplete publication is allowed); `unreconciled_inventory` is the reconciliation on the edition's
own as-of inventory, so every job that publishes runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from ds_pipeline.lib.products.edition import AsOfSlice, Edition
from ds_pipeline.lib.quality import unreconciled_files
from ds_pipeline.lib.registry import SourceEntry

NO_DATA = "No data in this edition"


@dataclass(frozen=True)
class SectionInput:
    """A brief section, the kind of source it cannot do without, and how to tell its slice is empty."""

    section: str
    kind: str
    label: str
    empty: Callable[[AsOfSlice], bool]


SECTION_INPUTS: tuple[SectionInput, ...] = (
    SectionInput("Key figures", "displacement", "DTM Master List round", lambda p: p.displacement.empty),
    SectionInput("Area severity", "return_index", "Return Index round", lambda p: p.severity.empty),
    SectionInput("Progress on the 8 IASC criteria", "household_survey", "household survey round",
                 lambda p: p.criteria.empty),
    SectionInput("Plan of Action status", "poa_submission", "POA report month", lambda p: p.poa_by_criterion.empty),
    SectionInput("Service gaps", "service_mapping", "4W month", lambda p: not p.coverage_month),
)


@dataclass(frozen=True)
class SectionGap:
    """A section without data in an edition, the source it needs and why."""

    section: str
    source_id: str
    title: str
    reason: str

    def message(self) -> str:
        return f"section {self.section!r}: {self.reason}"


def _sources_of_kind(kind: str, inventory: pd.DataFrame, registry: Iterable[SourceEntry] | None) -> list[tuple]:
    if registry is not None:
        found = [(e.source_id, e.title) for e in registry if e.kind == kind]
        if found:
            return sorted(found)
    if inventory.empty:
        return []
    of_kind = inventory[inventory["kind"] == kind][["source_id", "title"]].drop_duplicates()
    return sorted((str(s), str(t)) for s, t in of_kind.itertuples(index=False))


def section_gaps(edition: Edition, registry: Iterable[SourceEntry] | None = None) -> list[SectionGap]:
    """Sections whose required source has no accepted rows in files dated on or before the as-of date, or whose
    slice of the edition is empty; each names the source (registry id and title) and the reason."""
    part = edition.current
    inventory = part.inventory
    as_of = edition.as_of.isoformat()
    registry = list(registry) if registry is not None else None
    gaps = []
    for need in SECTION_INPUTS:
        sources = _sources_of_kind(need.kind, inventory, registry)
        if inventory.empty and registry is None:  # tables without an inventory: only the slice itself can tell
            if need.empty(part):
                gaps.append(SectionGap(need.section, "", "", f"no {need.label} is dated on or before {as_of}"))
            continue
        if not sources:
            reason = (f"no source of kind {need.kind} is registered" if registry is not None
                      else f"no {need.kind} file is dated on or before {as_of}")
            gaps.append(SectionGap(need.section, "", "", reason))
            continue
        for source_id, title in sources:
            rows = inventory[inventory["source_id"] == source_id] if not inventory.empty else inventory
            accepted = int(rows["rows_accepted"].sum()) if not rows.empty else 0
            if accepted == 0:
                read = int(rows["rows_read"].sum()) if not rows.empty else 0
                detail = (f"all {read:,} rows read were quarantined" if read
                          else "none of its files has rows dated on or before the as-of date")
                gaps.append(SectionGap(need.section, source_id, title,
                                       f"no accepted rows from {title} ({source_id}) as of {as_of}: {detail}"))
        if need.empty(part) and not any(g.section == need.section for g in gaps):
            source_id, title = sources[0]
            gaps.append(SectionGap(need.section, source_id, title,
                                   f"no {need.label} of {title} ({source_id}) is dated on or before {as_of}"))
    return gaps


def no_data_reasons(edition: Edition, registry: Iterable[SourceEntry] | None = None) -> dict[str, str]:
    """Section title -> why it has no data (all gaps of the section, joined)."""
    reasons: dict[str, list[str]] = {}
    for gap in section_gaps(edition, registry):
        reasons.setdefault(gap.section, []).append(gap.reason)
    return {section: "; ".join(texts) for section, texts in reasons.items()}


def unreconciled_inventory(edition: Edition) -> pd.DataFrame:
    """Files of the edition's as-of inventory whose rows read differ from rows accepted + quarantined."""
    inventory = edition.current.inventory
    if inventory.empty:
        return pd.DataFrame(columns=["source_id", "source_file", "rows_read", "rows_accepted", "rows_quarantined"])
    return unreconciled_files(inventory).reset_index(drop=True)
