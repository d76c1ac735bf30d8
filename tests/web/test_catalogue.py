"""Both languages, everywhere: every message of the templates and of api/web is in both catalogues and
translated with the same placeholders, no template shows text outside gettext, and the engine's words that
reach a page (stages, events, party rights) have translations."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from api.web import i18n, texts
from api.web.pages import ENV, TEMPLATES
from engine.domain import Stage
from engine.services import party, party_timeline

# Words a page may show untranslated: the product's name, the language names, and technical terms.
ALLOWED_WORDS = {"Dueflow", "English", "中文", "sha256", "BPMN", "P15D"}
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def catalogue(locale: str):
    with open(i18n.CATALOGUES / f"{locale}.po", "rb") as handle:
        return read_po(handle, locale=locale)


def _forms(text) -> list[str]:
    """A message's text, or each plural form of a count's message (ngettext) as a list."""
    return list(text) if isinstance(text, (tuple, list)) else [text]


@pytest.fixture(scope="module")
def used() -> set[str]:
    return set(i18n.extract_messages())


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_every_message_in_use_is_translated_with_the_same_placeholders(locale, used):
    messages = {m.id: m.string for m in catalogue(locale) if m.id}
    missing = sorted(used - messages.keys())
    assert not missing, f"not in {locale}.po (run python -m api.web.i18n, then translate): {missing[:10]}"
    untranslated = sorted(str(msgid) for msgid in used if not all(form.strip() for form in _forms(messages[msgid])))
    assert not untranslated, f"no translation in {locale}.po: {untranslated[:10]}"
    mismatched = [msgid for msgid in used for form in _forms(messages[msgid])
                  if sorted(PLACEHOLDER.findall(_forms(msgid)[-1])) != sorted(PLACEHOLDER.findall(form))]
    assert not mismatched, f"placeholders differ in {locale}.po: {mismatched[:10]}"
    unused = sorted(messages.keys() - used)
    assert not unused, f"{locale}.po holds messages nothing uses (run python -m api.web.i18n): {unused[:10]}"


def test_the_chinese_catalogue_is_really_chinese(used):
    messages = {m.id: m.string for m in catalogue("zh_Hans") if m.id}
    latin_only = [msgid for msgid in used if not re.search(r"[\u4e00-\u9fff]", " ".join(_forms(messages[msgid])))
                  and re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", _forms(msgid)[-1]))]
    assert not latin_only, f"copied, not translated: {latin_only[:10]}"


def test_the_engine_words_shown_on_pages_have_translations(used):
    assert {stage.value for stage in Stage} == set(texts.STAGES), "every stage needs its name on the pages"
    for rights in party.RIGHTS_BY_STAGE.values():
        for right in rights:
            assert right["title"] in used and right["text"] in used
    timeline_codes = {*party_timeline.STEP_DONE.values(), *party_timeline.PERIOD_ENDED.values(),
                      *party_timeline.MESSAGES.values(), *party_timeline.CASE_EVENTS.values(), "document_served"}
    assert sorted(timeline_codes - set(texts.PARTY_TIMELINE)) == [], "the party's timeline has words for each"
    situations = {*(s.value for s in Stage), "statement_received", "closed", "cancelled", "suspended", "waiting"}
    situations -= {"order_to_correct", "rights_notice"}  # read as their periods (party_guidance._SITUATION)
    assert sorted(situations - set(texts.PARTY_GUIDANCE)) == [], "every stage tells the party what to do"
    with i18n.using("zh_Hans"):
        assert texts.label(texts.STAGES, "statement_period") == "陈述申辩期"
        assert texts.field_error("must be at least 5 characters") == "至少 5 个字符。"
        assert texts.audit_problem("event 3 (task_completed) was altered after it was written") == \
            "第 3 条事件（task_completed）在写入后被篡改。"


class _VisibleText(HTMLParser):
    """Text nodes and visible attribute values of a template whose Jinja parts were replaced by \\x00."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.found.append((self.getpos()[0], value))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.found.append((self.getpos()[0], data))


def _skeleton(source: str) -> str:
    """The template's literal HTML, each Jinja tag or expression (and each trans block) replaced by \\x00."""
    parts, in_trans, previous = [], False, None
    for _, kind, value in ENV.lex(source):
        if kind == "name" and previous == "block_begin" and value in ("trans", "pluralize"):
            in_trans = True
        elif kind == "name" and previous == "block_begin" and value == "endtrans":
            in_trans = False
        if kind == "data" and not in_trans:
            parts.append(value)
        elif not parts or parts[-1] != "\x00":
            parts.append("\x00")
        previous = kind
    return "".join(parts)


def _strays(source: str) -> list[tuple[int, str]]:
    parser = _VisibleText()
    parser.feed(_skeleton(source))
    found = []
    for line, text in parser.found:
        words = re.findall(r"[A-Za-z][A-Za-z0-9']*|[\u4e00-\u9fff]+", text.replace("\x00", " "))
        strays = [word for word in words if word not in ALLOWED_WORDS]
        if strays:
            found.append((line, " ".join(strays)))
    return found


def test_the_scan_finds_stray_text_and_passes_translated_text():
    assert _strays('<p title="Stray title">{{ _("Fine") }} Stray <b>{{ name }}</b></p>') == [
        (1, "Stray title"), (1, "Stray")]
    assert _strays('<p aria-label="{{ _(\'Menu\') }}">{{ _("Fine") }} · {{ x }} 2026</p><script>var a;</script>') == []


def test_no_template_shows_text_outside_gettext():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for line, strays in _strays(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(TEMPLATES)}:{line}: {strays}")
    assert not offenders, "text outside _() in templates:\n" + "\n".join(offenders)


def test_counts_have_every_plural_form_of_their_language():
    """English says "1 case" and "2 cases"; Chinese has one form for any count."""
    plural = {locale: {m.id: m.string for m in catalogue(locale) if m.pluralizable} for locale in i18n.LOCALES}
    assert ("%(num)s case", "%(num)s cases") in plural["en"]
    for msgid, forms in plural["en"].items():
        assert len(forms) == 2, f"en.po: {msgid} needs a singular and a plural"
    for msgid, forms in plural["zh_Hans"].items():
        assert len(forms) == 1 and forms[0].strip(), f"zh_Hans.po: {msgid} needs its one form"
    shown = {}
    for locale in i18n.LOCALES:
        with i18n.using(locale):
            shown[locale] = [texts.counted(n, noun) for n, noun in ((1, "case"), (2, "case"), (1, "event"),
                                                                     (1200, "task"), (0, "entry"))]
    assert shown["en"] == ["1 case", "2 cases", "1 event", "1,200 tasks", "0 entries"]
    assert shown["zh_Hans"] == ["1 件案件", "2 件案件", "1 条事件", "1,200 项任务", "0 个条目"]
    with i18n.using("en"):  # the verification's counts of events too
        assert texts.audit_problem("checkpoint 4 saw 1 events of this chain; only 0 remain") == \
            "Checkpoint 4 saw 1 event of this chain; the chain now holds 0 events."
        assert texts.audit_problem("all 1 events of the case were deleted") == \
            "All of the case's events were deleted (1 event)."
    with i18n.using("zh_Hans"):
        assert texts.audit_problem("all 7 events of the case were deleted") == "该案件的全部事件均已被删除（7 条事件）。"
