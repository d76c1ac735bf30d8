"""The coordination pages in both languages: the public list (admins publish a CSV), the dispatcher's and
coordinator's worklist, the holder on the case page and the hop chain with its forms."""
from __future__ import annotations

import pytest

from engine.domain import Actor
from engine.services import cases, responsibilities, users
from tests.web.conftest import PASSWORD

LIST = ("department,category,area,legal_basis,return_days\n"
        "markets,street_vending,*,市场管理条例 第九条,1\n")
WORDS = {"en": ("Responsibility list", "Held by", "Dispatched to a department", "the coordinator"),
         "zh": ("权责清单", "当前承办", "已派遣至部门", "协调人")}


@pytest.fixture
def disputed_roles(rt):
    for name, role, department in (("dan", "dispatcher", None), ("cora", "coordinator", None)):
        users.add_user(rt, username=name, password=PASSWORD, role=role, department=department,
                       actor=Actor.system("tests"))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_case_is_published_dispatched_returned_and_assigned_on_the_pages(browser, rt, penalty, disputed_roles,
                                                                           language):
    words = WORDS[language]
    public = browser(language)
    assert words[0] in public.get("/responsibilities").text  # no sign-in needed
    admin = browser(language)
    admin.sign_in("ada")
    done = admin.post("/responsibilities", files={"file": ("list.csv", LIST.encode(), "text/csv")})
    assert done.status_code == 200 and "市场管理条例" in done.text
    entry = responsibilities.published(rt)[0].id
    case = cases.open_case(rt, procedure=penalty, data={"category": "street_vending"},
                           actor=Actor("olga", "officer", "cityscape"))
    dan = browser(language)
    dan.sign_in("dan")
    assert case.case_no in dan.get("/coordination").text
    held = dan.post(f"/cases/{case.id}/holder/dispatch", {"department": "", "reason": ""})
    assert words[2] in held.text and 'data-holder="department"' in held.text
    mark = browser(language)
    mark.sign_in("mark")
    page = mark.get(f"/cases/{case.id}")
    assert words[1] in page.text and "markets" in page.text
    back = mark.post(f"/cases/{case.id}/holder/return", {"entry": str(entry), "reason": "不属于本部门"})
    assert 'data-holder="dispatcher"' in back.text
    dan.post(f"/cases/{case.id}/holder/dispute", {"reason": "两部门均不受理"})
    cora = browser(language)
    cora.sign_in("cora")
    assert words[3] in cora.get(f"/cases/{case.id}/holder").text
    done = cora.post(f"/cases/{case.id}/holder/assign", {"department": "cityscape", "reason": "占道经营",
                                                          "legal_basis": ""})
    assert 'id="holder" data-holder="department"' in done.text and "cityscape" in done.text


def test_only_admins_publish_the_list(browser, disputed_roles):
    dan = browser()
    dan.sign_in("dan")
    refused = dan.post("/responsibilities", files={"file": ("list.csv", LIST.encode(), "text/csv")})
    assert refused.status_code == 403
