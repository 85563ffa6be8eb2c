"""Message catalogues of the area updates: every marked message translated, placeholders kept, missing translations
fail; month names, digits and left-to-right islands; the month calendar and schedule of the area updates."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import dagster as dg
import pytest
from conftest import ROOT

from ds_pipeline.lib.edition_calendar import latest_complete_area_month, previous_month
from ds_pipeline.lib.i18n import LANGUAGES, Language, MissingTranslation, marked_messages, missing_translations

MARKED = [*sorted((ROOT / "ds_pipeline" / "lib").rglob("*.py")), ROOT / "reports" / "templates" / "area_update.html.j2"]


@pytest.fixture(scope="module")
def messages() -> set[str]:
    return marked_messages(MARKED)


def test_every_marked_message_has_a_translation_in_every_language(messages: set[str]) -> None:
    assert len(messages) > 100  # headings, labels, sentences, criteria, sectors, categories
    for language in LANGUAGES:
        assert missing_translations(language, messages) == [], language


def test_the_catalogue_template_is_up_to_date_with_the_code(messages: set[str]) -> None:
    from babel.messages.pofile import read_po

    with (ROOT / "ds_pipeline" / "locales" / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    assert messages == template, "run: pybabel extract -F babel.cfg -k N_ --no-location --omit-header " \
        "--sort-output -o ds_pipeline/locales/messages.pot ."


def test_translations_keep_every_placeholder(messages: set[str]) -> None:
    arabic = Language("ar")
    for message in messages:
        assert sorted(re.findall(r"\{\w+\}", arabic.gettext(message))) == sorted(re.findall(r"\{\w+\}", message))


def test_a_message_without_translation_is_an_error_not_english_text(tmp_path: Path) -> None:
    with pytest.raises(MissingTranslation, match="no ar translation of 'A heading nobody translated'"):
        Language("ar").gettext("A heading nobody translated")
    assert missing_translations("ar", {"Key figures", "A heading nobody translated"}) == ["A heading nobody translated"]
    assert Language("en").gettext("A heading nobody translated") == "A heading nobody translated"


def test_a_template_string_added_without_translation_fails_the_catalogue_check(tmp_path: Path) -> None:
    template = tmp_path / "new.html.j2"
    template.write_text('<h2>{{ _("Key figures") }}</h2><p>{{ _("Brand new paragraph") }}</p>', encoding="utf-8")
    found = marked_messages([template])
    assert found == {"Key figures", "Brand new paragraph"}
    assert missing_translations("ar", found) == ["Brand new paragraph"]


def test_month_names_digits_and_isolates() -> None:
    arabic, english = Language("ar"), Language("en")
    assert english.month("2026-10") == "October 2026"
    assert arabic.month("2026-10") == "تشرين الأول 2026"  # the months used in Iraq, Western digits by default
    assert arabic.month("2026-02") == "شباط 2026"
    indic = Language("ar", digits="arabic_indic")
    assert indic.month("2026-10") == "تشرين الأول ٢٠٢٦"
    assert indic.number_text("1,234.5%") == "١٬٢٣٤٫٥٪"
    assert arabic.number_text("1,234") == "1,234"
    assert arabic.isolate("IQG15Q07") == "\u2066IQG15Q07\u2069" and english.isolate("IQG15Q07") == "IQG15Q07"
    assert arabic.direction == "rtl" and english.direction == "ltr"
    assert english.date(dt.date(2026, 10, 31)) == "31 October 2026"
    with pytest.raises(ValueError, match="digits 'roman'"):
        Language("ar", digits="roman")
    with pytest.raises(ValueError, match="language 'ku'"):
        Language("ku")


@pytest.mark.parametrize(
    ("day", "month"),
    [
        (dt.date(2026, 11, 30), "2026-10"),
        (dt.date(2026, 11, 11), "2026-10"),
        (dt.date(2026, 11, 10), "2026-09"),  # the October reports are still due today
        (dt.date(2027, 1, 15), "2026-12"),
        (dt.date(2027, 1, 5), "2026-11"),
    ],
)
def test_the_latest_complete_area_month_follows_the_poa_deadline(day: dt.date, month: str) -> None:
    assert latest_complete_area_month(day, 10) == month
    assert previous_month("2027-01") == "2026-12"


def test_the_area_schedule_is_off_by_default_and_builds_the_month_after_the_deadline(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    from ds_pipeline.defs.products.areas import area_updates_schedule
    from ds_pipeline.defs.resources import SourcesFolder
    from ds_pipeline.lib.demo import copy_demo_config

    sources = copy_demo_config(tmp_path / "sources")
    assert area_updates_schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    baghdad = ZoneInfo("Asia/Baghdad")
    resources = {"sources": SourcesFolder(path=str(sources))}
    with dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 11, 11, 7, tzinfo=baghdad),
                                   resources=resources) as context:
        request = area_updates_schedule(context)
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2026-10-01"
    with dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 11, 12, 7, tzinfo=baghdad),
                                   resources=resources) as context:
        assert isinstance(area_updates_schedule(context), dg.SkipReason)
