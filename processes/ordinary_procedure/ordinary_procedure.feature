Feature: The ordinary administrative penalty procedure
  An enforcement case runs from filing to closure: education before punishment, the party's rights before
  any penalty, and a court application only after service, a served demand and the waiting period.

  Background:
    Given the ordinary procedure is deployed
    And a noise case against "Green Grocer Ltd" is filed by officer "olga" of "cityscape"
    And officer "olga" registers the case and investigates it as a "serious" violation with 0 prior offences
    And officer "olga" determines that a violation is established
    And officer "olga" orders correction within 7 days

  Scenario: Corrected in time: education and no penalty
    When 8 days pass
    And officer "olga" reinspects and finds the violation corrected
    And officer "olga" records the education given
    Then the case is closed with outcome "education"
    And no penalty was decided
    And the audit trail shows "timer_fired" at "remedy_period"
    And the audit trail verifies

  Scenario: Penalty decided and paid
    Given the violation was not corrected and the rights notice is served on "2026-03-10"
    Then the proposed fine is 3000
    When 10 days pass
    And legal reviewer "lena" approves the case
    And supervisor "sam" decides a fine of 3000
    And officer "olga" serves the decision
    And the bank reports the fine paid
    Then the case is closed with outcome "penalty_paid"
    And the audit trail shows "message_received" at "fine_paid_event"
    And the audit trail verifies

  Scenario: Penalty unpaid ends in an application to the court
    Given the violation was not corrected and the rights notice is served on "2026-03-10"
    When 10 days pass
    And legal reviewer "lena" approves the case
    And supervisor "sam" decides a fine of 3000
    And officer "olga" serves the decision
    And 16 days pass
    And officer "olga" serves a demand for 3000
    And 190 days pass
    And legal reviewer "lena" applies to the court
    Then the case is closed with outcome "judicial_referral"
    And the audit trail shows "timer_fired" at "payment_window"
    And the audit trail shows "timer_fired" at "demand_wait"
    And the audit trail verifies

  Scenario: A statement that lowers the outcome
    Given the violation was not corrected and the rights notice is served on "2026-03-10"
    When the party states "the music was a one-off birthday party"
    And supervisor "sam" re-checks the statement and lowers the severity to "moderate"
    Then the proposed fine is 1000
    When 10 days pass
    And legal reviewer "lena" approves the case
    And supervisor "sam" decides a fine of 1000
    Then the case waits for service of the decision
    And the audit trail shows "message_received" at "statement_received_event"
    And the audit trail shows "decision_evaluated" at "reassess_penalty"
    And the audit trail verifies

  Scenario: The service deadline (7 working days, PL 61) expires and the supervisor takes over
    Given the violation was not corrected and the rights notice is served on "2026-03-10"
    When 10 days pass
    And legal reviewer "lena" approves the case
    And supervisor "sam" decides a fine of 3000
    And 12 days pass
    Then officer "olga" can no longer serve the decision
    And the case waits for supervisor "sam" to serve the decision
    And the audit trail shows "task_cancelled" at "serve_decision"
    And the audit trail verifies

  Scenario: The law's time limits date every step from filing to service (PL 60, PL 61)
    Given the violation was not corrected and the rights notice is served on "2026-03-10"
    When 10 days pass
    # 90 calendar days from filing on 2026-03-02 end on Sunday 31 May: the period runs to the next working day
    Then the task "legal_review" is due on "2026-06-01"
    When legal reviewer "lena" approves the case
    Then the task "decide_penalty" is due on "2026-06-01"
    When supervisor "sam" decides a fine of 3000
    Then the task "serve_decision" is due on "2026-03-31"
    And the audit trail verifies

  Scenario: The engine refuses a decision above the notified fine
    Given the violation was not corrected and the rights notice is served on "2026-03-10"
    When 10 days pass
    And legal reviewer "lena" approves the case
    Then supervisor "sam" cannot decide a fine of 4000
    And the audit trail shows "step_refused" at "decide_penalty"
    And the audit trail verifies

  Scenario: The investigator may not do the legal review
    Given the violation was not corrected and the rights notice is served on "2026-03-10"
    When 10 days pass
    Then legal reviewer "olga" who investigated the case cannot do its legal review
    And the audit trail shows "step_refused" at "legal_review"
    And the audit trail verifies
