"""A case file anyone can verify offline: the export carries the procedure, every audit event, every document,
custody and a signed checkpoint with the case's inclusion proof; the offline verifier (standard library plus
`cryptography`) recomputes all of it and names the first thing that does not match. SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from engine.audit import offline
from engine.domain import ForbiddenError
from engine.services import case_export, documents, tasks
from tests.builders import a_case, an_auditor, an_officer, the_notice

ROOT = Path(__file__).resolve().parents[2]
PHOTO = b"\xff\xd8\xff\xe0 crates on the pavement, north side"
INSPECTION = {"findings": "blocked pavement", "severity": "minor", "fine_due": False}


@pytest.fixture
def exported(rt, tmp_path) -> tuple[Path, object]:
    the_notice(rt)
    case = a_case(rt)
    a_case(rt)  # another chain in the checkpoint: the proof is a real path, not a single leaf
    documents.add_evidence(rt, case_id=case.id, filename="crates.jpg", content=PHOTO, actor=an_officer(),
                           media_type="image/jpeg", note="north side")
    tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
    path = tmp_path / "case.zip"
    steps = []
    with path.open("wb") as out:
        case_export.export_case(rt, out=out, actor=an_auditor(), case_no=case.case_no,
                                progress=lambda done, total, name: steps.append((done, total, name)))
    assert steps[-1][0] == steps[-1][1] and steps[-1][2] == "manifest.json", "progress reaches the last file"
    return path, case


def rewrite(path: Path, name: str, change) -> None:
    """Rewrite one member of the zip as someone altering the file would."""
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members[name] = change(members[name])
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)


def test_an_export_holds_the_whole_case_and_verifies(rt, exported):
    path, case = exported
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        events = [json.loads(line) for line in archive.read("audit/events.jsonl").decode().splitlines()]
        custody = json.loads(archive.read("custody.json"))
    assert "procedure/notice.bpmn" in names and "procedure/fine_amount.dmn" in names
    [document] = manifest["documents"]
    assert document["path"] in names and document["filename"] == "crates.jpg"
    assert events[-1]["event_type"] == "case_exported" and events[-1]["actor"] == "audrey"
    chain = custody[str(document["id"])]
    assert [step["event_type"] for step in chain["events"]] == ["evidence_added", "case_exported"]
    assert chain["holder"] == "olga" and chain["collected"]["by"] == "olga"
    assert manifest["checkpoint"]["chains"] >= 3 and manifest["inclusion_proof"]["path"]
    assert manifest["inclusion_proof"]["seq"] == len(events), "the checkpoint signed after the export covers it"
    summary = offline.verify(str(path), manifest["public_key"]["public_key"])
    assert f"case {case.case_no}" in summary and f"{len(events)} audit events" in summary


def test_one_altered_byte_of_a_document_is_named(exported):
    path, _ = exported
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    name = manifest["documents"][0]["path"]
    rewrite(path, name, lambda content: content[:5] + bytes([content[5] ^ 1]) + content[6:])
    with pytest.raises(offline.Mismatch, match=f"^{name}: its sha256"):
        offline.verify(str(path))


def test_an_altered_audit_event_is_named(exported):
    path, _ = exported
    rewrite(path, "audit/events.jsonl", lambda content: content.replace(b"blocked pavement", b"clear pavement"))
    with pytest.raises(offline.Mismatch, match=r"^audit event 4 \(task_completed\) was altered"):
        offline.verify(str(path))


def test_a_document_and_manifest_rewritten_together_still_disagree_with_the_audit_trail(exported):
    path, _ = exported
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    document = manifest["documents"][0]
    forged = b"a different photo"
    rewrite(path, document["path"], lambda _: forged)
    digest = hashlib.sha256(forged).hexdigest()
    manifest["files"][document["path"]] = document["sha256"] = digest
    rewrite(path, "manifest.json", lambda _: json.dumps(manifest).encode())
    with pytest.raises(offline.Mismatch, match="differs from the one the audit trail recorded"):
        offline.verify(str(path))


def test_a_foreign_key_or_a_forged_checkpoint_is_refused(exported):
    path, _ = exported
    with pytest.raises(offline.Mismatch, match="signature of checkpoint"):
        offline.verify(str(path), public_key="00" * 32)
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    manifest["checkpoint"]["events"] += 1
    rewrite(path, "manifest.json", lambda _: json.dumps(manifest).encode())
    with pytest.raises(offline.Mismatch, match="signature of checkpoint"):
        offline.verify(str(path))


def test_only_auditors_and_admins_export(rt):
    the_notice(rt)
    case = a_case(rt)
    with pytest.raises(ForbiddenError):
        case_export.export_case(rt, out=io.BytesIO(), actor=an_officer(), case_no=case.case_no)


def test_the_verifier_runs_as_one_file_without_the_project(exported, tmp_path):
    """Copied alone into an empty folder and run in isolated mode: the standard library and `cryptography`."""
    path, case = exported
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "verify_export.py").write_bytes((ROOT / "engine" / "audit" / "offline.py").read_bytes())
    ok = subprocess.run([sys.executable, "-I", "verify_export.py", str(path)], cwd=alone, capture_output=True,
                        text=True)
    assert ok.returncode == 0 and "the export is intact" in ok.stdout, ok.stderr
    rewrite(path, "audit/events.jsonl", lambda content: content.replace(b"olga", b"olaf", 1))
    bad = subprocess.run([sys.executable, "-I", "verify_export.py", str(path)], cwd=alone, capture_output=True,
                         text=True)
    assert bad.returncode == 1 and "MISMATCH: audit event 1 (case_opened) was altered" in bad.stderr
