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
