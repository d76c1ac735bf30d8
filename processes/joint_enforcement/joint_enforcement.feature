Feature: Joint enforcement led by the joint command centre
  Several departments act in parallel under one case. The lead department files the case and plans the
  operation, naming the partner departments; each department's officers inspect and record their own
  findings on their own task; when all have reported, the lead department decides the joint outcome:
  an order to correct, a referral to the ordinary penalty procedure, closure with education, or nothing
  established.

  Background:
    Given the procedure "joint_enforcement" is deployed
    And the lead supervisor files a joint case on "Night Owl BBQ Ltd" with "market_supervision" and "ecology_environment"

  Scenario: Three departments inspect in parallel, the lead orders a correction, and the party corrects
    Then the cityscape officer has "inspect_cityscape" in the worklist
    And the market officer has "inspect_market" in the worklist
    And the environment officer has "inspect_environment" in the worklist
    And the market officer sees only "inspect_market" in the case
    When the market officer reports "expired meat in the cold store" with a violation
    And the environment officer reports "fume purifier switched off" with a violation
    And the cityscape officer reports "tables on the pavement" with a violation
    And the lead supervisor decides "order_to_correct" because "three departments found violations"
    And the cityscape officer orders the party to "clear the pavement and run the purifier" within 5 days
    Then the cityscape officer has nothing to do in the case
    When 8 days pass
    And the cityscape officer re-inspects and the party corrected
    And the cityscape officer educates the party
    Then the case is closed at closed_corrected with outcome "corrected"
    And the audit trail shows task_completed by "mia" for inspect_market
    And the audit trail shows task_completed by "eli" for inspect_environment
    And the audit trail shows task_completed by "olga" for inspect_cityscape
    And the audit trail shows task_completed by the supervisor for decide_joint_outcome
    And the audit trail shows timer_fired by the system for correction_deadline
    And the audit trail verifies

  Scenario: The lead decides only when every department has reported, and each acts only on its own task
    When the environment officer tries to complete the market inspection
    Then the step is refused with "forbidden"
    When the market officer reports "licences in order" without a violation
    And the environment officer reports "fume purifier switched off" with a violation
    Then the lead supervisor has nothing to do in the case
    When the cityscape officer reports "tables on the pavement" with a violation
    Then the lead supervisor has "decide_joint_outcome" in the worklist
    And the audit trail shows no task_completed for decide_joint_outcome
    And the audit trail shows task_completed by "eli" for inspect_environment
    And the audit trail verifies

  Scenario: The lead refers the party to the ordinary penalty procedure
    Given every department has reported a violation
    When the lead supervisor decides "refer_to_ordinary" because "the fume violation needs a fine"
    And the lead supervisor refers the case as ordinary case "2026-000981"
    Then the case is closed at referred_to_ordinary with outcome "transferred"
    And the audit trail shows task_completed by the supervisor for refer_case
    And the audit trail verifies

  Scenario: A party that does not correct in time is referred to the ordinary procedure
    Given every department has reported a violation
    When the lead supervisor decides "order_to_correct" because "three departments found violations"
    And the cityscape officer orders the party to "clear the pavement" within 20 days
    # 20 calendar days from 2 March end on Sunday 22 March: the period runs to the end of Monday 23 March
    And 20 days pass
    Then the cityscape officer has nothing to do in the case
    When 3 days pass
    And the cityscape officer re-inspects and the party did not correct
    And the lead supervisor refers the case as ordinary case "2026-000982"
    Then the case is closed at referred_to_ordinary with outcome "transferred"
    And the audit trail shows task_completed by the officer for reinspect
    And the audit trail shows timer_fired by the system for correction_deadline
    And the audit trail verifies

  Scenario: Minor findings close with education
    Given every department has reported a violation
    When the lead supervisor decides "education" because "first minor violations, corrected during the operation"
    And the cityscape officer educates the party
    Then the case is closed at closed_educated with outcome "education"
    And the audit trail shows task_completed by the officer for educate_party
    And the audit trail verifies

  Scenario: Nothing established closes the case without education
    When the market officer reports "licences in order" without a violation
    And the environment officer reports "emissions within limits" without a violation
    And the cityscape officer reports "pavement clear" without a violation
    And the lead supervisor decides "not_established" because "no department found a violation"
    Then the case is closed at closed_not_established with outcome "not_established"
    And the audit trail shows no task_completed for educate_party
    And the audit trail verifies
