"""The Cases page, the officer's second screen: any case found by number, party, address, status, stage,
category, grid cell and deadline, with paging, in both languages."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
TODAY = date.today().isoformat()
ONE = {"zh-CN": "1 件案件", "en-US": "1 case"}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_cases_are_found_by_stage_category_grid_and_deadline(open_page, server, locale):
    grid = f"SR-{locale}"
    waiting = server.open_case("web_penalty", f"Search Teahouse {locale}", category="street_vending",
                               location={"address": "3 Search Lane", "grid_cell": grid})
    waiting = server.complete(waiting, {"findings": "Tables on the pavement", "inspected_on": TODAY,
                                        "severity": "serious", "credentials_shown": "true"})
    server.complete(waiting, {"proposed_fine": 500, "served_on": TODAY})  # now waits out the statement period
    quiet = server.open_case("web_penalty", f"Search Bakery {locale}", category="noise",
                             location={"address": "5 Search Lane", "grid_cell": grid})
    page = open_page(locale)
    sign_in(page, DEMO["officer"])
    page.goto("/cases")
    page.fill("#grid", grid)
    page.click("form.search button[type=submit]")
    assert page.locator("tbody tr").count() == 2

    page.select_option("#category", "noise")
    page.click("form.search button[type=submit]")
    assert page.inner_text("[data-total]").strip() == ONE[locale]
    assert quiet["case_no"] in page.inner_text("tbody")

    page.goto(f"/cases?grid={grid}&stage=statement_period")
    assert page.locator("tbody tr").count() == 1 and waiting["case_no"] in page.inner_text("tbody")
    assert page.input_value("#stage") == "statement_period", "the form keeps the filters"

    page.goto(f"/cases?grid={grid}")
    page.fill("#due_by", (date.today() + timedelta(days=60)).isoformat())
    page.click("form.search button[type=submit]")
    assert page.locator("tbody tr").count() == 1 and waiting["case_no"] in page.inner_text("tbody")


def test_the_pages_keep_the_filters(open_page, server):
    for number in range(51):
        server.open_case("web_penalty", f"Paging Kiosk {number}", location={"address": "7 Paging Road",
                                                                             "grid_cell": "PG-1"})
    page = open_page("zh-CN")
    sign_in(page, DEMO["officer"])
    page.goto("/cases?q=Paging+Kiosk&grid=PG-1")
    assert page.locator("tbody tr").count() == 50 and "51 件案件" in page.inner_text("[data-total]")
    page.click("a.button:has-text('较早')")
    assert page.locator("tbody tr").count() == 1 and "grid=PG-1" in page.url
