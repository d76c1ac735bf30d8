"""The lint's problems in the reader's language, one sentence per rule code (the engine's messages are English
and carry details such as element names; in another language the page shows the rule's sentence and keeps the
engine's text beneath it, folded). tests/web/test_lint_texts.py fails on a rule code without a sentence here."""
from __future__ import annotations

from typing import Any

from api.web import i18n
from api.web.i18n import N_, gettext

RULES = {
    # reading the files
    "XML_SYNTAX": N_("The file is not well-formed XML."),
    "XML_DOCTYPE": N_("The file declares a DOCTYPE, which is refused for safety."),
    "XSD": N_("The file does not follow the BPMN 2.0 schema."),
    "FILE_NAME": N_("A file name is not allowed (too long, or a path)."),
    "FILES": N_("Choose the BPMN file and its DMN tables."),
    "invalid": N_("The procedure cannot be read as it is written."),
    "MISSING_ELEMENT": N_("The procedure refers to an element that does not exist."),
    "UNSUPPORTED": N_("Dueflow does not run this kind of element."),
    "EXTRA_POOL": N_("A second executable pool: Dueflow runs one process per procedure."),
    "DATA_STORE": N_("Data stores are not run: keep the data in the case's variables."),
    "LISTENER": N_("Execution and task listeners are not run."),
    "JAVA_CLASS": N_("Java classes and delegate expressions are not run."),
    "SCRIPT": N_("A script in a language Dueflow does not run."),
    "EXPRESSION": N_("An expression (condition, script, timer or mapping) is not a safe expression."),
    "MAPPING": N_("An input/output or call-activity mapping cannot be run."),
    "FORM": N_("A form field is not valid (its id, type, values or default)."),
    "LANE_ROLE": N_("A lane or a candidate group names no role Dueflow knows."),
    "EXTERNAL_TASK": N_("A service or send task has no topic a worker could fetch."),
    "document": N_("A task names a document template Dueflow does not have."),
    "PENALTY_WITHOUT_EVIDENCE": N_("A penalty decision can be reached without any step that collects evidence."),
    "DMN": N_("A decision table is not valid."),
    "TRANSLATION": N_("A name, label or value has no translation in a language the procedure is translated into."),
    "PARTY_GUIDANCE": N_("The party guidance of an element must be written in every language (party_guidance and "
                         "party_guidance_zh) and stand on an element with a stage."),
    "TIME_LIMIT": N_("A time limit must read working_days_after(date variable, days) or calendar_days_after(...)."),
    "CONSEQUENTIAL_DEFAULT": N_("A choice that decides the case's path (and so may close or lighten it) has a default: "
                              "leave it empty so the officer chooses."),
    # the due-process lint (engine/policies)
    "UNREACHABLE_ELEMENT": N_("Not reachable from any start event, so it never runs."),
    "CATEGORY_REQUIRES_ENFORCEMENT": N_("A procedure for this case category must be an enforcement procedure."),
    "UNKNOWN_STAGE": N_("Unknown stage."),
    "USER_TASK_WITHOUT_LANE": N_("A user task in no lane: no role may complete it."),
    "USER_TASK_WITHOUT_STAGE": N_("A user task of an enforcement procedure without a stage."),
    "PENALTY_WITHOUT_RIGHTS_NOTICE": N_("A penalty decision without a served rights notice and a statement period "
                                        "before it (Administrative Penalty Law, articles 44, 45 and 62)."),
    "PENALTY_AMOUNTS_UNDECLARED": N_("A penalty decision without declared notified and decided amount fields, so "
                                     "the cap at the notified amount cannot be checked (Administrative Penalty Law, "
                                     "article 45)."),
    "PENALTY_WITHOUT_ORDER_TO_CORRECT": N_("A penalty decision without an order to correct (Administrative Penalty "
                                           "Law, article 28)."),
    "NO_PENALTY_WITHOUT_EDUCATION": N_("The case can end without a penalty and without education (Administrative "
                                       "Penalty Law, article 33)."),
    "JUDICIAL_REFERRAL_TOO_EARLY": N_("An application to the court before the decision is served, a demand is "
                                      "served and the wait after it has passed (Administrative Compulsion Law, "
                                      "articles 35, 53 and 54)."),
    "TIMER_TOO_SHORT": N_("A timer shorter than the legal minimum of its stage."),
    "TIMER_UNCHECKABLE": N_("The timer cannot be checked against the legal minimum of its stage."),
}


def lint_text(problem: dict[str, Any] | Any) -> dict[str, str]:
    """{"text": the rule's sentence in the reader's language, "detail": the engine's own message} (in English
    the engine's message is the text, detail empty)."""
    rule = problem.get("rule") if isinstance(problem, dict) else getattr(problem, "rule", None)
    message = (problem.get("message") if isinstance(problem, dict) else getattr(problem, "message", "")) or ""
    if i18n.current() == i18n.DEFAULT_LOCALE or rule not in RULES:
        return {"text": message, "detail": ""}
    return {"text": gettext(RULES[rule]), "detail": message}


def localized_problems(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems as the modeler shows them: `message` in the reader's language, the engine's text as `detail`."""
    out = []
    for problem in problems:
        text = lint_text(problem)
        out.append({**problem, "message": text["text"], "detail": text["detail"]})
    return out
