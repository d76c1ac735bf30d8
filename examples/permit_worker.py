"""Handlers for examples/external_tasks.bpmn (docs/external-tasks.md): run them with

    DUEFLOW_PASSWORD=... python -m api.external_worker --username walt \
        --handler registry-check=examples.permit_worker:check_registry \
        --handler org.example.SendNotice=examples.permit_worker:send_notice
"""
from __future__ import annotations

from typing import Any

from api.external_worker import BpmnError

REGISTRY = {"Green Grocer": "91310000MA1K00001X"}  # stands in for the business registry's web service


def check_registry(task: dict[str, Any]) -> dict[str, Any]:
    """Look the applicant up; an unknown one is the procedure's `not_registered` error (checked by hand)."""
    applicant = task["variables"].get("applicant")
    if applicant not in REGISTRY:
        raise BpmnError("not_registered", f"{applicant!r} is not in the registry")
    return {"registry_no": REGISTRY[applicant], "registered": True}


def send_notice(task: dict[str, Any]) -> dict[str, Any]:
    """Would hand the notice to the post; here it only says so."""
    return {"notice_sent_for": task["businessKey"]}
