@simulator
Feature: Call state, ids and isolation
  Each app keeps its own state; one random seed gives the same ids; calls
  move through explicit transitions (immediate, manual, timed).

  @generic
  Scenario: Two apps never share state
    Given a fresh simulator
    And a second fresh simulator
    When the first simulator gets POST "/_sim/seed" with '{"dnd": ["9876543210"]}'
    Then the second simulator's DND list is empty

  @ozonetel
  Scenario: The same random seed gives the same UCIDs
    Given a simulator with random seed 42
    And a second simulator with random seed 42
    When both simulators place the same AgentManualDial call
    Then both answers carry the same UCID

  @ozonetel
  Scenario Outline: A call moves through its states in each transition mode
    Given a fresh simulator with transitions "<mode>"
    When I GET "/CAServices/AgentManualDial.php" with "{AMD}&format=json"
    And <action>
    Then the newest call is "<state>" with history "<history>"

    Examples:
      | mode      | action                                        | state         | history                                        |
      | immediate | nothing else happens                          | completed     | queued, agent_ringing, connected, completed    |
      | manual    | nothing else happens                          | queued        | queued                                         |
      | manual    | the newest call is advanced to "connected"    | connected     | queued, agent_ringing, connected               |
      | manual    | the newest call is advanced to "not_answered" | not_answered  | queued, not_answered                           |
      | timed     | the clock moves 1 seconds                     | agent_ringing | queued, agent_ringing                          |
      | timed     | the clock moves 600 seconds                   | completed     | queued, agent_ringing, connected, completed    |

  @ozonetel @inferred
  Scenario: An incoming call is visible in PullAPI until it ends
    Given a fresh simulator
    And the control plane accepts POST "/_sim/incoming" with '{"customer": "9876543211", "did": "918030000001", "agent": "agent1"}'
    When I GET "/CAServices/LeadSquare/PullAPI.php" with "userName=demouser&apiKey={KEY}&agentPhoneNumber=9800000001"
    Then the JSON field "status" is "success"
    And the JSON field "customerNumber" is "9876543211"
    When the newest call is advanced to "completed"
    And I GET "/CAServices/LeadSquare/PullAPI.php" with "userName=demouser&apiKey={KEY}&agentPhoneNumber=9800000001"
    Then the JSON field "message" is "There is no call at this moment with this Agent PhoneNumber"
