Feature: One holder at every instant: dispatch, return, dispute and the coordinator's decision
  Every case has exactly one holder: the dispatcher until it is dispatched, then the department it was
  dispatched to, the dispatcher again when a return is approved, the coordinator while it is disputed, and the
  department the coordinator assigns. The published responsibility list proposes the department; a department
  may return a case within the list's time limit; the coordinator decides within two working days and may
  amend the list. Every hop is on the audit trail with its time. The closed loop's own dispatch and return
  steps move the holder; dispute and assignment are the coordination service's. The month's indicators are
  checked against the figures counted by hand from the scenario: the case ends with sanitation, was dispatched
  once (to greening, returned), reworked once after a failed check, and spent 3 hours between departments
  (from the return at 11:00 to the coordinator's assignment at 14:00).

  Background:
    Given the responsibility list gives litter bins in grid cell "HP-0412-07" to "greening" and elsewhere to "sanitation"
    And the procedure "closed_loop" is deployed
    And the inspector reports an overflowing litter bin in grid cell "HP-0412-07"

  Scenario: Reported, dispatched, returned, disputed, assigned, handled, reworked and closed
    Then the dispatcher holds the case
    And the list proposes "greening"
    When the dispatcher files the report as valid
    And the dispatcher dispatches it to "greening" with 4 hours to handle it
    Then "greening" holds the case and may return it until 2026-03-03
    When 2 hours pass
    And the greening officer returns it: "the bin stands on the pavement, not in the park"
    Then "greening" holds the case and may return it until 2026-03-03
    When the shift supervisor approves the return
    Then the dispatcher holds the case
    When the dispatcher disputes it: "greening and sanitation both decline the bin"
    Then the coordinator holds the case and must assign it by 2026-03-04
    And the dispatcher may not dispatch it to "greening" now
    When 3 hours pass
    And the coordinator assigns it to "sanitation" amending the list: "City Appearance Regulations art. 17"
    Then "sanitation" holds the case and may not return it
    And the list gives litter bins in grid cell "HP-0412-07" to "sanitation" in version 2
    And the dispatcher may not dispatch it to "greening" now
    When the dispatcher dispatches it to "sanitation" with 4 hours to handle it
    Then "sanitation" holds the case and may not return it
    And the sanitation officer has "handle_case" in the worklist
    When the sanitation officer handles it: "bin emptied"
    And the sanitation officer feeds back with photo "IMG-after-0412"
    And the inspector re-checks on site and it failed: "litter still around the bin"
    Then the sanitation officer has "handle_case" in the worklist
    And "sanitation" holds the case and may not return it
    When the sanitation officer handles it: "area swept as well"
    And the sanitation officer feeds back with photo "IMG-after-0412-2"
    And the inspector re-checks on site and it passed
    And the shift supervisor closes the case
    Then the case is closed at closed_handled with outcome "resolved"
    And the hops were dispatcher, greening, dispatcher, coordinator, sanitation
    And the audit trail shows case_dispatched by "dora"
    And the audit trail shows case_returned by "sam"
    And the audit trail shows case_disputed by "dora"
    And the audit trail shows coordinator_assigned by "cora"
    And the audit trail shows task_completed for recheck_on_site 2 times
    And the audit trail verifies
    And the month's assessment by department for "sanitation" counts reported 1, filed 1, dispatched 1, returned 1, handled 1, closed 1
    And the month's assessment by department for "sanitation" rates closure 1.0, on_time_closure 1.0, rework 1.0, return 1.0, accurate_dispatch 0.0, verification 1.0
    And the month's assessment by department for "sanitation" has 3.0 hours without a department on average
    And every figure of the month's assessment, in every grouping, lists as many cases as it counts
