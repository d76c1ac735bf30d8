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


def test_the_xlsx_export_and_the_bulletin_over_http(rt, client, login, staff):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    the_notice(rt)
    a_case(rt)
    xlsx = client.get("/api/assessment", params={"period": "month", "date": "2026-03-02", "format": "xlsx"},
                      headers=login("audrey"))
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(xlsx.content))["按部门 By department"]["B2"].value == 1
    pdf = client.get("/api/assessment/bulletin", params={"month": "2026-03", "lang": "en"}, headers=login("audrey"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Urban management assessment bulletin" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for month in ("2026-13", "0000-01"):
        assert_error(client.get("/api/assessment/bulletin", params={"month": month}, headers=login("ada")), 422)
    assert_error(client.get("/api/assessment/cases", params={"indicator": "reported", "date": "2026-03-02",
                                                              "after": 2**70}, headers=login("ada")), 422)
    assert_error(client.get("/api/assessment/cases", params={"indicator": "reported", "date": "2026-03-02",
                                                              "group": "a\x00b"}, headers=login("ada")), 422)
    assert_error(client.get("/api/assessment/bulletin", params={"month": "2026-03"}, headers=login("olga")), 403)
