"""Anyone can read the active procedures' stages, time limits and discretion tables."""
from engine.services import procedures, publication
from tests.builders import an_admin, procedure_files


def test_the_ordinary_procedure_is_published_with_its_rules(rt):
    procedures.deploy_procedure(rt, files=procedure_files("ordinary_procedure"), actor=an_admin())
    [published] = publication.published_procedures(rt)
    assert (published["key"], published["version"], published["enforcement"]) == ("ordinary_procedure", 1, True)
    assert {"rights_notice", "statement_period", "penalty_decision", "judicial_referral"} <= set(published["stages"])
    limits = {t["element_id"]: t for t in published["time_limits"]}
    assert limits["payment_window"]["period"] == "15 calendar days"
    assert limits["statement_period_ends"]["period"] == "5 working days"
    [table] = published["discretion_tables"]
    assert table["decision"] == "penalty_discretion" and len(table["rules"]) == 36
    assert table["rules"][0]["when"][0] == '"noise"'
