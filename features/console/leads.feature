@console @browser
Feature: Finding a lead and what its page offers
  The search takes a name or a phone number in any written form; the lead
  page shows the lead's phone fields and the call actions the connector's
  mode offers (cloud_only: Cloud Call; default_and_cloud: Call and Cloud Call).

  Background:
    Given the console runs beside the simulator
    And agent1 is logged in

  Scenario Outline: A lead is found by a differently written number
    When agent1 searches for "<query>"
    Then agent1 finds lead "Asha Rao"

    Examples:
      | query           |
      | +91-98450 12345 |
      | 09845012345     |
      | 919876543210    |

  Scenario: The lead page offers the Cloud Call on every phone field in cloud_only mode
    When agent1 opens lead L-1001
    Then agent1 sees 2 "Cloud Call" buttons and no phone-dialer "Call"

  Scenario: The lead page is readable in a phone-width window
    Given agent1's window is 375 pixels wide
    When agent1 opens lead L-1001
    Then the page fits the window without sideways scrolling
