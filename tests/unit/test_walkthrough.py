"""`dueflow demo` walks a case from filing to payment and reports the audit verified."""
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
