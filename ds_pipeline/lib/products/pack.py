"""The RWG dissemination pack: brief (PDF + HTML), HXL-tagged CSVs, one XLSX workbook, datapackage.json and a
SHA-256 manifest, zipped deterministically (fixed entry dates, sorted entries), plus `publish_edition`.

Suppressed cells are empty in the CSV and XLSX; the `suppressed_columns` column (`#meta+suppressed`) names them
and datapackage.json lists every suppression with its reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from ds_pipeline.lib.csv_safe import csv_writer
from ds_pipeline.lib.products.area_publish import AREAS_FOLDER
from ds_pipeline.lib.products.atomic import write_files_atomically
from ds_pipeline.lib.products.brief import render_brief_document, render_brief_html
from ds_pipeline.lib.products.edition import Edition, PublicationTable, build_edition
from ds_pipeline.lib.products.formatting import format_value

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
DATA_FOLDER = "data"
PACK_VERSION = "1.0"
QUALITY_FOLDER = "quality"
QUALITY_TITLES = {
    "json": "Data quality: every expectation on every table and its result (Great Expectations)",
    "html": "Data quality: expectations per table, passed and failed (Great Expectations)",
}


def table_csv(table: PublicationTable) -> bytes:
    """UTF-8 CSV: header row, HXL hashtag row, then the rows (blank cells empty; formula-like text neutralised)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    writer.writerow([f.name for f in table.fields])
    writer.writerow([f.hxl for f in table.fields])
    for _position, row in table.frame.iterrows():
        writer.writerow([format_value(row[f.name], f) for f in table.fields])
    return buffer.getvalue().encode("utf-8")


def _created(edition: Edition) -> dt.datetime:
    return dt.datetime(edition.as_of.year, edition.as_of.month, edition.as_of.day)


def _readme_lines(edition: Edition) -> list[tuple[str, str]]:
    params = edition.disclosure
    lines = [
        ("Title", f"{edition.title} — RWG dissemination pack"),
        ("Edition", edition.week),
        ("Data as of", edition.as_of.isoformat()),
        ("Sensitivity", edition.pack_sensitivity_label),
        ("Producer", edition.producer),
        ("Contact", edition.contact),
        ("Licence", edition.licence.get("title", edition.licence.get("name", ""))),
        ("Row 2 of every sheet", "HXL hashtags (https://hxlstandard.org)"),
        (
            "Disclosure control",
            f"Counts of 1-{params.min_households - 1} households (1-{params.min_individuals - 1} individuals where "
            f"only individuals are known) are left empty, with secondary suppression; the column "
            f"suppressed_columns names them. Individuals are rounded to the nearest {params.round_individuals_to}; "
            f"totals may not add up due to rounding. Suppressed cells in this edition: {len(edition.suppressions)}.",
        ),
        ("", ""),
        ("Sheet", "Contents"),
    ]
    lines += [(table.name, f"{table.title}. {table.description}".strip()) for table in edition.tables.values()]
    return lines


def tables_xlsx(edition: Edition) -> bytes:
    """One workbook: a README sheet first, then one sheet per table (header, HXL row, rows)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties(
        {
            "title": f"{edition.title} {edition.week}",
            "author": edition.producer,
            "company": edition.producer,
            "comments": edition.pack_sensitivity_label,
            "created": _created(edition),
        }
    )
    bold = workbook.add_format({"bold": True})
    hxl = workbook.add_format({"italic": True, "font_color": "#555555"})
    readme = workbook.add_worksheet("README")
    readme.set_column(0, 0, 28)
    readme.set_column(1, 1, 110)
    for row, (key, text) in enumerate(_readme_lines(edition)):
        readme.write_string(row, 0, key, bold)
        readme.write_string(row, 1, text)
    for table in edition.tables.values():
        sheet = workbook.add_worksheet(table.name[:31])
        for column, field in enumerate(table.fields):
            sheet.write_string(0, column, field.name, bold)
            sheet.write_string(1, column, field.hxl, hxl)
            sheet.set_column(column, column, max(10, min(40, len(field.name) + 2)))
        for offset, (_position, row) in enumerate(table.frame.iterrows()):
            for column, field in enumerate(table.fields):
                value = row[field.name]
                text = format_value(value, field)
                if text == "":
                    sheet.write_blank(offset + 2, column, None)
                elif field.type in ("integer", "number"):
                    sheet.write_number(offset + 2, column, float(text))
                elif field.type == "boolean":
                    sheet.write_boolean(offset + 2, column, text == "true")
                else:
                    sheet.write_string(offset + 2, column, text)
        sheet.freeze_panes(2, 0)
    workbook.close()
    return buffer.getvalue()


def datapackage(edition: Edition, files: dict[str, bytes]) -> dict[str, Any]:
    """Frictionless Data Package descriptor of the pack (custom keys: sensitivity, SDC parameters, suppressions)."""
    params = edition.disclosure
    resources: list[dict[str, Any]] = []
    for table in edition.tables.values():
        path = f"{DATA_FOLDER}/{table.name}.csv"
        resources.append(
            {
                "name": table.name,
                "path": path,
                "title": table.title,
                "description": table.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(files[path]),
                "hash": f"sha256:{hashlib.sha256(files[path]).hexdigest()}",
                "dialect": {"header": True, "headerRows": [1], "commentRows": [2], "delimiter": ","},
                "schema": {
                    "fields": [
                        {"name": f.name, "type": f.type, "description": f.description, "hxl": f.hxl}
                        for f in table.fields
                    ],
                    "missingValues": [""],
                },
                "suppressed_cells": len(table.suppressions),
            }
        )
    for path, title, mediatype in sorted(
        (p, t, m)
        for p, t, m in (
            (f"{edition.brief_stem}.pdf", "Weekly evidence brief (PDF)", "application/pdf"),
            (f"{edition.brief_stem}.html", "Weekly evidence brief (HTML)", "text/html"),
            (xlsx_name(edition), "All tables as one workbook (README sheet first)",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            *((q, QUALITY_TITLES.get(q.rsplit(".", 1)[1], "Data quality"),
               "application/json" if q.endswith(".json") else "text/html")
              for q in files if q.startswith(f"{QUALITY_FOLDER}/")),
            *((a, f"Area update {a.rsplit('/', 1)[1].rsplit('.', 1)[0]} ({a.rsplit('.', 1)[1].upper()})",
               "application/pdf" if a.endswith(".pdf") else "text/html")
              for a in files if a.startswith(f"{AREAS_FOLDER}/")),
        )
    ):
        resources.append(
            {
                "name": path.rsplit(".", 1)[0].lower().replace("_", "-") + "-" + path.rsplit(".", 1)[1],
                "path": path,
                "title": title,
                "mediatype": mediatype,
                "bytes": len(files[path]),
                "hash": f"sha256:{hashlib.sha256(files[path]).hexdigest()}",
            }
        )
    sources = edition.tables["sources"].frame
    return {
        "profile": "data-package",
        "name": f"irq-rwg-pack-{edition.week.lower()}",
        "title": f"{edition.title} — RWG dissemination pack, edition {edition.week}",
        "description": (
            "Weekly evidence brief of the Durable Solutions Technical Working Group (Iraq) and the tables behind it, "
            f"with data as of {edition.as_of.isoformat()}. Every CSV has an HXL hashtag row under the header."
        ),
        "version": PACK_VERSION,
        "created": f"{edition.as_of.isoformat()}T00:00:00Z",
        "keywords": ["Iraq", "durable solutions", "IDPs", "returnees", "HXL"],
        "licenses": [edition.licence],
        "contributors": [{"title": edition.producer, "role": "publisher", "email": edition.contact}],
        "sources": [
            {"title": f"{row['title']} ({row['provider']}), data as of {row['data_as_of']}"}
            for _i, row in sources.iterrows()
        ],
        "sensitivity_label": edition.pack_sensitivity_label,
        "edition": edition.week,
        "data_as_of": edition.as_of.isoformat(),
        "statistical_disclosure_control": {
            "min_households": params.min_households,
            "household_size": params.household_size,
            "min_individuals_without_household_counts": params.min_individuals,
            "round_individuals_to": params.round_individuals_to,
            "secondary_suppression": "smallest other non-zero cell of every additive relation (row total and "
                                     "parts; governorate and its districts; POA area and its districts) with "
                                     "exactly one suppressed cell, repeated until none remains",
            "suppressed_cells": len(edition.suppressions),
            "suppressed_cell_marker": "empty cell; column suppressed_columns (#meta+suppressed) names the columns",
        },
        "suppressions": [s.as_dict() for s in edition.suppressions],
        "resources": resources,
    }


def xlsx_name(edition: Edition) -> str:
    return f"IRQ_DSTWG_tables_{edition.week}.xlsx"


def table_files(edition: Edition) -> dict[str, bytes]:
    """The pack's tables by their path inside the zip: the XLSX workbook, then one CSV per table (most of the time
    a pack takes to build, so a publish builds them while the edition's validation finishes)."""
    files = {xlsx_name(edition): tables_xlsx(edition)}
    for table in edition.tables.values():
        files[f"{DATA_FOLDER}/{table.name}.csv"] = table_csv(table)
    return files


def pack_files(
    edition: Edition, html: str, pdf: bytes, quality: dict[str, bytes] | None = None,
    areas: dict[str, bytes] | None = None, tables: dict[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Every file of the pack by its path inside the zip; `quality` adds the data-quality files (quality/...),
    `areas` the published area updates of the month (areas/<YYYY-MM>/...); `tables` are the edition's
    `table_files` when already built."""
    files: dict[str, bytes] = {
        f"{edition.brief_stem}.pdf": pdf,
        f"{edition.brief_stem}.html": html.encode("utf-8"),
        **(tables if tables is not None else table_files(edition)),
    }
    files.update(quality or {})
    files.update(areas or {})
    descriptor = datapackage(edition, files)
    files["datapackage.json"] = (json.dumps(descriptor, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode(
        "utf-8"
    )
    manifest = "".join(f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in sorted(files))
    files["MANIFEST.sha256"] = manifest.encode("utf-8")
    return files


def build_pack(
    edition: Edition, html: str, pdf: bytes, quality: dict[str, bytes] | None = None,
    areas: dict[str, bytes] | None = None, tables: dict[str, bytes] | None = None,
) -> bytes:
    """The pack as zip bytes: sorted entries, fixed dates and permissions, deflate level 9."""
    files = pack_files(edition, html, pdf, quality, areas, tables)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, files[path], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()


def edition_folder(out_dir: Path, edition: Edition) -> Path:
    """`out_dir/<week>/`, created if needed: where an edition's brief and pack are published."""
    folder = Path(out_dir) / edition.week
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_edition(
    out_dir: Path, edition: Edition, html: str | None = None, pdf: bytes | None = None, pack: bytes | None = None
) -> dict[str, Path]:
    """Write the brief's HTML and PDF and/or the RWG pack into the edition's folder in one step (the folder is
    staged beside it and swapped into place, its other files kept); returns the written paths by kind."""
    files = {"html": (f"{edition.brief_stem}.html", html.encode("utf-8") if html is not None else None),
             "pdf": (f"{edition.brief_stem}.pdf", pdf), "pack": (edition.pack_name, pack)}
    written = {kind: entry for kind, entry in files.items() if entry[1] is not None}
    paths = write_files_atomically(Path(out_dir) / edition.week, {name: data for name, data in written.values()})
    return dict(zip(written, paths, strict=True))


def publish_edition(
    tables: dict[str, pd.DataFrame], week: str, settings: dict[str, Any], out_dir: Path
) -> dict[str, Any]:
    """Build the edition of `week` and write `out_dir/<week>/` brief HTML and PDF and the RWG pack zip."""
    edition = build_edition(tables, week, settings)
    html = render_brief_html(edition)
    pdf, pages = render_brief_document(html, edition)
    pack = build_pack(edition, html, pdf)
    paths = write_edition(out_dir, edition, html, pdf, pack)
    return {
        "week": week,
        "as_of": edition.as_of.isoformat(),
        **paths,
        "pages": pages,
        "tables": len(edition.tables),
        "table_rows": sum(len(t.frame) for t in edition.tables.values()),
        "suppressed_cells": len(edition.suppressions),
        "bytes": {"html": len(html.encode("utf-8")), "pdf": len(pdf), "pack": len(pack)},
    }
