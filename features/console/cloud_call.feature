@console @browser
Feature: Cloud Call from the lead page, and its activity changing live
  A Cloud Call runs the real click-to-call flow (place_call). Its activity
  shows at once as initiated (or failed, with the provider's message), and
  changes on the screen, without a reload, when the provider's call log
  reaches the call-log service in the same process.

  Background:
    Given the console runs beside the simulator
    And calls wait until the simulator ends them
    And agent1 is logged in

  Scenario: A Cloud Call is initiated, then answered with a recording that plays
    When agent1 places a Cloud Call to lead L-1001
    Then agent1 sees the call as "initiated"
    When the customer answers and the call ends with disposition "Interested"
    Then agent1 sees the call as "answered" without reloading the page
    And the call's recording plays in the browser

  Scenario: A lead on the DND register is not called
    When agent1 places a Cloud Call to lead L-1003
    Then agent1 sees the call as "failed" marked DND
