"""Two languages for every page: gettext catalogues (api/i18n/<locale>.po) compiled in memory with babel at
start-up, the locale of a request (switch cookie, else the browser's Accept-Language), and dates, numbers and
countdowns formatted for it. `python -m api.web.i18n` updates the catalogues from the templates and code."""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from markupsafe import Markup

CATALOGUES = Path(__file__).resolve().parent.parent / "i18n"
LOCALES = ("en", "zh_Hans")
DEFAULT_LOCALE = "en"
LANG_COOKIE = "dueflow_lang"
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}
LOCALE_NAMES = {"en": "English", "zh_Hans": "中文"}
# Dates are shown in the city's time zone (the deadlines are the city's), configurable per installation.
TIMEZONE = ZoneInfo(os.environ.get("DUEFLOW_TIMEZONE", "Asia/Shanghai"))

_locale: ContextVar[str] = ContextVar("dueflow_locale", default=DEFAULT_LOCALE)
_translations: dict[str, Translations] = {}


def load(folder: Path = CATALOGUES) -> dict[str, Translations]:
    """Read every .po catalogue and compile it in memory (no .mo file is ever committed or written)."""
    for locale in LOCALES:
        with open(folder / f"{locale}.po", "rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        _translations[locale] = Translations(buffer)
    return _translations


def current() -> str:
    return _locale.get()


@contextmanager
def using(locale: str) -> Iterator[None]:
    token = _locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _locale.reset(token)


def gettext(message: str) -> str:
    if not _translations:
        load()
    return _translations[current()].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if not _translations:
        load()
    return _translations[current()].ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it yet (translated where it is shown)."""
    return message


def _normalise(tag: str) -> str | None:
    tag = tag.strip().replace("-", "_").lower()
    if tag.startswith("zh"):
        return "zh_Hans"  # the only Chinese catalogue; simplified is what the city's users read
    if tag.startswith("en"):
        return "en"
    return None


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """An explicit choice (the switch) wins, then the cookie it left, then the browser's languages by weight."""
    for choice in (query, cookie):
        if choice and choice in LOCALES:
            return choice
    weighted = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        weighted.append((-weight, position, tag))
    for _, _, tag in sorted(weighted):
        locale = _normalise(tag)
        if locale:
            return locale
    return DEFAULT_LOCALE


# ---- formatting for the current locale ----

def parse_instant(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def format_instant(value, style: str = "medium") -> str:
    moment = parse_instant(value)
    if moment is None:
        return ""
    return format_datetime(moment, style, tzinfo=TIMEZONE, locale=Locale.parse(current()))


def format_day(value, style: str = "medium") -> str:
    if not value:
        return ""
    if isinstance(value, str) and len(value) == 10:
        from datetime import date

        return format_date(date.fromisoformat(value), style, locale=Locale.parse(current()))
    moment = parse_instant(value)
    if moment is None:
        return ""
    return format_date(moment.astimezone(TIMEZONE).date(), style, locale=Locale.parse(current()))


def format_number(value) -> str:
    return format_decimal(value, locale=Locale.parse(current()))


def countdown(value, now: datetime | None = None) -> Markup:
    """A deadline as "3 days left" / "2 hours overdue", red once it has passed; the page's script keeps the text
    current with the same two messages (passed along as data attributes with {time} for the duration)."""
    due = parse_instant(value)
    if due is None:
        return Markup('<span class="countdown none">—</span>')
    now = now or datetime.now(timezone.utc)
    delta: timedelta = due - now
    overdue = delta.total_seconds() < 0
    left, late = gettext("%(time)s left"), gettext("%(time)s overdue")
    span = format_timedelta(abs(delta), threshold=1.2, locale=Locale.parse(current()))
    text = (late if overdue else left) % {"time": span}
    css = "countdown overdue" if overdue else ("countdown soon" if delta < timedelta(days=1) else "countdown")
    return Markup('<time class="{css}" datetime="{iso}" title="{title}" data-due="{iso}" data-left="{left}" '
                  'data-late="{late}">{text}</time>'
                  ).format(css=css, iso=due.isoformat(), title=format_instant(due), text=text,
                           left=left.replace("%(time)s", "{time}"), late=late.replace("%(time)s", "{time}"))


# ---- maintenance: update the catalogues from the templates and the code ----

Msgid = str | tuple[str, str]  # a message, or a count's singular and plural (ngettext)


def extract_messages() -> dict[Msgid, list[tuple[str, int]]]:
    """msgid -> where it is used, from the templates (Jinja2 gettext calls and trans blocks) and api/web; a
    count's message (ngettext) is kept whole as (singular, plural), so the catalogue holds its plural forms."""
    from babel.messages.extract import extract_from_dir

    root = CATALOGUES.parent
    found: dict[Msgid, list[tuple[str, int]]] = {}
    methods = [("templates/**.html", "jinja2"), ("web/**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(root), method_map=methods, options_map=options, keywords={"_": None, "gettext": None,
                                                                          "ngettext": (1, 2), "N_": None}):
        msgid: Msgid = (message[0], message[1]) if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append((filename, lineno))
    for msgid in engine_messages():
        found.setdefault(msgid, []).append(("engine/services/party.py", 0))
    return found


def engine_messages() -> list[str]:
    """Texts the engine hands to the party portal (rights and their basis); shown translated, so catalogued."""
    from engine.services import party

    texts: list[str] = []
    for rights in party.RIGHTS_BY_STAGE.values():
        for right in rights:
            texts.extend((right["title"], right["text"], right["basis"]))
    return list(dict.fromkeys(texts))


def _forms(text: object) -> list[str]:
    """A message's translation, or each plural form of a count's (ngettext) translation."""
    if isinstance(text, (tuple, list)):
        return [str(form or "") for form in text]
    return [str(text or "")]


def update_catalogues() -> list[str]:
    """Add new msgids to both catalogues and mark the ones no longer used obsolete; keep every translation."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    found = sorted(extract_messages().items(), key=lambda item: item[0] if isinstance(item[0], str) else item[0][0])
    report = []
    for locale in LOCALES:
        template = Catalog(project="Dueflow", fuzzy=False)  # one per locale: update() shares its messages
        for msgid, places in found:
            template.add(msgid, locations=places)
        path = CATALOGUES / f"{locale}.po"
        with open(path, "rb") as handle:
            catalog = read_po(handle, locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if locale == DEFAULT_LOCALE:  # the source language: every message is its own translation
            for message in catalog:
                if message.id and not any(_forms(message.string)):
                    message.string = message.id
        with open(path, "wb") as handle:
            write_po(handle, catalog, width=120, sort_output=True, ignore_obsolete=True, include_lineno=False)
        missing = [m.id for m in catalog if m.id and not all(_forms(m.string))]
        report.append(f"{path.name}: {len(catalog)} messages, {len(missing)} without translation")
    return report


if __name__ == "__main__":
    for line in update_catalogues():
        print(line)
