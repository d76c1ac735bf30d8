"""The coordination routes: the public list, dispatch, return, dispute, assignment; role and department checked."""
from __future__ import annotations

from engine.domain import Actor
from engine.services import cases, users
from tests.api.conftest import PASSWORD, assert_error
from tests.builders import the_notice

LIST = ("department,category,area,legal_basis,return_days\n"
        "cityscape,street_vending,*,City Appearance Regulations art. 17,1\n"
        "markets,street_vending,HP-0412,Market Rules art. 9,1\n")


def _setup(rt, client, login):
    users.add_user(rt, username="cora", password=PASSWORD, role="coordinator", department=None,
                   actor=Actor.system("tests"))
    assert_error(client.post("/api/responsibilities", json={"csv": LIST}, headers=login("dan")), 403)
    response = client.post("/api/responsibilities", json={"csv": LIST}, headers=login("ada"))
    assert response.status_code == 201, response.text
    the_notice(rt)
    return cases.open_case(rt, procedure="notice", actor=Actor("dan", "dispatcher"), department="cityscape",
                           data={"category": "street_vending", "location": {"grid_cell": "HP-0412"}})


def test_the_list_is_public_as_json_and_csv(rt, client, login, staff):
    _setup(rt, client, login)
    entries = client.get("/api/public/responsibilities").json()
    assert [(e["department"], e["area"]) for e in entries] == [("cityscape", "*"), ("markets", "HP-0412")]
    csv = client.get("/api/public/responsibilities", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv") and "Market Rules art. 9" in csv.text


def test_a_case_goes_through_dispatch_return_dispute_and_assignment(rt, client, login, staff):
    case = _setup(rt, client, login)
    entries = client.get("/api/public/responsibilities").json()
    url = f"/api/cases/{case.id}"
    assert client.get(url + "/holder", headers=login("dan")).json()["proposal"]["department"] == "markets"
    assert_error(client.post(url + "/dispatch", json={}, headers=login("olga")), 403)
    assert_error(client.post(url + "/dispatch", json={"department": "cityscape"}, headers=login("dan")), 422)
    held = client.post(url + "/dispatch", json={}, headers=login("dan")).json()
    assert (held["holder"], held["department"]) == ("department", "markets")
    body = {"reason": "a pavement, not a market", "entry": entries[0]["id"]}
    assert_error(client.post(url + "/return", json=body, headers=login("olga")), 404)  # not cityscape's now
    held = client.post(url + "/return", json=body, headers=login("mark")).json()
    assert held["holder"] == "dispatcher"
    held = client.post(url + "/dispute", json={"reason": "both decline"}, headers=login("dan")).json()
    assert held["holder"] == "coordinator"
    assign = {"department": "cityscape", "reason": "the stall blocks the pavement"}
    assert_error(client.post(url + "/assign", json=assign, headers=login("dan")), 403)
    held = client.post(url + "/assign", json=assign, headers=login("cora")).json()
    assert (held["holder"], held["department"]) == ("department", "cityscape")
    assert [hop["holder"] for hop in held["chain"]] == ["dispatcher", "department", "dispatcher", "coordinator",
                                                       "department"]
    assert client.get(url + "/holder", headers=login("olga")).json()["department"] == "cityscape"
