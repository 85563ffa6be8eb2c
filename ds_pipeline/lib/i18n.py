"""Languages of the area updates: message catalogues (gettext .po files read with Babel), month names, digits and
left-to-right islands inside Arabic text.

English is the source language: its messages are the msgids themselves. Every other language has a catalogue in
`ds_pipeline/locales/<language>/LC_MESSAGES/messages.po`; a message without a translation is an error
(`MissingTranslation`), never English text in an Arabic product. `missing_translations` lists what the
catalogue lacks for the messages marked in code and templates, and the test suite fails on any.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = ("en", "ar")
RIGHT_TO_LEFT = frozenset({"ar"})
# CLDR locale of each language's month names: Iraq's Arabic months (كانون الثاني, شباط, ...) not Egypt's.
CLDR_LOCALES = {"en": "en", "ar": "ar_IQ"}
DIGIT_STYLES = ("western", "arabic_indic")
ARABIC_INDIC = str.maketrans("0123456789,.%", "٠١٢٣٤٥٦٧٨٩٬٫٪")
# digits standing as numbers in a message ("0 to 100"), not inside a code or a name ("4W", "R139")
DIGITS_IN_WORDS = re.compile(r"(?<![A-Za-z0-9])[0-9]+(?![A-Za-z0-9])")
LRI, PDI = "\u2066", "\u2069"  # left-to-right isolate for numbers and codes inside right-to-left plain text


class MissingTranslation(LookupError):
    """A message has no translation in a language's catalogue."""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark for translation, translate later"
    """Mark `message` for the catalogue without translating it here (category names kept in tables)."""
    return message


@cache
def _catalogue(language: str) -> gettext.GNUTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        raise MissingTranslation(f"no message catalogue for language {language!r} ({path.name} is missing)")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Language:
    """One language of a product: its messages, month names, digits and direction."""

    code: str
    digits: str = "western"

    def __post_init__(self) -> None:
        if self.code not in LANGUAGES:
            raise ValueError(f"language {self.code!r} is not one of {', '.join(LANGUAGES)}")
        if self.digits not in DIGIT_STYLES:
            raise ValueError(f"digits {self.digits!r} is not one of {', '.join(DIGIT_STYLES)}")

    @property
    def direction(self) -> str:
        return "rtl" if self.code in RIGHT_TO_LEFT else "ltr"

    def gettext(self, message: str) -> str:
        """`message` in this language; MissingTranslation when the catalogue has none."""
        if self.code == SOURCE_LANGUAGE:
            return message
        catalogue = _catalogue(self.code)
        translated = catalogue._catalog.get(message)  # noqa: SLF001 - gettext keeps no public membership test
        if not translated:
            raise MissingTranslation(f"no {self.code} translation of {message!r}")
        return DIGITS_IN_WORDS.sub(lambda m: self.number_text(m.group()), translated)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        if self.code == SOURCE_LANGUAGE:
            return singular if count == 1 else plural
        return self.gettext(singular if count == 1 else plural)

    def month(self, month: str) -> str:
        """A YYYY-MM month in words: "October 2026", "تشرين الأول 2026"."""
        from babel.dates import get_month_names

        year, number = (int(part) for part in month.split("-"))
        name = get_month_names("wide", locale=CLDR_LOCALES[self.code])[number]
        return f"{name} {self.number_text(str(year))}"

    def date(self, day: dt.date | None) -> str:
        """A date as "31 October 2026" in the language; "" for none."""
        from babel.dates import get_month_names

        if day is None:
            return ""
        name = get_month_names("wide", locale=CLDR_LOCALES[self.code])[day.month]
        return f"{self.number_text(str(day.day))} {name} {self.number_text(str(day.year))}"

    def number_text(self, text: str) -> str:
        """Digits of an already formatted number in the language's digit style."""
        return text.translate(ARABIC_INDIC) if self.digits == "arabic_indic" else text

    def isolate(self, text: str) -> str:
        """`text` (a number, a p-code) kept left to right inside right-to-left plain text (charts, PDF titles)."""
        return f"{LRI}{text}{PDI}" if self.direction == "rtl" and text else text


def marked_messages(paths: Iterable[Path]) -> set[str]:
    """Messages marked for translation in Python modules (`_`, `N_`, `gettext`) and Jinja templates
    (`{% trans %}`, `_()`), extracted with Babel as `pybabel extract` would."""
    from babel.messages.extract import extract_from_file

    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    messages: set[str] = set()
    for path in paths:
        method = "jinja2.ext:babel_extract" if path.suffix == ".j2" else "python"
        options = {"trimmed": "true"} if method != "python" else {}
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=keywords, options=options
        ):
            messages.update([message] if isinstance(message, str) else [m for m in message if m])
    return messages


def missing_translations(language: str, messages: Iterable[str]) -> list[str]:
    """Messages that the catalogue of `language` does not translate (empty or fuzzy entries count as missing)."""
    if language == SOURCE_LANGUAGE:
        return []
    catalogue = _catalogue(language)
    return sorted(m for m in set(messages) if not catalogue._catalog.get(m))  # noqa: SLF001
