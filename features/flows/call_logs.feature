@flows @ozonetel
Feature: Call logs posted to the connector's service
  The provider posts a call log after every call. The connector's service
  writes each record as one activity, answers 2xx only once it is stored,
  and ignores a record it already has, so duplicates, retries and any order
  of delivery leave one activity per call.

  Background:
    Given the connector is wired to the simulator with the "ozonetel" preset

  Scenario Outline: Duplicated or reordered callbacks leave one activity per call
    Given the simulator's callbacks are "<mode>"
    When agent1 calls lead L-1001
    And agent1 calls lead L-1002
    And the simulator delivers its callbacks
    Then there are 2 activities, each "answered"

    Examples:
      | mode      |
      | duplicate |
      | reorder   |

  Scenario: A missed incoming call shows as missed
    Given customer "9812345678" calls DID 918030000001
    And nobody answers that call
    When the simulator delivers its callbacks
    Then lead L-1002 has 1 activity
    And that activity is a missed call

  Scenario: A callback with a wrong token is refused
    Given the service expects a different token
    When agent1 calls lead L-1001
    And the simulator delivers its callbacks
    Then the delivery was refused with HTTP 401
    And lead L-1001 has 1 activity
    And that activity is "initiated"

  Scenario Outline: A malformed call log is refused and nothing is stored
    When a provider posts '<body>' to the call-log endpoint
    Then the service answers 400 naming "<field>"
    And no activity is stored

    Examples:
      | body                                                                             | field    |
      | {"monitorUCID": "1"}                                                             | Status   |
      | {"monitorUCID": "1", "CallerID": "junk", "Status": "Answered", "Type": "inbound"} | CallerID |
      | [{"monitorUCID": "1"}, 7]                                                         | record   |
