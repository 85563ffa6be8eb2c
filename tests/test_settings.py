"""Settings are checked when loaded, and household sizes and rounding come from them everywhere they are used."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml
from test_ingest import GAZETTEER, IDP_HEADER, REGISTRY
from test_products_edition import SETTINGS, WEEK, make_tables

from ds_pipeline.cli import main
from ds_pipeline.lib.feedback import check_file
from ds_pipeline.lib.products import build_edition, render_brief_html
from ds_pipeline.lib.products.brief import brief_context
from ds_pipeline.lib.products.disclosure import DisclosureParameters
from ds_pipeline.lib.settings import HouseholdSizes, SettingsError, check_settings, household_sizes, load_settings

DEMO_SETTINGS = Path(__file__).resolve().parents[1] / "sources" / "demo" / "settings.yaml"


def _settings_folder(folder: Path, change=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    settings = yaml.safe_load(DEMO_SETTINGS.read_text(encoding="utf-8"))
    if change:
        change(settings)
    (folder / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return folder


def test_the_demo_settings_load_with_their_household_sizes() -> None:
    settings = load_settings(DEMO_SETTINGS.parent)
    assert household_sizes(settings) == HouseholdSizes(household_size=6, camp_household_size=5)
    assert household_sizes({}) == HouseholdSizes(6, 5)  # the documented defaults


def test_a_misspelt_key_is_named_with_its_file_and_a_suggestion(tmp_path: Path) -> None:
    folder = _settings_folder(tmp_path, lambda s: s["disclosure"].update(min_housholds=s["disclosure"].pop(
        "min_households")))
    with pytest.raises(SettingsError) as error:
        load_settings(folder)
    message = str(error.value)
    assert str(folder / "settings.yaml") in message
    assert "unknown key 'min_housholds' in disclosure; did you mean 'min_households'?" in message


def test_unknown_sections_and_nested_keys_are_named(tmp_path: Path) -> None:
    settings = yaml.safe_load(DEMO_SETTINGS.read_text(encoding="utf-8"))
    settings["displacment"] = {"household_size": 7}
    settings["prioritisation"]["weights"]["severty"] = settings["prioritisation"]["weights"].pop("severity")
    settings["poa_areas"][1]["pcode"] = settings["poa_areas"][1].pop("pcodes")
    with pytest.raises(SettingsError) as error:
        check_settings(settings, "folder/settings.yaml")
    message = str(error.value)
    assert message.startswith("folder/settings.yaml: 4 problems")
    assert "unknown key 'displacment' at the top level; did you mean 'displacement'?" in message
    assert "unknown key 'severty' in prioritisation.weights; did you mean 'severity'?" in message
    assert "unknown key 'pcode' in poa_areas[1]; did you mean 'pcodes'?" in message
    assert "missing key 'pcodes' in poa_areas[1]" in message


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("disclosure", "round_individuals_to"), "ten",
         "disclosure.round_individuals_to: expected a whole number, found text ('ten')"),
        (("displacement", "household_size"), 6.5,
         "displacement.household_size: expected a whole number, found a decimal number (6.5)"),
        (("displacement", "camp_household_size"), 0, "displacement.camp_household_size: expected 1 or more, found 0"),
        (("return_index", "medium_from"), True, "return_index.medium_from: expected a number, found true/false"),
        (("survey", "indicators"), ["c1_free_movement"], "survey.indicators: expected a mapping of keys to values, "
                                                         "found a list"),
        (("edition", "title"), None, "edition.title: expected text, found nothing"),
    ],
)
def test_a_value_of_the_wrong_type_is_named_with_the_type_expected_and_found(
    tmp_path: Path, path: tuple[str, str], value: object, expected: str
) -> None:
    def change(settings: dict) -> None:
        settings.setdefault(path[0], {})[path[1]] = value

    with pytest.raises(SettingsError) as error:
        load_settings(_settings_folder(tmp_path, change))
    assert expected in str(error.value)


def test_publish_reports_a_settings_error_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = _settings_folder(tmp_path / "sources", lambda s: s["disclosure"].update(min_housholds=10))
    shutil.copytree(DEMO_SETTINGS.parent / "registry", sources / "registry")

    def must_not_run(*args, **kwargs):
        raise AssertionError("an asset ran despite the settings error")

    monkeypatch.setattr(dg, "materialize", must_not_run)
    monkeypatch.setattr(dg.DagsterInstance, "local_temp", must_not_run)
    code = main(["publish", "--sources", str(sources), "--out", str(tmp_path / "out"), "--week", "2026-W47"])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.startswith("error: ") and "did you mean 'min_households'?" in err
    assert out == "" and not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------------------------
# Household sizes: validation, metrics, disclosure and the method text


def _dtm_sources(folder: Path, household_size: int | None) -> Path:
    def change(settings: dict) -> None:
        if household_size is None:
            settings.pop("displacement", None)
        else:
            settings["displacement"] = {"household_size": household_size, "camp_household_size": 5}

    _settings_folder(folder, change)
    (folder / "registry").mkdir()
    for name in ("cod_ab", "dtm_idp"):
        (folder / "registry" / f"{name}.yaml").write_text(REGISTRY[name], encoding="utf-8")
    (folder / "files").mkdir()
    (folder / "files" / "gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    rows = [
        "L1,IQG15,IQG15Q05,Seven per family,10,70,0,2,8,0,IQG15,K",  # row 2: 7 x 10
        "L2,IQG15,IQG15Q05,Six per family,10,60,0,2,8,0,IQG15,K",  # row 3: 6 x 10
        "L3,IQG15,IQG15Q06,Camp,4,20,4,0,0,0,IQG15,K",  # row 4: 5 x 4 in camp
    ]
    (folder / "files" / "idp_R138.csv").write_text(IDP_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("household_size", "accepted", "rejected", "message"),
    [
        (7, 2, [3], "Individuals is not 5 x families in camp + 7 x other families"),
        (6, 2, [2], "Individuals is not 5 x families in camp + 6 x other families"),
        (None, 2, [2], "Individuals is not 5 x families in camp + 6 x other families"),  # the default
    ],
)
def test_the_dtm_estimate_rule_uses_the_household_sizes_of_the_settings(
    tmp_path: Path, household_size: int | None, accepted: int, rejected: list[int], message: str
) -> None:
    sources = _dtm_sources(tmp_path, household_size)
    result = check_file(sources, sources / "files" / "idp_R138.csv")
    assert result.rows_accepted == accepted
    assert [int(r) for r in result.quarantine["source_row"]] == rejected
    assert set(result.quarantine["check"]) == {"individuals_follow_dtm_estimate"}
    assert result.quarantine["reason"].str.endswith(message).all()


def test_the_validated_asset_uses_the_household_sizes_of_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ds_pipeline.definitions import defs as load_defs

    sources = _dtm_sources(tmp_path / "sources", 7)
    monkeypatch.setenv("DS_SOURCES_DIR", str(sources))
    monkeypatch.setenv("DS_DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    monkeypatch.setenv("DS_ASSETS_DIR", str(tmp_path / "assets"))
    defs = load_defs()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("rounds", ["R138"])
        result = dg.materialize(
            [*defs.assets],
            selection=["displacement_raw", "displacement_validated", "displacement_rejected_at_validation"],
            partition_key="R138", instance=instance, resources=defs.resources,
        )
        assert result.success
        validated = result.output_for_node("displacement_validation", "displacement_validated")
        rejected = result.output_for_node("displacement_validation", "displacement_rejected_at_validation")
    assert sorted(validated["location_id"]) == ["L1", "L3"]
    assert list(rejected["source_row"].astype(int)) == [3]


def test_the_displacement_metric_uses_the_household_sizes_of_the_settings(tmp_path: Path) -> None:
    from ds_pipeline.defs.metrics.assets import displacement_by_area
    from ds_pipeline.defs.resources import SourcesFolder

    sources = _settings_folder(tmp_path, lambda s: s.update(displacement={"household_size": 7,
                                                                        "camp_household_size": 4}))
    frame = pd.DataFrame({
        "round_id": ["R1"], "reporting_date": [pd.Timestamp("2026-10-31")], "population_type": ["idp"],
        "location_id": ["L1"], "admin1_pcode": ["IQG15"], "admin2_pcode": ["IQG15Q05"], "admin3_pcode": [""],
        "admin1_name_en": ["Ninewa"], "admin2_name_en": ["Al-Mosul"], "admin3_name_en": [""], "poa_area": [""],
        "families": [10], "individuals": [66], "families_in_camp": [2], "families_in_critical_shelter": [3],
        "families_in_private": [5], "families_in_unknown_shelter": [0],
    })
    table = displacement_by_area(sources=SourcesFolder(path=str(sources)), displacement_conformed=frame)
    district = table[table["area_level"] == "district"].iloc[0]
    assert district["individuals_in_camp"] == 8 and district["individuals_in_private"] == 35


def _edition(**changes: dict):
    settings = {**SETTINGS, **changes}
    return build_edition(make_tables(), WEEK, settings)


def test_disclosure_and_method_text_follow_the_household_sizes() -> None:
    assert DisclosureParameters.from_settings({"displacement": {"household_size": 7}}).min_individuals == 70
    assert DisclosureParameters.from_settings({}).min_individuals == 60
    edition = _edition(displacement={"household_size": 7, "camp_household_size": 4})
    assert edition.disclosure.min_individuals == 70
    assert "families x 7, x 4 in camps" in edition.tables["displacement"].description
    method = brief_context(edition)["method"]
    assert (method["household_size"], method["camp_household_size"]) == (7, 4)
    html = render_brief_html(edition)
    assert "families × 7" in html and "(× 4 in camps)" in html


def test_rounding_texts_follow_round_individuals_to() -> None:
    edition = _edition(disclosure={"min_households": 10, "round_individuals_to": 100})
    descriptions = {f"{t.name}.{f.name}": f.description for t in edition.tables.values() for f in t.fields}
    assert descriptions["displacement.individuals"] == "Individuals (rounded to 100)"
    assert descriptions["service_coverage.people_reached"] == "People reached (rounded to 100)"
    assert "rounded to 100" in descriptions["key_figures.unit"]
    assert not [k for k, d in descriptions.items() if "rounded to 10)" in d or "rounded to 10," in d]
    html = render_brief_html(edition)
    assert "changes rounded to the nearest 100;" in html and "rounded to the nearest 100; totals" in html
    assert "nearest 10;" not in html


def test_yaml_is_read_by_the_c_parser_with_the_values_and_refusals_of_safe_load():
    from ds_pipeline.lib.demo.generator import DEMO_CONFIG_DIR
    from ds_pipeline.lib.yaml_text import SAFE_LOADER, safe_values

    assert yaml.__with_libyaml__ and SAFE_LOADER is yaml.CSafeLoader  # the set-up's PyYAML wheel carries libyaml
    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(DEMO_CONFIG_DIR).rglob("*.yaml"))]
    assert len(texts) > 3
    for text in texts + ["a: 2026-11-30\nb: [1, 1.5, null, yes, '010']\nc: ~\n"]:
        assert safe_values(text) == yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError):
        safe_values("x: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(yaml.YAMLError):
        safe_values("a: [1, 2\n")
