"""Document templates belong to the procedure version (docs/documents.md): a deploy stores every template the
procedure names with the layout it extends, the procedure's own file over the library's; identical inputs give the
same version, a changed template a new one; each case issues from its own version's templates; a broken template
or an unknown name is a deploy error naming file and line. On SQLite and PostgreSQL."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine.documents import library
from engine.domain import ProcedureInvalidError
from engine.services import issuing, procedures, revisions
from tests.builders import a_case, an_admin, an_auditor, an_officer

BPMN = Path(__file__).resolve().parents[1] / "fixtures" / "documents" / "templated.bpmn"
FACTS = {"facts": "在淮海路12号门前占道经营。", "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
         "proposed_fine": 500}
OWN = ('{% extends "base.html" %}{% block body %}<p>{{ t("本机关特别告知：", "Our own notice: ") }}'
       '{{ data.facts }} {{ data.proposed_fine }}</p>{% endblock %}')


def _files(**templates: str) -> dict[str, bytes]:
    return {BPMN.name: BPMN.read_bytes(), **{name: text.encode() for name, text in templates.items()}}


def _issued_text(rt, case_id: int, lang: str = "zh_Hans") -> str:
    issued = issuing.issue_document(rt, case_id=case_id, template="rights_notice", lang=lang, data=FACTS,
                                    actor=an_officer())
    content = next(c for v, c in issuing.case_documents_for_export(rt, case_id=case_id, actor=an_auditor())
                   if v.view.id == issued.view.id)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _sources(rt, version: int) -> dict[str, str]:
    return revisions.version_sources(rt, key="templated", version=version, actor=an_admin())


def test_a_deploy_stores_the_named_templates_with_their_layout_and_repeats_give_the_same_version(rt):
    first = procedures.deploy_procedure(rt, files=_files(), actor=an_admin())
    stored = _sources(rt, first.version)
    assert sorted(stored) == ["base.html", "rights_notice.html", "templated.bpmn"]
    assert stored["rights_notice.html"] == (library.LIBRARY / "rights_notice.html").read_text(encoding="utf-8")
    again = procedures.deploy_procedure(rt, files=_files(), actor=an_admin())
    assert (again.version, again.created, again.sha256) == (first.version, False, first.sha256)


def test_the_procedures_own_template_makes_a_new_version_and_each_case_issues_from_its_own(rt):
    old = procedures.deploy_procedure(rt, files=_files(), actor=an_admin())
    old_case = a_case(rt, "templated")
    new = procedures.deploy_procedure(rt, files=_files(**{"rights_notice.html": OWN}), actor=an_admin())
    assert new.created and new.version == old.version + 1
    assert _sources(rt, new.version)["rights_notice.html"] == OWN
    new_case = a_case(rt, "templated")
    assert "本机关特别告知" in _issued_text(rt, new_case.id)
    assert "Our own notice" in _issued_text(rt, new_case.id, lang="en")
    kept = _issued_text(rt, old_case.id)
    assert "本机关特别告知" not in kept and "陈述、申辩期限" in kept


def test_a_changed_library_template_is_a_new_version_and_the_old_version_keeps_its_text(rt, tmp_path, monkeypatch):
    procedures.deploy_procedure(rt, files=_files(), actor=an_admin())
    old_case = a_case(rt, "templated")
    changed = tmp_path / "library"
    shutil.copytree(library.LIBRARY, changed)
    notice = changed / "rights_notice.html"
    notice.write_text(notice.read_text(encoding="utf-8").replace("陈述、申辩期限", "新版陈述期限"), encoding="utf-8")
    monkeypatch.setattr(library, "LIBRARY", changed)
    redeployed = procedures.deploy_procedure(rt, files=_files(), actor=an_admin())
    assert redeployed.created and redeployed.version == 2
    assert "新版陈述期限" in _issued_text(rt, a_case(rt, "templated").id)
    assert "新版陈述期限" not in _issued_text(rt, old_case.id)


def test_a_template_syntax_error_is_a_deploy_error_naming_file_and_line(rt):
    broken = '{% extends "base.html" %}\n{% block body %}\n<p>{{ data.facts </p>\n{% endblock %}'
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files=_files(**{"rights_notice.html": broken}), actor=an_admin())
    [problem] = refused.value.details
    assert (problem["file"], problem["line"], problem["rule"]) == ("rights_notice.html", 3, "document_template")
    assert "syntax" in problem["message"]
    checked = revisions.check_draft(rt, files=_files(**{"rights_notice.html": broken}), actor=an_admin())
    assert [(p["file"], p["line"]) for p in checked if p["rule"] == "document_template"] == [("rights_notice.html", 3)]


def test_a_layout_nobody_has_is_a_deploy_error_naming_the_file_that_extends_it(rt):
    own = '{% extends "letterhead.html" %}'
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files=_files(**{"rights_notice.html": own}), actor=an_admin())
    [problem] = refused.value.details
    assert problem["file"] == "rights_notice.html" and "letterhead.html" in problem["message"]


def test_an_unknown_document_name_is_a_deploy_error_naming_the_element_and_line(rt):
    text = BPMN.read_text(encoding="utf-8").replace('value="rights_notice"', 'value="love_letter"')
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files={BPMN.name: text.encode()}, actor=an_admin())
    [problem] = [p for p in refused.value.details if p["rule"] == "document"]
    assert (problem["element_id"], problem["line"], problem["file"]) == ("notify", 14, BPMN.name)
    assert "love_letter" in problem["message"]
