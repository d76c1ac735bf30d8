Feature: Moving running cases to a new procedure version
  A rule changes while cases are open. An administrator plans the move of the running cases from version 1 of
  the street order procedure to version 2: the plan says, case by case, where each would stand, which deadlines
  keep their time and which case cannot move and why. A second pair of eyes approves it; each case then moves in
  its own transaction with its deadlines, its rights already exercised and an audit event, and the move can be
  undone for the cases that have taken no step since.

  Version 2 renames the site inspection to "inspect_premises", adds a check of the records inside the records
  subprocess, and lengthens the acceptance period (P3D to P5D) and the statement period (P15D to P20D).

  Background:
    Given administrators "ada" and "alan", a legal reviewer "lena", an officer "olga" and a supervisor "sam"
    And version 1 of the street order procedure is deployed

  Scenario: Cases waiting on a timer, for a statement, inside a subprocess and at a parallel gateway move to version 2
    Given a case "statement" whose party made a statement that was re-checked, waiting for the statement period
    And a case "parallel" at the parallel gateway with both branches ready
    And a case "subprocess" inside the records subprocess with the site inspected
    And a case "timer" waiting on the acceptance period
    And version 2 of the street order procedure is deployed
    When "ada" plans to move all running cases to version 2 mapping inspect_site to inspect_premises
    Then the plan can move 4 cases and refuses none
    And the plan says the deadline statement_period_ends of case "statement" keeps its original due time
    When "ada" approves her own plan
    Then the migration is refused with "four_eyes"
    When "lena" approves the plan saying "PL 2021 local rule 7: records are checked before the notice"
    And "alan" runs the plan
    Then every case of the plan is on version 2 and its deadlines are due when they were before
    And case "timer" waits on acceptance_wait
    And case "parallel" has inspect_premises and request_records ready
    And case "subprocess" has request_records ready
    And case "statement" waits on statement_period_ends
    And each case's audit trail shows case_migrated from version 1 to 2 with the plan and the mapping
    When the officer completes request_records in case "subprocess"
    Then case "subprocess" has check_records ready
    When 15 days pass
    Then case "statement" has decide_penalty ready
    And the supervisor decides the penalty of case "statement" at 100 without a rights refusal
    And the audit trail of every case verifies

  Scenario: A plan that would move a case past the rights notice is refused for that case
    Given a case "statement" whose party made a statement that was re-checked, waiting for the statement period
    And a case "fresh" waiting to be registered
    And version 2 of the street order procedure is deployed
    When "ada" plans to move all running cases to version 2 mapping register_case to decide_penalty
    Then the plan refuses case "fresh" because it "has not had" the rights notice
    And the plan can move case "statement"
    When "alan" approves the plan saying "the statement case follows the new rule"
    And "ada" runs the plan
    Then case "fresh" is still on version 1 with register_case ready
    And case "statement" is on version 2
    And the audit trail of case "fresh" shows no case_migrated

  Scenario: A migration is reverted for the cases that have taken no step since
    Given a case "parallel" at the parallel gateway with both branches ready
    And a case "timer" waiting on the acceptance period
    And version 2 of the street order procedure is deployed
    When "ada" plans to move all running cases to version 2 mapping inspect_site to inspect_premises
    And "alan" approves the plan saying "new inspection rule"
    And "ada" runs the plan
    And the officer completes inspect_premises in case "parallel"
    And "ada" reverts the plan saying "the new version was published too early"
    Then case "timer" is on version 1 again and its deadlines are due when they were before
    And the audit trail of case "timer" shows case_migration_reverted
    And case "parallel" stays on version 2 because it "has taken a step"
    And the audit trail of every case verifies
