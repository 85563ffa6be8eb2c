"""Write the deterministic demo sources folder: every source's data files plus a manifest of the planted bad rows.

`generate_demo_sources(folder)` writes the files the registry entries in `folder/registry` point at, under
`folder/files`, and `folder/files/demo_manifest.json`. The same arguments always give byte-identical files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ds_pipeline.lib.demo.displacement import build_displacement, demo_rounds
from ds_pipeline.lib.demo.geography import GAZETTEER_HEADER, gazetteer_rows, load_geography
from ds_pipeline.lib.demo.poa import SOURCE_ID as POA_SOURCE
from ds_pipeline.lib.demo.poa import build_poa, write_poa_workbook
from ds_pipeline.lib.demo.services import build_service_mapping, hxl_tags
from ds_pipeline.lib.demo.survey import build_survey
from ds_pipeline.lib.demo.tables import DemoFile, write_csv
from ds_pipeline.lib.registry import load_registry
from ds_pipeline.lib.settings import load_settings

DEFAULT_SEED = 20261122
MANIFEST_NAME = "demo_manifest.json"
# Sub-folders of files/ that the generator owns and rewrites on every run.
GENERATED_FOLDERS = ("gazetteer", "dtm", "return_index", "4w", "poa", "survey")
GAZETTEER_SOURCE = "cod_ab_iraq"
GAZETTEER_FILE = "files/gazetteer/iraq_cod_ab_pcodes.csv"
DEMO_CONFIG_DIR = Path(__file__).resolve().parents[3] / "sources" / "demo"


def generate_demo_sources(
    folder: Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0, rounds: int = 8
) -> dict[str, Any]:
    """Write the demo data files under `folder/files` and return the manifest (also written as JSON).

    `scale` 1.0 is Iraq at national scale (about 3,000 IDP and 2,000 returnee locations per round, 1,500 4W rows,
    10,000 surveyed households); `rounds` quarterly DTM rounds are numbered from R132 and end on 2026-10-31.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if rounds < 1:
        raise ValueError(f"rounds must be 1 or more, got {rounds}")
    folder = Path(folder)
    entry_of = {entry.source_id: entry for entry in load_registry(folder)}
    if POA_SOURCE not in entry_of:
        raise ValueError(f"registry/{POA_SOURCE}.yaml is missing in {folder}: the POA workbooks follow its layout")
    settings = load_settings(folder)
    files_dir = folder / "files"
    for name in GENERATED_FOLDERS:
        shutil.rmtree(files_dir / name, ignore_errors=True)
    (files_dir / MANIFEST_NAME).unlink(missing_ok=True)

    geography = load_geography()
    round_list = demo_rounds(rounds)
    gazetteer = DemoFile(GAZETTEER_SOURCE, GAZETTEER_FILE, list(GAZETTEER_HEADER),
                         [dict(zip(GAZETTEER_HEADER, row, strict=True)) for row in gazetteer_rows(geography)])
    displacement = build_displacement(seed, scale, round_list, geography)
    service_mapping = build_service_mapping(seed, scale, geography)
    poa_files = build_poa(seed)
    survey = build_survey(seed, scale, geography)

    csv_files = [gazetteer, *displacement.idp_files, *displacement.returnee_files,
                 *displacement.return_index_files, survey]
    for demo_file in csv_files:
        write_csv(folder, demo_file)
    write_csv(folder, service_mapping, bom=True, tag_row=hxl_tags())
    for demo_file in poa_files:
        write_poa_workbook(folder, demo_file, entry_of[POA_SOURCE], settings)

    all_files = [*csv_files, service_mapping, *poa_files]
    sources: dict[str, dict[str, Any]] = {}
    for demo_file in all_files:
        entry = sources.setdefault(demo_file.source_id, {"files": [], "rows": 0})
        entry["files"].append(demo_file.relative_path)
        entry["rows"] += len(demo_file.rows)
    for entry in sources.values():
        entry["files"].sort()
    planted = sorted(
        (record for demo_file in all_files for record in demo_file.planted_records()),
        key=lambda r: (r["source_id"], r["source_file"], r["source_row"], r["column"]),
    )
    manifest = {
        "seed": seed,
        "scale": scale,
        "rounds": [r.round_id for r in round_list],
        "sources": {source_id: sources[source_id] for source_id in sorted(sources)},
        "planted": planted,
    }
    text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    (files_dir / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return manifest


def copy_demo_config(dest: Path) -> Path:
    """Copy the demo's registry entries and settings.yaml into `dest` (a sources folder to generate into)."""
    dest = Path(dest)
    registry = DEMO_CONFIG_DIR / "registry"
    if not registry.is_dir():
        raise FileNotFoundError(f"the demo configuration is not at {DEMO_CONFIG_DIR}")
    (dest / "registry").mkdir(parents=True, exist_ok=True)
    for entry in sorted(registry.glob("*.yaml")):
        shutil.copyfile(entry, dest / "registry" / entry.name)
    shutil.copyfile(DEMO_CONFIG_DIR / "settings.yaml", dest / "settings.yaml")
    return dest
