@console @browser
Feature: The console refuses forged forms and never runs CRM data
  Every form carries a CSRF token and a POST without it changes nothing.
  CRM data (a lead's name) is text on the page, never markup; the page's
  Content-Security-Policy allows the console's own script only.

  Background:
    Given the console runs beside the simulator
    And agent1 is logged in

  Scenario: A form posted without its CSRF token is refused
    When agent1 opens lead L-1001
    And agent1 sends the first Cloud Call form without its CSRF token
    Then agent1 sees "CSRF token"
    And lead L-1001 has no call activity

  Scenario: A lead named like markup is shown as text and runs nothing
    Given a lead L-666 whose first name is the markup "img onerror"
    When agent1 opens lead L-666
    Then the page's heading is that markup, as text
    And no script of the lead's name ran
