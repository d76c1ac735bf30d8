"""Counts on the pages read with the plural of the reader's language: "1 case" and "2 cases" in English, one
form in Chinese; the auditor's case list, the officer's worklist and the checkpoint message."""
from __future__ import annotations

import re

import pytest

from tests.builders import a_case

LANGUAGES = {"zh": "zh-CN,zh;q=0.9", "en": "en"}
CASES = {"zh": ("1 件案件", "2 件案件"), "en": ("1 case", "2 cases")}
TASKS = {"zh": ("1 项任务", "2 项任务"), "en": ("1 task", "2 tasks")}


def _agrees(count: str, noun: str) -> bool:
    return noun.endswith("s") == (count != "1")


@pytest.mark.parametrize("language", LANGUAGES)
def test_case_and_task_counts_use_the_languages_plural(browser, rt, penalty, language):
    auditor, officer = browser(LANGUAGES[language]), browser(LANGUAGES[language])
    auditor.sign_in("audrey")
    officer.sign_in("olga")
    a_case(rt, penalty)
    assert CASES[language][0] in auditor.get("/audit").text
    assert f'<span id="task-count">{TASKS[language][0]}</span>' in officer.get("/work").text
    a_case(rt, penalty)
    assert CASES[language][1] in auditor.get("/audit").text
    assert f'<span id="task-count">{TASKS[language][1]}</span>' in officer.get("/work").text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_checkpoint_message_counts_chains_and_events_in_words(browser, rt, penalty, language):
    a_case(rt, penalty)
    auditor = browser(LANGUAGES[language])
    auditor.sign_in("audrey")
    auditor.get("/audit/verify")
    text = auditor.post("/audit/checkpoint").text
    if language == "en":
        found = re.search(r"Checkpoint recorded over (\d+) (chains?) and (\d+) (events?)\.", text)
        assert found, "the checkpoint message"
        assert _agrees(found.group(1), found.group(2)) and _agrees(found.group(3), found.group(4))
    else:
        assert re.search(r"\d+ 条链.*\d+ 条事件", text), "the checkpoint message counts with measure words"
