Feature: Evidence in custody and a case file anyone can verify offline
  Every piece of evidence has a chain of custody: who collected it, where and when, each handover, each view,
  the decision that relies on it and each export, each sealed with the hash its bytes had then. The auditor
  exports the whole case to one file that a court, a lawyer or the party checks without Dueflow, and a copy
  altered anywhere is named.

  Background:
    Given an officer "olga" and an auditor "audrey" of the agency
    And a penalty case whose evidence is kept in the evidence folder

  Scenario: Evidence collected, handed over and relied on by the decision, exported and checked offline
    When the officer adds a patrol video collected at "8 Fuxing Road, north gate"
    And the officer hands the video over to "Evidence room 3" outside Dueflow
    And the officer investigates, serves the rights notice and records the party's waiver
    And the officer cites the video for "decide_penalty"
    And the auditor exports the case file
    Then the exported file checks out offline
    And the custody of the video in the file reads evidence_added, custody_transferred, evidence_cited, case_exported
    And the audit trail shows evidence_cited by "olga" for decide_penalty
    And the audit trail verifies

  Scenario: One byte of a document and one audit event altered in an exported file are each named
    When the officer adds a patrol video collected at "8 Fuxing Road, north gate"
    And the officer investigates, serves the rights notice and records the party's waiver
    And the auditor exports the case file
    And someone changes one byte of the video in a copy of the file
    Then the offline check of that copy names "patrol.mp4: its sha256"
    When someone changes the findings recorded in a copy of the file
    Then the offline check of that copy names "(task_completed) was altered"
