Feature: The paper trail of a case, from filing to the court package
  Every document the law requires is issued from the case record by the step that decides it, numbered by the
  agency, rendered to PDF in Chinese with the facts, amounts, deadlines and legal basis, served with a record
  of how and when, and read by the party in the portal. The court package (CL 53-55) is assembled from the
  record only, and refused, naming what is missing, until the record and the periods allow it.

  Background:
    Given the ordinary procedure is deployed
    And a noise case against "Green Grocer Ltd" is filed by officer "olga" of "cityscape"
    And officer "olga" registers the case and investigates it as a "serious" violation with 0 prior offences
    And officer "olga" determines that a violation is established
    And officer "olga" orders correction within 7 days

  Scenario: Every document rendered, served, read by the party, and the court package
    Then the case has the order to correct "示城管责改〔2026〕1号" stating "7", "stop amplified music after 22:00" and "Noise Pollution Prevention Law art. 87"
    When officer "olga" serves the order to correct in person on "Wang Wu"
    Given the violation was not corrected and the rights notice is served on "2026-03-10"
    Then the case has the rights notice "示城管罚告〔2026〕1号" stating "3000", "五个工作日" and "Noise Pollution Prevention Law art. 87"
    When officer "olga" serves the rights notice by registered mail "EMS1234567890CN"
    And the party states "the music was a one-off birthday party"
    And supervisor "sam" re-checks the statement and lowers the severity to "moderate"
    And 10 days pass
    And legal reviewer "lena" approves the case
    And supervisor "sam" decides a fine of 1000
    Then the case has the penalty decision "示城管罚决〔2026〕1号" stating "1000", "十五日", "六十日" and "Noise Pollution Prevention Law art. 87"
    When officer "olga" serves the penalty decision in person on "Wang Wu", who refuses to sign before "Li Si"
    And officer "olga" serves the decision
    # the 15 days of payment run from the recorded service (Friday 20 March) and end on Saturday 4 April, in
    # the Qingming holiday: they roll forward to the end of Tuesday 7 April, so the demand waits until after it
    And 19 days pass
    And officer "olga" serves a demand for 1030
    Then the case has the demand notice "示城管催告〔2026〕1号" stating "1030", "CG-2026-17" and "十日"
    When legal reviewer "lena" asks for the court package
    Then the court package is refused naming "demand" and "periods"
    When officer "olga" serves the demand notice in person on "Wang Wu"
    And 190 days pass
    And legal reviewer "lena" asks for the court package
    Then the court package "示城管强申〔2026〕1号" states "1030", "示城管罚决〔2026〕1号", "the music was a one-off birthday party" and "Noise Pollution Prevention Law art. 87"
    And its manifest lists the decision, the demand with its service and the evidence
    And the party sees 4 documents served and downloads each of them intact
    And each download is on the audit trail
    And the audit trail verifies

  Scenario: The statement period runs five working days from the recorded service, not from the step
    Given the violation was not corrected and the rights notice is served on "2026-03-10"
    Then the statement period ends at "2026-03-17T15:59:59+00:00"
    When 2 days pass
    And officer "olga" serves the rights notice by registered mail "EMS1234567890CN"
    Then the statement period ends at "2026-03-19T15:59:59+00:00"
    And the party's documents page shows the statement period ending at "2026-03-19T15:59:59+00:00"
    And the audit trail says the deadline was set from the service of the rights notice
    When 6 days pass
    Then the statement period has not ended
    When 2 days pass
    Then the statement period has ended
    And the audit trail verifies

  Scenario: Corrected in time: no penalty, and the record of education says why
    When 8 days pass
    And officer "olga" reinspects and finds the violation corrected
    And officer "olga" records the education given
    Then the case has the education record "示城管不罚〔2026〕1号" stating "explained the night-time limits", "第三十三条" and "Noise Pollution Prevention Law art. 87"
    And the case is closed with outcome "education"
