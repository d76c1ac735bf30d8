"""Property-based requests from the OpenAPI schema (schemathesis), valid and invalid, bounded: no 5xx anywhere."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from engine.domain import Actor, Role
from engine.services import cases
from tests.builders import the_notice

EXAMPLES = 8  # per operation and mode: ~20 operations x 2 modes keeps the run well under a minute
pytestmark = pytest.mark.slow


def test_no_request_generated_from_the_schema_gets_a_server_error(rt, app, login):
    the_notice(rt)
    case = cases.open_case(rt, procedure="notice", data={}, actor=Actor("olga", Role.OFFICER, "cityscape"))
    party = app.state.tokens.issue_party(type("Access", (), {"case_id": case.id, "case_no": case.case_no})())[0]
    staff = login("ada")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        headers = {"Authorization": f"Bearer {party}"} if operation.path.startswith("/api/party/") else staff
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(generated=operation.as_strategy(generation_mode=mode))
            def call(generated):
                response = generated.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): "
                                    f"{response.status_code} {response.text[:200]}")
            try:
                call()
            except Unsatisfiable:  # nothing about this operation can be invalid (no parameters, no body)
                assert mode == GenerationMode.NEGATIVE, operation.path
    assert not failures, "\n".join(failures[:20])
