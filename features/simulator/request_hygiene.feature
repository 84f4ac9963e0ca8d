@simulator
Feature: Requests a connector should never send are refused and flagged
  An unresolved mail-merge token or the literal string null in a parameter
  means the connector sent a template instead of a value. The simulator
  refuses it with HTTP 400 naming the parameter, and flags it in the journal.

  Background:
    Given a fresh simulator

  @generic
  Scenario Outline: An unresolved token is refused and flagged
    When I GET "/click2call" with "api_key={KEY}&username=demouser&agentID=agent1&campaignName=Inbound_918030000001&customerNumber=<value>"
    Then the answer is HTTP 400 with content type "application/json"
    And the JSON field "message" is "<message>"
    And the newest journal entry is flagged "<flag>"
    And no call was placed

    Examples:
      | value                    | message                                                            | flag             |
      | %40%7BLead%3APhone%2C%7D | unresolved mail-merge token in customerNumber: @{Lead:Phone,}      | unresolved_token |
      | %40CustomerNumber        | unresolved mail-merge token in customerNumber: @CustomerNumber     | unresolved_token |
      | null                     | null value in customerNumber: 'null' is not a phone number         | null_value       |

  @ozonetel
  Scenario: Secrets never reach the journal
    When I GET "/CAServices/AgentManualDial.php" with "{AMD}"
    Then the newest journal entry shows "api_key" as "***"
