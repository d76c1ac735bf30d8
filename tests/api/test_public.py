"""The published rules are readable by anyone, with no token."""
from engine.services import procedures
from tests.builders import an_admin, procedure_files


def test_anyone_reads_the_published_procedures(client, rt):
    procedures.deploy_procedure(rt, files=procedure_files("ordinary_procedure"), actor=an_admin())
    response = client.get("/api/public/procedures")
    assert response.status_code == 200
    [published] = response.json()
    assert published["key"] == "ordinary_procedure" and "statement_period" in published["stages"]
    assert published["discretion_tables"][0]["outputs"]
