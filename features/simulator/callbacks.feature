@simulator @ozonetel
Feature: Call records are pushed to the account's callback URL
  When a call ends the simulator POSTs Ozonetel's CDR: a form field "data"
  holding a JSON string. Failed deliveries are retried with backoff on the
  simulator's clock; test modes duplicate, delay, reorder or drop them.

  Background:
    Given a fresh simulator whose callbacks go to a recording receiver

  Scenario: A finished call is delivered in Ozonetel's shape
    When I GET "/CAServices/AgentManualDial.php" with "{AMD}&format=json"
    And the callbacks are flushed
    Then the receiver got 1 form post with field "data"
    And the record's "monitorUCID" is the UCID of the newest call
    And the record's "Status" is "Answered"
    And the record's "Apikey" is the account's api key

  Scenario: A failed delivery is retried until the receiver accepts it
    Given the receiver answers 500 first
    When I GET "/CAServices/AgentManualDial.php" with "{AMD}&format=json"
    And the callbacks are flushed
    And the clock moves 1 seconds
    And the callbacks are flushed
    Then the receiver got 2 form posts with field "data"
    And the delivery is "delivered" after 2 attempts

  Scenario: Duplicate mode sends every record twice
    Given the control plane accepts POST "/_sim/callbacks/mode" with '{"duplicate": true}'
    When I GET "/CAServices/AgentManualDial.php" with "{AMD}&format=json"
    And the callbacks are flushed
    Then the receiver got 2 form posts with field "data"

  Scenario: Drop mode loses the first attempt, which is then retried
    Given the control plane accepts POST "/_sim/callbacks/mode" with '{"drop": true}'
    When I GET "/CAServices/AgentManualDial.php" with "{AMD}&format=json"
    And the callbacks are flushed
    Then the receiver got 0 form posts with field "data"
    When the clock moves 1 seconds
    And the callbacks are flushed
    Then the receiver got 1 form post with field "data"
