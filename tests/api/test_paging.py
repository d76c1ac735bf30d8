"""Paging over HTTP by cursor: /api/cases answers `next` for `after` and refuses an offset, naming the cursor;
/api/tasks keeps answering a list and puts the next page in a Link header."""
from __future__ import annotations

import pytest

from tests.api.conftest import assert_error
from tests.builders import the_notice


@pytest.fixture
def four(client, login, rt, clock) -> list[dict]:
    the_notice(rt)
    opened = []
    for name in ("Alpha", "Beta", "Gamma", "Delta"):
        answer = client.post("/api/cases", headers=login("olga"), json={"procedure": "notice",
                                                                        "data": {"party": {"name": name}}})
        opened.append(answer.json())
        clock.advance(minutes=1)
    return opened


def test_cases_page_by_cursor_and_an_offset_is_refused(client, login, four):
    headers = login("olga")
    first = client.get("/api/cases?limit=3", headers=headers).json()
    assert [c["party_name"] for c in first["items"]] == ["Delta", "Gamma", "Beta"]
    assert (first["total"], first["capped"], first["next"]) == (4, False, four[1]["id"])
    rest = client.get(f"/api/cases?limit=3&after={first['next']}", headers=headers).json()
    assert [c["party_name"] for c in rest["items"]] == ["Alpha"] and rest["next"] is None
    error = assert_error(client.get("/api/cases?offset=3", headers=headers), 422, "invalid_request")
    assert error["details"][0]["field"] == "query.offset"


def test_the_worklist_links_its_next_page(client, login, four):
    headers = login("olga")
    first = client.get("/api/tasks?limit=3", headers=headers)
    assert [t["party_name"] for t in first.json()] == ["Alpha", "Beta", "Gamma"], "undated: oldest first"
    link = first.headers["link"]
    assert link.startswith("</api/tasks?") and link.endswith('>; rel="next"')
    second = client.get(link[1:link.index(">")], headers=headers)
    assert [t["party_name"] for t in second.json()] == ["Delta"] and "link" not in second.headers
    assert_error(client.get("/api/tasks?after=bm90LWEtY3Vyc29y", headers=headers), 422)
