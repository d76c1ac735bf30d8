"""The assessment routes: role checked, CSV export, public statistics without sign-in or personal data."""
from __future__ import annotations

from tests.api.conftest import assert_error
from tests.builders import a_case, the_notice


def test_the_assessment_as_json_and_csv_and_the_public_statistics(rt, client, login, staff):
    the_notice(rt)
    a_case(rt)
    params = {"period": "month", "date": "2026-03-02", "by": "department"}
    assert_error(client.get("/api/assessment", params=params, headers=login("olga")), 403)
    result = client.get("/api/assessment", params=params, headers=login("audrey")).json()
    assert result["groups"][0]["group"] == "cityscape" and result["groups"][0]["reported"] == 1
    csv = client.get("/api/assessment", params={**params, "format": "csv"}, headers=login("audrey"))
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("group,reported")
    assert_error(client.get("/api/assessment", params={**params, "period": "decade"}, headers=login("ada")), 422)
    public = client.get("/api/public/statistics", params={"year": 2026}).json()
    assert {"district": "HP", "month": "2026-03", "reported": 1, "closed": 0, "closure_rate": 0.0} in public
    assert "olga" not in str(public)


def test_the_cases_behind_a_figure_page_by_keyset_and_keep_to_the_supervisors_department(rt, client, login, staff):
    from tests.builders import an_officer

    the_notice(rt)
    ours = [a_case(rt).case_no for _ in range(3)]
    theirs = a_case(rt, actor=an_officer("mark", "markets")).case_no
    params = {"indicator": "reported", "period": "month", "date": "2026-03-02", "by": "department"}
    seen, after = [], 0
    while True:  # two a page: the keyset walks every case once, oldest first
        page = client.get("/api/assessment/cases", params={**params, "after": after, "limit": 2},
                          headers=login("audrey")).json()
        seen += [c["case_no"] for c in page["cases"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert seen == ours + [theirs]
    own = client.get("/api/assessment/cases", params=params, headers=login("sam")).json()
    assert [c["case_no"] for c in own["cases"]] == ours and own["group"] == "cityscape"
    assert_error(client.get("/api/assessment/cases", params={**params, "group": "markets"}, headers=login("sam")), 403)
    assert_error(client.get("/api/assessment/cases", params=params, headers=login("olga")), 403)
    assert_error(client.get("/api/assessment/cases", params={**params, "indicator": "fines"},
                            headers=login("ada")), 422)
    rate = client.get("/api/assessment/cases", params={**params, "indicator": "closure_rate"},
                      headers=login("ada")).json()
    assert rate["indicator"] == "closed" and rate["cases"] == []
