"""Steps of features/case_file.feature: evidence custody, the decision's cited evidence, the case export and the
offline check of an altered copy."""
from __future__ import annotations

import io
import json
import shutil
import zipfile
from dataclasses import replace

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine.audit import offline
from engine.services import case_export, custody, documents
from engine.services.runtime import Runtime
from tests.builders import ROOT, a_deployed, an_admin, an_auditor, an_officer
from tests.steps.common import *  # noqa: F401,F403  (shared steps register as fixtures of this module)
from tests.steps.common import World
from tests.web.conftest import PENALTY

pytestmark = pytest.mark.usefixtures("rt")
scenarios(str(ROOT / "features" / "case_file.feature"))

VIDEO = b"\x00\x00\x00\x18ftypmp42 patrol camera, north gate" * 4096


@given(parsers.parse('an officer "{officer}" and an auditor "{auditor}" of the agency'))
def cast(world: World, officer: str, auditor: str) -> None:
    world.cast.update(officer=an_officer(officer), auditor=an_auditor(auditor), administrator=an_admin())


@given("a penalty case whose evidence is kept in the evidence folder")
def penalty_case(world: World, tmp_path) -> None:
    world.rt = Runtime(world.rt.store, world.rt.clock,
                       settings=replace(world.rt.settings, evidence_dir=tmp_path / "evidence"))
    world.open(a_deployed(world.rt, PENALTY), "officer", {})
    world.facts["folder"] = tmp_path


@when(parsers.parse('the officer adds a patrol video collected at "{where}"'))
def add_video(world: World, where: str) -> None:
    world.facts["video"] = documents.add_evidence(
        world.rt, case_id=world.case.id, filename="patrol.mp4", content=io.BytesIO(VIDEO), media_type="video/mp4",
        collected_where=where, description="patrol camera", actor=world.actor("officer"))


@when(parsers.parse('the officer hands the video over to "{holder}" outside Dueflow'))
def hand_over(world: World, holder: str) -> None:
    custody.hand_over_evidence(world.rt, case_id=world.case.id, document_id=world.facts["video"].id, to=holder,
                               external=True, actor=world.actor("officer"))


@when("the officer investigates, serves the rights notice and records the party's waiver")
def to_the_decision(world: World) -> None:
    world.complete("officer", "investigate", {"findings": "stall on the pavement", "inspected_on": "2026-03-02"})
    world.complete("officer", "serve_rights_notice", {"proposed_fine": 500, "served_on": "2026-03-02"})
    world.deliver("waiver_received", {"note": "signed at the counter"}, world.actor("officer"))


@when(parsers.parse('the officer cites the video for "{element_id}"'))
def cite(world: World, element_id: str) -> None:
    [task] = [t for t in world.worklist("officer") if t.element_id == element_id]
    custody.cite_evidence(world.rt, case_id=world.case.id, task_id=task.id, document_ids=[world.facts["video"].id],
                          actor=world.actor("officer"))


@when("the auditor exports the case file")
def export(world: World) -> None:
    path = world.facts["folder"] / "case.zip"
    with path.open("wb") as out:
        case_export.export_case(world.rt, out=out, actor=world.actor("auditor"), case_no=world.case.case_no)
    world.facts["export"] = path


def _altered_copy(world: World, member_of, change) -> None:
    copy = world.facts["folder"] / "copy.zip"
    shutil.copy(world.facts["export"], copy)
    with zipfile.ZipFile(copy) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    name = member_of(members)
    members[name] = change(members[name])
    with zipfile.ZipFile(copy, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    world.facts["copy"] = copy


@when("someone changes one byte of the video in a copy of the file")
def alter_video(world: World) -> None:
    _altered_copy(world, lambda members: next(n for n in members if n.endswith("patrol.mp4")),
                  lambda content: content[:100] + bytes([content[100] ^ 0x20]) + content[101:])


@when("someone changes the findings recorded in a copy of the file")
def alter_event(world: World) -> None:
    _altered_copy(world, lambda members: "audit/events.jsonl",
                  lambda content: content.replace(b"stall on the pavement", b"nothing on the pavement"))


@then("the exported file checks out offline")
def checks_out(world: World) -> None:
    assert f"case {world.case.case_no}" in offline.verify(str(world.facts["export"]))


@then(parsers.parse("the custody of the video in the file reads {events}"))
def custody_in_file(world: World, events: str) -> None:
    with zipfile.ZipFile(world.facts["export"]) as archive:
        chains = json.loads(archive.read("custody.json"))
    chain = chains[str(world.facts["video"].id)]
    assert [e["event_type"] for e in chain["events"]] == [e.strip() for e in events.split(",")]
    assert chain["collected"]["where"] == "8 Fuxing Road, north gate"


@then(parsers.parse('the offline check of that copy names "{what}"'))
def names(world: World, what: str) -> None:
    with pytest.raises(offline.Mismatch) as mismatch:
        offline.verify(str(world.facts["copy"]))
    assert what in str(mismatch.value), str(mismatch.value)
