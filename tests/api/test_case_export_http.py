"""The case export from outside: GET /api/cases/{id}/export for auditors and admins (checked offline against the
key at GET /api/public/keys), and `dueflow export` / `dueflow verify-export` on the command line."""
from __future__ import annotations

import zipfile

from api.cli import main as dueflow
from engine.audit import offline
from engine.bootstrap import build_runtime, settings_from_env
from engine.services import documents
from tests.api.conftest import assert_error
from tests.builders import a_case, an_officer, the_notice


def test_an_auditor_downloads_a_case_file_that_verifies_with_the_published_key(client, login, rt, staff,
                                                                               tmp_path):
    the_notice(rt)
    case = client.post("/api/cases", headers=login("olga"), json={"procedure": "notice", "data": {}}).json()
    documents.add_evidence(rt, case_id=case["id"], filename="crates.jpg", content=b"photo", actor=staff["olga"])
    keys = client.get("/api/public/keys")
    assert keys.status_code == 200 and keys.json()["algorithm"] == "Ed25519"
    response = client.get(f"/api/cases/{case['id']}/export", headers=login("audrey"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert f'case-{case["case_no"]}.zip' in response.headers["content-disposition"]
    path = tmp_path / "case.zip"
    path.write_bytes(response.content)
    assert "1 documents intact" in offline.verify(str(path), keys.json()["public_key"])
    last = client.get(f"/api/cases/{case['id']}/audit", headers=login("audrey")).json()[-1]
    assert (last["event_type"], last["actor"]) == ("case_exported", "audrey")


def test_the_export_checks_role_and_case(client, login, rt, staff):
    the_notice(rt)
    case = client.post("/api/cases", headers=login("olga"), json={"procedure": "notice", "data": {}}).json()
    assert_error(client.get(f"/api/cases/{case['id']}/export", headers=login("olga")), 403)
    assert_error(client.get(f"/api/cases/{case['id']}/export", headers=login("sam")), 403)
    assert_error(client.get(f"/api/cases/{case['id'] + 99}/export", headers=login("audrey")), 404)
    assert_error(client.get(f"/api/cases/{case['id']}/export"), 401)
    assert client.get(f"/api/cases/{case['id']}/export", headers=login("ada")).status_code == 200


def test_dueflow_export_and_verify_export(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DUEFLOW_VAR", str(tmp_path / "var"))
    for name in ("DUEFLOW_SECRET", "DUEFLOW_AUDIT_KEY", "DUEFLOW_SIGNING_SEED", "DUEFLOW_WITNESS"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'dueflow.db'}"
    rt = build_runtime(settings_from_env(database_url=url))
    the_notice(rt)
    case = a_case(rt)
    documents.add_evidence(rt, case_id=case.id, filename="crates.jpg", content=b"photo of crates",
                           actor=an_officer())
    out = tmp_path / "case.zip"
    assert dueflow(["export", case.case_no, "--out", str(out), "--db", url]) == 0
    captured = capsys.readouterr()
    assert f"dueflow verify-export {out}" in captured.out and "manifest.json" in captured.err  # progress
    assert dueflow(["verify-export", str(out)]) == 0
    assert "the export is intact" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    [document] = [name for name in members if name.startswith("documents/")]
    members[document] = b"Photo of crates"
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    assert dueflow(["verify-export", str(out)]) == 1
    assert f"MISMATCH: {document}: its sha256" in capsys.readouterr().err
    assert dueflow(["export", "2099-999999", "--out", str(tmp_path / "none.zip"), "--db", url]) == 1
    assert not (tmp_path / "none.zip").exists()
    rt.store.dispose()
