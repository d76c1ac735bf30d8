Feature: Digital urban-management closed loop (GB/T 30428)
  An inspector reports a problem in a grid cell; the centre verifies and files it and dispatches it to the
  responsible department, whose clock starts; the department handles it and feeds back; the inspector
  re-checks on site and the shift supervisor closes it. A failed check is rework. Extension, return for
  re-dispatch and parking are each approved by the shift supervisor, on the record.

  Background:
    Given the procedure "closed_loop" is deployed
    And the inspector reports an overflowing litter bin in grid cell "HP-0412-07"

  Scenario: Reported, filed, dispatched, handled, re-checked and closed
    When the dispatcher files the report as valid
    And the dispatcher dispatches it to "sanitation" with 4 hours to handle it
    Then the sanitation officer has "handle_case" in the worklist
    And the greening officer has nothing to do in the case
    And the audit trail shows the case handed to "sanitation"
    And the dispatch sheet "示城管派遣〔2026〕1号" names "sanitation", "PT4H" and the grid cell "HP-0412-07"
    When the sanitation officer handles it: "bin emptied and cleaned"
    And the sanitation officer feeds back with photo "IMG-after-0412"
    Then the inspector has "recheck_on_site" in the worklist
    When the inspector re-checks on site and it passed
    And the shift supervisor closes the case
    Then the case is closed at closed_handled with outcome "resolved"
    And the audit trail shows task_completed by the dispatcher for dispatch_case
    And the audit trail shows task_completed by the officer for handle_case
    And the audit trail shows task_completed by the officer for recheck_on_site
    And the audit trail shows task_completed by the supervisor for close_case
    And the audit trail verifies

  Scenario: An invalid report is closed at filing
    When the dispatcher files the report as invalid: "no bin at this address"
    Then the case is closed at closed_invalid with outcome "not_established"
    And the audit trail shows task_completed by the dispatcher for verify_and_file
    And the audit trail verifies

  Scenario: A failed re-check sends the case back to the department (rework)
    Given the case is dispatched to "sanitation" with 4 hours to handle it
    When the sanitation officer handles it: "bin emptied"
    And the sanitation officer feeds back with photo "IMG-after-0412"
    And the inspector re-checks on site and it failed: "litter still around the bin"
    Then the sanitation officer has "handle_case" in the worklist
    When the sanitation officer handles it: "area swept as well"
    And the sanitation officer feeds back with photo "IMG-after-0412-2"
    And the inspector re-checks on site and it passed
    And the shift supervisor closes the case
    Then the case is closed at closed_handled with outcome "resolved"
    And the audit trail shows task_completed for handle_case 2 times
    And the audit trail shows task_completed for recheck_on_site 2 times
    And the audit trail verifies

  Scenario: An overdue department is pressed by the shift supervisor
    Given the case is dispatched to "sanitation" with 4 hours to handle it
    When 5 hours pass
    Then the shift supervisor has "urge_department" in the worklist
    And the sanitation officer has nothing to do in the case
    When the shift supervisor presses the department and gives it 2 hours
    Then the sanitation officer has "handle_case" due in 2 hours
    When the sanitation officer handles it: "bin emptied"
    Then the audit trail shows timer_fired by the system for handling_time_limit
    And the audit trail shows task_cancelled by the system for handle_case
    And the audit trail shows task_completed by the supervisor for urge_department
    And the audit trail verifies

  Scenario: An approved extension gives the department more time
    Given the case is dispatched to "sanitation" with 4 hours to handle it
    When the sanitation officer asks for an extension: "the bin must be replaced"
    And the shift supervisor approves the extension with 3 days
    Then the sanitation officer has "handle_case" due in 72 hours
    When 2 days pass
    Then the sanitation officer has "handle_case" in the worklist
    And the audit trail shows no timer_fired for handling_time_limit
    And the audit trail shows task_completed by the supervisor for approve_extension
    And the audit trail verifies

  Scenario: A department returns a case that is not its own and it is re-dispatched
    Given the case is dispatched to "sanitation" with 4 hours to handle it
    When the sanitation officer returns it: "the bin belongs to the park"
    And the shift supervisor approves the return
    And the dispatcher dispatches it to "greening" with 1 day to handle it
    Then the greening officer has "handle_case" in the worklist
    And the sanitation officer has nothing to do in the case
    And the audit trail shows the case handed to "sanitation"
    And the audit trail shows the case handed to "greening"
    And the audit trail shows task_completed by the supervisor for approve_return
    And the audit trail verifies

  Scenario: A refused return leaves the case with the department
    Given the case is dispatched to "sanitation" with 4 hours to handle it
    When the sanitation officer returns it: "not ours"
    And the shift supervisor refuses the return and gives 2 hours
    Then the sanitation officer has "handle_case" due in 2 hours
    And the audit trail shows task_completed by the supervisor for approve_return
    And the audit trail verifies

  Scenario: A long-term item is parked with a reason
    Given the case is dispatched to "sanitation" with 4 hours to handle it
    When the sanitation officer asks to park it: "needs a new collection point in the 2027 budget"
    And the shift supervisor approves parking because "budgeted for 2027"
    Then the case is closed at closed_parked with outcome "parked"
    And the audit trail shows task_completed by the supervisor for approve_parking
    And the audit trail verifies
