@simulator
Feature: Magic numbers, faults, the journal and profiles
  Dialling a magic customer number gives a known outcome; the control plane
  injects faults, keeps a bounded journal and switches to a sloppy partner.

  @generic
  Scenario Outline: Magic customer numbers give their documented outcome
    Given a fresh simulator
    When I GET "/click2call" with "api_key={KEY}&username=demouser&agentID=agent1&campaignName=Inbound_918030000001&customerNumber=<number>"
    Then the answer is HTTP <status> with content type "<content_type>"
    And the body contains "<text>"

    Examples: the magic numbers table
      | number     | status | content_type     | text                             |
      | 9000000001 | 200    | application/json | Customer number is in DND        |
      | 9000000002 | 200    | application/json | 9000000002 is a black listed number |
      | 9000000003 | 200    | application/json | Invalid Customer Number          |
      | 9000000006 | 200    | application/json | Agent is not available           |
      | 9000000007 | 200    | application/json | max limit exceeded               |
      | 9000000010 | 500    | application/json | simulated HTTP 500               |
      | 9000000011 | 200    | text/html        | DOCTYPE html                     |
      | 9000000012 | 200    | application/json | {"status": "success",            |
      | 9000000015 | 504    | application/json | simulated hang                   |

  @generic
  Scenario Outline: Busy and no-answer numbers are queued, then not answered
    Given a fresh simulator
    When I GET "/click2call" with "api_key={KEY}&username=demouser&agentID=agent1&campaignName=Inbound_918030000001&customerNumber=<number>"
    Then the JSON field "status" is "success"
    And the newest call is "not_answered" with history "queued, agent_ringing, not_answered"

    Examples:
      | number     |
      | 9000000004 |
      | 9000000005 |

  @generic
  Scenario: The empty-body number answers nothing at all
    Given a fresh simulator
    When I GET "/click2call" with "api_key={KEY}&username=demouser&agentID=agent1&campaignName=Inbound_918030000001&customerNumber=9000000013"
    Then the answer is HTTP 200 with an empty body

  @generic
  Scenario: The latency number answers 2 s late
    Given a fresh simulator
    When I GET "/click2call" with "api_key={KEY}&username=demouser&agentID=agent1&campaignName=Inbound_918030000001&customerNumber=9000000016"
    Then the JSON field "status" is "success"
    And the simulator slept 2.0 seconds

  @ozonetel
  Scenario: A fail-first fault fails the first requests, then recovers
    Given a fresh simulator
    And the control plane accepts POST "/_sim/faults" with '{"operation": "ozonetel.agent_manual_dial", "fault": "fail_first", "status": 503, "count": 2}'
    When I GET "/CAServices/AgentManualDial.php" with "{AMD}&format=json" 3 times
    Then the statuses were 503, 503, 200

  @generic
  Scenario: The journal keeps only the newest requests
    Given a simulator with a journal of 5 entries
    When I GET "/LeadSquare/PullDIDNumbers.php" with "apiKey={KEY}" 12 times
    Then the journal holds 5 entries

  @generic
  Scenario Outline: The sloppy profile imitates a careless partner
    Given a fresh simulator
    And the control plane accepts POST "/_sim/profile" with '{"name": "sloppy"}'
    When I GET "<path>" with "<query>"
    Then the answer is HTTP 200 with content type "<content_type>"
    And the body contains "<text>"

    Examples:
      | path                           | query                                                                                              | content_type     | text                      |
      | /click2call                    | api_key={KEY}&username=demouser&agentID=agent1&campaignName=Inbound_918030000001&customerNumber=9000000001 | application/json | call initiated successfully |
      | /PullAPI                       | userName=demouser&apiKey={KEY}&agentPhoneNumber=9800000001                                          | text/html        | There is no call at this moment |
      | /LeadSquare/PullDIDNumbers.php | apiKey={KEY}                                                                                       | application/json | "12345"                   |
