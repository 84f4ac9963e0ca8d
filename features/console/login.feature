@console @browser
Feature: Logging in to the agent console
  Agents are CRM users. An admin sets a user's console password with
  `mcc crm users set-password USER`; the CRM keeps only a salted hash. The
  session is a signed cookie, and every form carries a CSRF token.

  Background:
    Given the console runs beside the simulator

  Scenario: An agent logs in and lands on the lead search
    When agent1 logs in with the right password
    Then agent1 sees the lead search

  Scenario: A wrong password is refused
    When agent1 logs in with the password "not-the-password"
    Then agent1 sees "Wrong user id or password"
    And agent1 is not logged in
