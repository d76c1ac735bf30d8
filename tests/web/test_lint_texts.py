"""Every problem the checker can report reads in Chinese: a sentence per rule code (api/web/lint_texts.py),
translated in the catalogue. A new rule without one fails here."""
from __future__ import annotations

import re
from pathlib import Path

from api.web import i18n
from api.web.lint_texts import RULES, lint_text, localized_problems
from engine.policy.config import RULES as POLICY_RULES

ENGINE = Path(__file__).resolve().parents[2] / "engine"
_RULE = re.compile(r"""\brule\s*=\s*["']([A-Za-z_]+)["']""")


def rule_codes() -> set[str]:
    """The due-process lint's rules and every rule code the BPMN reader and the services write."""
    found = set(POLICY_RULES)
    for source in ENGINE.rglob("*.py"):
        found.update(_RULE.findall(source.read_text(encoding="utf-8")))
    return found


def test_every_rule_code_has_a_sentence():
    codes = rule_codes()
    assert len(codes) > 30, "the scan found the rule codes"
    assert sorted(codes - set(RULES)) == []


def test_every_sentence_is_translated_and_a_problem_reads_in_chinese():
    i18n.load()
    with i18n.using("zh_Hans"):
        untranslated = [code for code, text in RULES.items() if i18n.gettext(text) == text]
        problem = {"rule": "USER_TASK_WITHOUT_STAGE", "message": "user task 'Decide' without a stage",
                   "element_id": "decide", "severity": "error"}
        shown = localized_problems([problem])[0]
    assert untranslated == []
    assert shown["message"] == "执法程序中的用户任务未标注阶段。" and shown["detail"] == problem["message"]
    with i18n.using("en"):
        assert lint_text(problem) == {"text": problem["message"], "detail": ""}
