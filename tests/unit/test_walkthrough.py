"""`dueflow demo` walks a case from filing to payment and reports the audit verified."""
import re

from api.cli import main


def test_the_demo_prints_a_timeline_and_a_verified_audit(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DUEFLOW_VAR", str(tmp_path / "var"))
    assert main(["demo", "--db", f"sqlite:///{tmp_path}/demo.db"]) == 0
    printed = capsys.readouterr().out
    assert "outcome penalty_paid" in printed
    assert "timer_fired          statement_period_ends" in printed
    assert "audit verification: intact" in printed
    assert main(["demo", "--db", f"sqlite:///{tmp_path}/demo.db"]) == 0, "a second run signs with the same keys"
    assert "audit verification: intact" in capsys.readouterr().out


def test_the_demo_prints_the_command_that_exports_its_case_and_the_export_verifies(tmp_path, capsys, monkeypatch):
    import re

    monkeypatch.setenv("DUEFLOW_VAR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path}/demo.db"
    assert main(["demo", "--db", url]) == 0
    [case_no] = re.findall(r"dueflow export (\S+) --out", capsys.readouterr().out)
    out = tmp_path / "case.zip"
    assert main(["export", case_no, "--out", str(out), "--db", url]) == 0
    assert main(["verify-export", str(out)]) == 0
    assert "the export is intact" in capsys.readouterr().out


def test_the_demo_ends_with_the_case_documents_rendered_and_served(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DUEFLOW_VAR", str(tmp_path / "var"))
    assert main(["demo", "--db", f"sqlite:///{tmp_path}/demo.db"]) == 0
    printed = capsys.readouterr().out
    pdfs = sorted(p.name for p in (tmp_path / "documents").glob("*/*.pdf"))
    assert [name.split("-", 2)[2] for name in pdfs] == ["order_to_correct-zh_Hans.pdf",
                                                        "penalty_decision-zh_Hans.pdf", "rights_notice-zh_Hans.pdf"]
    assert len(re.findall(r"  served \d{4}-\d\d-\d\d", printed)) == 3 and "罚决〔" in printed
    assert "dueflow export " in printed
