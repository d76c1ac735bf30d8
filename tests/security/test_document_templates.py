"""A procedure author's document template runs in Jinja's immutable sandbox: reaching for Python internals or
changing a value is refused at deploy (and at render, should a template hide it behind a case value), and the
typesetter loads no file or web address a template points at."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from engine import documents
from engine.domain import InvalidDataError, ProcedureInvalidError
from engine.services import issuing, procedures
from tests.builders import a_case, an_admin, an_officer

BPMN = Path(__file__).resolve().parents[1] / "fixtures" / "documents" / "templated.bpmn"
HOSTILE = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ t.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ data.update({'facts': 'changed'}) }}",
    "{{ data.__class__.__init__ }}",
    "{% set x = [] %}{{ x.append(1) }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ range.__self__ }}",
]
FACTS = {"facts": "占道经营", "legal_basis": "第三十六条", "proposed_fine": 500}


def _notice(body: str) -> str:
    return '{% extends "base.html" %}{% block body %}' + body + "{% endblock %}"


@pytest.mark.parametrize("body", HOSTILE)
def test_a_hostile_template_is_refused_at_deploy(sqlite_rt, body):
    files = {BPMN.name: BPMN.read_bytes(), "rights_notice.html": _notice(body).encode()}
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(sqlite_rt, files=files, actor=an_admin())
    assert any(p["file"] == "rights_notice.html" and p["rule"] == "document_template"
               for p in refused.value.details), refused.value.details


def test_a_template_that_hides_its_reach_behind_a_case_value_is_refused_when_rendered(sqlite_rt):
    hidden = "{% if data.facts == 'open sesame' %}{{ ''.__class__.__mro__ }}{% endif %}{{ data.facts }}"
    files = {BPMN.name: BPMN.read_bytes(), "rights_notice.html": _notice(hidden).encode()}
    procedures.deploy_procedure(sqlite_rt, files=files, actor=an_admin())  # the trial render cannot see it
    case = a_case(sqlite_rt, "templated")
    with pytest.raises(InvalidDataError) as refused:
        issuing.issue_document(sqlite_rt, case_id=case.id, template="rights_notice",
                               data={**FACTS, "facts": "open sesame"}, actor=an_officer())
    assert "unsafe" in refused.value.details[0]["message"]
    assert issuing.list_issued(sqlite_rt, case_id=case.id, actor=an_officer()) == []


def test_the_typesetter_loads_no_file_a_template_points_at(tmp_path):
    secret = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), "red").save(secret)
    inline = io.BytesIO()
    Image.new("RGB", (40, 40), "blue").save(inline, format="PNG")
    data_uri = "data:image/png;base64," + base64.b64encode(inline.getvalue()).decode()
    with_file = documents.render_pdf(f'<p>x</p><img src="file://{secret}"><img src="{secret.name}">')
    with_inline = documents.render_pdf(f'<p>x</p><img src="{data_uri}">')
    assert b"/Image" not in with_file  # neither the absolute nor the relative path was read
    assert b"/Image" in with_inline  # an inline image (the seal, the QR code) still is
