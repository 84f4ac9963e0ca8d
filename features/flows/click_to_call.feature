@flows
Feature: Click-to-call
  A user taps "Cloud Call Lead" on a lead. The connector renders the provider's
  click-to-call API from the lead's and the user's fields, the provider dials,
  and the call lands on the lead's activity history: first as initiated, then,
  when the provider's callback arrives, as the call that really happened.

  Scenario Outline: A cloud call ends on the lead's history with its recording
    Given the connector is wired to the simulator with the "<preset>" preset
    When agent1 calls lead L-1001
    Then the call is initiated with a provider call id
    When the simulator delivers its callbacks
    Then lead L-1001 has 1 activity
    And that activity is "answered" with a recording and a duration

    @ozonetel
    Examples: Ozonetel AgentManualDial (XML answer)
      | preset   |
      | ozonetel |

    @generic
    Examples: the generic sample API (JSON answer)
      | preset  |
      | generic |

  @ozonetel
  Scenario: A number on the DND register fails as DND and is never retried
    Given the connector is wired to the simulator with the "ozonetel" preset
    When agent1 calls lead L-1003 allowing 2 retries
    Then the call failed as DND
    And the provider was asked to dial 1 time

  Scenario Outline: The calling mode decides what the app offers
    Given the "ozonetel" preset in mode "<mode>"
    Then the app offers "<offers>"

    Examples:
      | mode              | offers                   |
      | cloud_only        | cloud_call               |
      | default_and_cloud | default_call, cloud_call |
