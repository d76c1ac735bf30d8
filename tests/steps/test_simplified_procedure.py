"""Steps of processes/simplified_procedure: two officers decide on the spot, a supervisor files the decision."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine.domain import Actor
from tests.builders import PROCESSES, a_supervisor, an_officer
from tests.steps.common import *  # noqa: F401,F403  (shared steps register as fixtures of this module)
from tests.steps.common import World

# `rt` is parametrized over SQLite and PostgreSQL; steps reach it only at run time, so name it here
pytestmark = pytest.mark.usefixtures("rt")
scenarios(str(PROCESSES / "simplified_procedure" / "simplified_procedure.feature"))

BANK = Actor.system("bank")  # the bank's payment report arrives as a system message (PL 67: no cash to officers)


@given(parsers.parse('officers find "{name}", {article:w} {party_type:w}, selling food on the pavement'))
def officers_find(world: World, name: str, party_type: str) -> None:
    world.cast.update(officer=an_officer("olga", "cityscape"), supervisor=a_supervisor("sam", "cityscape"))
    world.open("simplified_procedure", "officer",
               {"party": {"name": name, "type": party_type}, "category": "street_vending",
                "location": {"address": "88 Nanjing Road", "grid_cell": "HP-0101"}})


def _record(world: World, circumstances: str, credentials: bool) -> None:
    world.complete("officer", "record_on_the_spot", {
        "credentials_shown": credentials, "second_officer": "Wang Qiang, certificate 31-0042",
        "facts": "sells cooked food from a cart on the pavement", "evidence_ref": "photos IMG_0412-0415",
        "legal_basis": "City Appearance Regulation art. 17, 36", "circumstances": circumstances})


@when(parsers.parse('the officer shows credentials and records "{circumstances}" circumstances'))
def record_with_credentials(world: World, circumstances: str) -> None:
    _record(world, circumstances, True)


@when(parsers.parse('the officer records "{circumstances}" circumstances without showing credentials'))
def record_without_credentials(world: World, circumstances: str) -> None:
    _record(world, circumstances, False)


@then(parsers.parse('the benchmark proposes a "{kind}" of {fine:d} CNY'))
def benchmark_proposes(world: World, kind: str, fine: int) -> None:
    data = world.refresh().data
    assert (data["penalty_kind"], data["proposed_fine"]) == (kind, fine)


@when("the officer tells the party the proposed penalty and its rights")
def tell_rights(world: World) -> None:
    world.complete("officer", "notify_rights_on_the_spot", {
        "told_facts_and_basis": "facts, City Appearance Regulation art. 17, 36, the proposed penalty, "
                                "the right to state and defend", "notice_served_on": "2026-03-02"})


def _hear(world: World, statement: str | None, rechecked: bool, result: str = "facts_stand",
          waived: bool = True) -> None:
    data = {"statement_made": statement is not None, "statement_rechecked": rechecked,
            "recheck_result": result, "rights_waived": waived}
    if statement is not None:
        data["party_statement"] = statement
    world.complete("officer", "hear_party", data)


@when(parsers.parse('the party states "{statement}", the officer re-checks it and the party wants the decision now'))
def statement_rechecked(world: World, statement: str) -> None:
    _hear(world, statement, True)


@when("the party says nothing and wants the decision now")
def no_statement(world: World) -> None:
    _hear(world, None, False)


@when(parsers.parse('the party states "{statement}" but the officer does not re-check it'))
def statement_not_rechecked(world: World, statement: str) -> None:
    _hear(world, statement, False)


@when(parsers.parse('the party states "{statement}", the officer re-checks it and the defence holds'))
def defence_holds(world: World, statement: str) -> None:
    _hear(world, statement, True, result="defence_holds")


@when("the party asks for time to prepare its statement")
def wants_time(world: World) -> None:
    _hear(world, None, False, waived=False)


@when(parsers.parse('the officer decides a fine of {fine:d} CNY on form "{form_no}"'))
def decide_fine(world: World, fine: int, form_no: str) -> None:
    world.complete("officer", "decide_on_the_spot", {"decision_form_no": form_no, "fine_amount": fine})


@when(parsers.parse('the officer decides a warning on form "{form_no}"'))
def decide_warning(world: World, form_no: str) -> None:
    world.complete("officer", "decide_on_the_spot", {"decision_form_no": form_no, "fine_amount": 0})


@when(parsers.parse('the officer tries to decide a fine of {fine:d} CNY on form "{form_no}"'))
def try_decide(world: World, fine: int, form_no: str) -> None:
    world.try_complete("officer", "decide_on_the_spot", {"decision_form_no": form_no, "fine_amount": fine})


@when(parsers.parse('the officer orders the party to "{correction}"'))
def order_correction(world: World, correction: str) -> None:
    world.complete("officer", "order_correction", {"correction_ordered": correction})


@when("the party signs the decision")
def party_signs(world: World) -> None:
    world.complete("officer", "serve_on_the_spot", {"party_signature": "signed", "decision_served_on": "2026-03-02"})


@when(parsers.parse('the party refuses to sign before "{witnesses}"'))
def party_refuses(world: World, witnesses: str) -> None:
    world.complete("officer", "serve_on_the_spot", {"party_signature": "refused", "decision_served_on": "2026-03-02"})
    world.complete("officer", "record_refusal", {"refusal_witnesses": witnesses, "refusal_noted_on_form": True})


@when(parsers.parse('the supervisor files the decision as "{filing_no}"'))
def supervisor_files(world: World, filing_no: str) -> None:
    world.complete("supervisor", "file_decision", {"filing_no": filing_no, "filed_on": "2026-03-03"})


@when("the bank reports the fine paid")
def bank_reports_paid(world: World) -> None:
    world.deliver("fine_paid", {"receipt": "ICBC-20260303-0001", "amount": 200}, BANK)


@when("the officer educates the party, who corrects on the spot")
def educate(world: World) -> None:
    world.complete("officer", "educate_on_the_spot", {
        "education_given": "explained the pavement rules and where vending is allowed",
        "corrected_on_the_spot": True})
