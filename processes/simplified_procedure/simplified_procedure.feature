Feature: Simplified on-the-spot procedure (PL 51-52)
  Two officers who find a small violation may decide on the spot: a warning, or a fine of at most
  200 CNY for a person or 3,000 CNY for an organisation. They show their credentials, tell the party the
  proposed penalty and its rights, hear and re-check its statement, decide on a numbered form, order the
  violation corrected, hand the form over (signed, or the refusal witnessed), and the supervisor files
  the decision with the agency. The party pays at a bank within 15 days.

  Background:
    Given the procedure "simplified_procedure" is deployed

  Scenario: A street vendor is fined 200 CNY on the spot, signs, and pays at the bank
    Given officers find "Li Lei", a person, selling food on the pavement
    When the officer shows credentials and records "serious" circumstances
    Then the benchmark proposes a "fine" of 200 CNY
    When the officer tells the party the proposed penalty and its rights
    And the party states "I did not know the rule", the officer re-checks it and the party wants the decision now
    And the officer decides a fine of 200 CNY on form "SP-2026-000123"
    And the officer orders the party to "leave the pavement today"
    And the party signs the decision
    And the supervisor files the decision as "BA-2026-017"
    And the bank reports the fine paid
    Then the case is closed with outcome "penalty_paid"
    And the audit trail shows rights_notice_served by the officer for notify_rights_on_the_spot
    And the audit trail shows decision_evaluated by the system for look_up_benchmark
    And the audit trail shows task_completed by the officer for decide_on_the_spot
    And the audit trail shows task_completed by the supervisor for file_decision
    And the audit trail shows message_received by the system for fine_paid
    And the audit trail shows no timer_fired for filing_deadline
    And the audit trail verifies

  Scenario: A shop gets a warning, refuses to sign, and the refusal is witnessed
    Given officers find "Green Grocer Ltd", an organisation, selling food on the pavement
    When the officer shows credentials and records "minor" circumstances
    Then the benchmark proposes a "warning" of 0 CNY
    When the officer tells the party the proposed penalty and its rights
    And the party says nothing and wants the decision now
    And the officer decides a warning on form "SP-2026-000124"
    And the officer orders the party to "clear the pavement"
    And the party refuses to sign before "Zhang San, Wang Wu"
    And the supervisor files the decision as "BA-2026-018"
    Then the case is closed with outcome "warning_given"
    And the audit trail shows task_completed by the officer for record_refusal
    And the audit trail verifies

  Scenario: The engine refuses a fine heavier than the one the party was told of
    Given officers find "Li Lei", a person, selling food on the pavement
    When the officer shows credentials and records "ordinary" circumstances
    And the officer tells the party the proposed penalty and its rights
    And the party says nothing and wants the decision now
    And the officer tries to decide a fine of 150 CNY on form "SP-2026-000125"
    Then the step is refused with "rights_gate"
    And the officer has "decide_on_the_spot" in the worklist
    And the audit trail shows step_refused by the officer for decide_on_the_spot
    And the audit trail verifies

  Scenario: The decision form refuses a fine above 3,000 CNY
    Given officers find "Green Grocer Ltd", an organisation, selling food on the pavement
    When the officer shows credentials and records "serious" circumstances
    And the officer tells the party the proposed penalty and its rights
    And the party says nothing and wants the decision now
    And the officer tries to decide a fine of 5000 CNY on form "SP-2026-000126"
    Then the step is refused with "invalid_form_data"
    And the audit trail shows no task_completed for decide_on_the_spot
    And the audit trail verifies

  Scenario Outline: Penalties beyond the on-the-spot limits go to the ordinary procedure
    Given officers find "<party>", <an> <party type>, selling food on the pavement
    When the officer shows credentials and records "grave" circumstances
    Then the benchmark proposes a "fine" of <fine> CNY
    And the case is closed with outcome "transferred"
    And the audit trail shows case_closed for to_ordinary_over_limit
    And the audit trail verifies

    Examples:
      | party            | an | party type   | fine  |
      | Li Lei           | a  | person       | 500   |
      | Green Grocer Ltd | an | organisation | 10000 |

  Scenario: Without credentials shown there is no on-the-spot decision
    Given officers find "Li Lei", a person, selling food on the pavement
    When the officer records "serious" circumstances without showing credentials
    Then the case is closed with outcome "transferred"
    And the audit trail shows case_closed for to_ordinary_no_credentials
    And the audit trail verifies

  Scenario: A statement must be re-checked before the officer may decide
    Given officers find "Li Lei", a person, selling food on the pavement
    When the officer shows credentials and records "ordinary" circumstances
    And the officer tells the party the proposed penalty and its rights
    And the party states "the stall is not mine" but the officer does not re-check it
    Then the officer has "hear_party" in the worklist
    When the party states "the stall is not mine", the officer re-checks it and the defence holds
    Then the case is closed with outcome "not_established"
    And the audit trail shows task_completed by the officer for hear_party
    And the audit trail verifies

  Scenario: A party who wants time to prepare its statement goes to the ordinary procedure
    Given officers find "Li Lei", a person, selling food on the pavement
    When the officer shows credentials and records "serious" circumstances
    And the officer tells the party the proposed penalty and its rights
    And the party asks for time to prepare its statement
    Then the case is closed with outcome "transferred"
    And the audit trail shows case_closed for to_ordinary_no_waiver
    And the audit trail verifies

  Scenario: A first minor violation corrected on the spot ends with education
    Given officers find "Li Lei", a person, selling food on the pavement
    When the officer shows credentials and records "first_minor_corrected" circumstances
    Then the benchmark proposes a "none" of 0 CNY
    When the officer educates the party, who corrects on the spot
    Then the case is closed with outcome "education"
    And the audit trail shows task_completed by the officer for educate_on_the_spot
    And the audit trail verifies

  Scenario: Late filing is on the record, and an unpaid fine closes unpaid after 15 days
    Given officers find "Li Lei", a person, selling food on the pavement
    When the officer shows credentials and records "ordinary" circumstances
    And the officer tells the party the proposed penalty and its rights
    And the party says nothing and wants the decision now
    And the officer decides a fine of 50 CNY on form "SP-2026-000127"
    And the officer orders the party to "leave the pavement today"
    And the party signs the decision
    Then the supervisor has "file_decision" in the worklist
    When 3 days pass
    Then the audit trail shows timer_fired by the system for filing_deadline
    And the supervisor has "file_decision" in the worklist
    When the supervisor files the decision as "BA-2026-019"
    And 13 days pass
    Then the case is closed with outcome "penalty_unpaid"
    And the audit trail shows timer_fired by the system for payment_window
    And the audit trail verifies
