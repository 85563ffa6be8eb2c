"""Outside `check` too, a wrong setting, registry entry or warehouse URL is one line naming it, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_ingest import GAZETTEER, REGISTRY

from ds_pipeline.cli import main
from ds_pipeline.lib.registry import RegistryError, load_registry
from ds_pipeline.lib.warehouse import WarehouseError, make_engine, masked_url

DEMO_SETTINGS = Path(__file__).resolve().parents[1] / "sources" / "demo" / "settings.yaml"
PASSWORD = "s3cr3t-pw"


def _sources(folder: Path, entry: str = REGISTRY["cod_ab"]) -> Path:
    (folder / "registry").mkdir(parents=True)
    (folder / "files").mkdir()
    (folder / "registry" / "cod_ab.yaml").write_text(entry, encoding="utf-8")
    (folder / "files" / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    shutil.copyfile(DEMO_SETTINGS, folder / "settings.yaml")
    return folder


def _one_line_error(capsys: pytest.CaptureFixture[str], code: int) -> str:
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err and PASSWORD not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://", "write the driver in DS_DATABASE_URL explicitly"),
        (f"postgresql://user:{PASSWORD}@db.example/warehouse", "postgresql+psycopg2://"),
        ("sqlite:////no/such/dir/w.db", "the warehouse folder /no/such/dir does not exist"),
        (f"postgresql+psycopg2://user:{PASSWORD}@127.0.0.1:1/db",
         "cannot connect to the warehouse postgresql+psycopg2://user:***@127.0.0.1:1/db: "),
        ("not a url", "'not a url' is not a warehouse URL"),
        (f"mysql+nosuchdriver://user:{PASSWORD}@host/db", "no installed database driver for 'mysql+nosuchdriver'"),
    ],
)
def test_publish_with_a_bad_warehouse_says_why_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, expected: str
) -> None:
    sources = _sources(tmp_path / "sources")
    code = main(["publish", "--sources", str(sources), "--out", str(tmp_path / "out"), "--database", url])
    assert expected in _one_line_error(capsys, code)
    assert not (tmp_path / "out").exists()


def test_a_missing_sqlite_folder_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="does not exist"):
        make_engine(f"sqlite:///{tmp_path}/missing/w.db")
    assert not (tmp_path / "missing").exists()
    make_engine(f"sqlite:///{tmp_path}/w.db").dispose()  # an existing folder is fine


def test_the_password_is_masked_in_shown_urls() -> None:
    assert masked_url(f"postgresql+psycopg2://u:{PASSWORD}@h:5432/db") == "postgresql+psycopg2://u:***@h:5432/db"
    assert PASSWORD not in masked_url(f"weird://u:{PASSWORD}@h/db with spaces")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda e: e.replace("files:", "fles:"), "registry/cod_ab.yaml: unknown key 'fles'; did you mean 'files'?"),
        (lambda e: e.replace("name_en: Name", "nam_en: Name"),
         "registry/cod_ab.yaml: columns: 'nam_en' is not a canonical column of kind 'gazetteer'; did you mean "
         "'name_en'?"),
        (lambda e: "- a list\n- not an entry\n", "registry/cod_ab.yaml: expected a mapping of keys"),
        (lambda e: e.split("columns:")[0] + "columns: [Admin Level, P-Code]\n",
         "registry/cod_ab.yaml: 'columns' must map canonical columns to values"),
    ],
)
def test_a_misspelt_registry_key_is_named_with_its_file_and_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change, expected: str
) -> None:
    sources = _sources(tmp_path / "sources", change(REGISTRY["cod_ab"]))
    with pytest.raises(RegistryError) as error:
        load_registry(sources)
    assert expected in str(error.value)
    code = main(["publish", "--sources", str(sources), "--out", str(tmp_path / "out"),
                 "--database", f"sqlite:///{tmp_path}/w.db"])
    assert expected in _one_line_error(capsys, code)
    assert not (tmp_path / "w.db").exists()  # stopped before the warehouse was touched


def test_generate_demo_into_a_new_folder_writes_a_complete_sources_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new" / "sources"
    assert main(["generate-demo", "--out", str(out), "--scale", "0.01", "--rounds", "2"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert (out / "settings.yaml").is_file()
    entries = {e.source_id for e in load_registry(out)}
    manifest = json.loads((out / "files" / "demo_manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["sources"]) <= entries
    for info in manifest["sources"].values():
        assert info["rows"] > 0
        assert all((out / f).is_file() for f in info["files"])
    assert manifest["planted"]  # every kind of planted problem still fits in the tiny demo


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["--scale", "0"], "error: scale must be positive"), (["--rounds", "0"], "error: rounds must be 1 or more")],
)
def test_generate_demo_refuses_bad_arguments_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    code = main(["generate-demo", "--out", str(tmp_path / "s"), *args])
    assert _one_line_error(capsys, code).startswith(expected)


def test_generate_demo_into_a_file_path_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    code = main(["generate-demo", "--out", str(tmp_path / "a_file" / "sources"), "--scale", "0.01"])
    assert "cannot write the demo sources" in _one_line_error(capsys, code)


def test_a_lock_file_that_cannot_be_written_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = _sources(tmp_path / "sources")
    (tmp_path / "w.db.lock").mkdir()  # where the publish lock file goes
    code = main(["publish", "--sources", str(sources), "--out", str(tmp_path / "out"),
                 "--database", f"sqlite:///{tmp_path}/w.db"])
    assert f"cannot write the warehouse lock file {tmp_path}/w.db.lock" in _one_line_error(capsys, code)
