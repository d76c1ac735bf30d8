"""The rights gates read typed facts from the trail: when the notice was served, the amount it notified, when
the statement period ends, whether it was waived, the statements received and re-checked."""
from datetime import datetime, timedelta, timezone

from engine.services.gates import RightsFacts

SERVED = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def test_the_statement_period_is_over_when_its_timer_fired_or_its_end_passed():
    facts = RightsFacts(notice_served_at=SERVED, notified_amount=300.0,
                        statement_period_ends=SERVED + timedelta(days=5))
    assert not facts.period_over(SERVED + timedelta(days=4))
    assert facts.period_over(SERVED + timedelta(days=5))
    assert RightsFacts(notice_served_at=SERVED, statement_period_ended=True).period_over(SERVED)
    assert not RightsFacts(notice_served_at=SERVED).period_over(SERVED + timedelta(days=400))  # no end known


def test_statements_are_pending_until_a_re_check_covers_them():
    facts = RightsFacts(notice_served_at=SERVED, statements=2, statements_rechecked=1)
    assert facts.statements_pending == 1
    facts.statements_rechecked = facts.statements
    assert facts.statements_pending == 0
