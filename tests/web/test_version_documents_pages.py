"""The admin's procedures page lists, per version, the document templates that version stores, with a preview in
each language: what the version's cases will issue, every variable shown by its name. Chinese and English."""
from __future__ import annotations

import pytest

from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
LANGUAGES = {"zh": "zh-CN", "en": "en-US"}
WORDS = {"zh": {"column": "文书模板", "decision": "行政处罚决定书", "preview": "中文预览"},
         "en": {"column": "Document templates", "decision": "Administrative penalty decision",
                "preview": "Preview in Chinese"}}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_a_version_lists_its_templates_with_a_preview_in_both_languages(language, server, open_page):
    words = WORDS[language]
    page = open_page(LANGUAGES[language])
    sign_in(page, DEMO["admin"])
    page.goto("/admin/procedures")
    row = page.locator("#procedure-ordinary_procedure tr[data-version]").first
    assert words["column"] in page.inner_text("#procedure-ordinary_procedure thead")
    cell = row.locator(".version-documents")
    assert words["decision"] in cell.inner_text()
    item = cell.locator("li[data-document=penalty_decision]")
    with page.context.expect_page() as opened:
        item.locator("a", has_text=words["preview"]).click()
    chinese = opened.value
    chinese.wait_for_load_state()
    assert "行政处罚决定书" in chinese.inner_text("h1") and "［facts］" in chinese.inner_text("body")
    english = page.context.new_page()
    english.goto(item.locator("a").nth(1).get_attribute("href") or "")
    assert "Administrative penalty decision" in english.inner_text("h1")
    assert "［fine_amount］" in english.inner_text("body")
    assert page.errors == []
