Feature: Nothing stuck in silence
  A step whose procedure code cannot run keeps nothing of itself. The case stays as it was, the failure is
  on the case's audit trail, and an incident waits until an administrator runs the step again after a fix
  or resolves it with a reason. Officers, administrators and auditors each see their part of it.

  Background:
    Given an officer "olga" and an administrator "ada" of the agency

  Scenario: A step over its time budget waits as an incident until the administrator raises the budget
    Given a procedure whose check after the review takes a while to compute
    And the agency allows procedure code 0.02 seconds of CPU per step
    When the officer completes "review"
    Then the step is refused with "budget_exceeded"
    And the officer has "review" in the worklist
    And the administrator sees an open incident for "review" after 1 attempt
    When the officer completes "review"
    Then the administrator sees an open incident for "review" after 2 attempts
    And the audit trail shows incident_opened by the officer for review
    And the audit trail shows step_failed by the officer for review
    When the agency allows procedure code 5 seconds of CPU per step
    And the administrator runs the failed step again
    Then the officer has "check" in the worklist
    And the administrator sees no open incident
    And the audit trail shows task_completed by the officer for review
    And the audit trail shows incident_resolved by the admin for review
    And the audit trail verifies

  Scenario: A script error is resolved with a reason the auditor can read
    Given a procedure whose script after the review divides by zero
    When the officer completes "review"
    Then the step is refused with "workflow_error"
    When the administrator resolves the incident saying "procedure fixed in version 2; this case handled on paper"
    Then the administrator sees no open incident
    And the auditor reads "handled on paper" in the resolved incident
    And the audit trail shows incident_resolved by the admin for review
    And the audit trail verifies
