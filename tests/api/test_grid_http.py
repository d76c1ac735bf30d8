"""The grid routes: admins import, inspectors report (a finding opens a case), coverage with blind spots."""
from __future__ import annotations

import json

from engine.domain import Actor
from engine.services import users
from tests.api.conftest import PASSWORD, assert_error
from tests.builders import FIXTURES, the_notice


def test_import_locate_inspect_and_coverage(rt, client, login, staff, clock):
    users.add_user(rt, username="ivy", password=PASSWORD, role="inspector", department="cityscape",
                   actor=Actor.system("tests"))
    collection = json.loads((FIXTURES / "grid.geojson").read_text())
    assert_error(client.post("/api/grid/cells", json=collection, headers=login("olga")), 403)
    assert client.post("/api/grid/cells", json=collection, headers=login("ada")).json() == {"imported": 3}
    assert len(client.get("/api/grid/cells", headers=login("ivy")).json()["features"]) == 3
    found = client.get("/api/grid/locate", params={"lon": 121.465, "lat": 31.225}, headers=login("ivy"))
    assert found.json() == {"cell": "HP-0412-07"}
    the_notice(rt)
    report = {"cell": "HP-0412-07", "findings": "stall on the pavement", "photos": ["IMG-7"],
              "open_case": {"procedure": "notice", "category": "street_vending", "address": "Huaihai Road 12"}}
    assert_error(client.post("/api/grid/inspections", json=report, headers=login("audrey")), 403)
    made = client.post("/api/grid/inspections", json=report, headers=login("ivy"))
    assert made.status_code == 201 and made.json()["case_no"]
    rows = {r["code"]: r for r in client.get("/api/grid/coverage", params={"blind_days": 3},
                                             headers=login("dan")).json()}
    assert not rows["HP-0412-07"]["blind_spot"] and rows["HP-0412-07"]["open_cases"] == 1
    assert rows["XH-0101-01"]["blind_spot"]
    assert_error(client.get("/api/grid/coverage", params={"since": "2026-03-01T00:00:00"}, headers=login("dan")), 422)
    assert client.get("/api/grid/coverage", params={"since": "2026-03-01T00:00:00+08:00"},
                      headers=login("dan")).status_code == 200
