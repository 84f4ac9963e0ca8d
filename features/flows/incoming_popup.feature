@flows @ozonetel
Feature: Incoming pop-up behind the DID gate
  Calls from leads reach the agent's phone through the account's DIDs, so the
  phone shows the DID as caller id. Only a call through a synced DID gets a
  pop-up; the pop-up API then names the real customer number, and the
  connector finds the lead holding it in any phone field, in any written form.

  Background:
    Given the connector is wired to the simulator with the "ozonetel" preset
    And the DID list is synced

  Scenario: A call that is not through a DID shows nothing and asks the provider nothing
    Given customer "9876543210" calls DID 918030000001
    When agent phone 9800000001 rings with caller id "9876543210"
    Then no pop-up is shown because "not_a_did"
    And the provider's pop-up API was not called

  Scenario Outline: The lead is found whatever form the numbers are written in
    Given customer "<customer>" calls DID 918030000001
    When agent phone 9800000001 rings with caller id "<caller id>"
    Then the pop-up shows lead L-1002

    Examples:
      | customer       | caller id      |
      | 09812345678    | 918030000001   |
      | +919812345678  | +91-8030000001 |
      | 98123 45678    | 08030000001    |

  Scenario: An unknown caller is offered as a new contact with the real number
    Given customer "9123456789" calls DID 918030000001
    When agent phone 9800000001 rings with caller id "918030000001"
    Then the pop-up says "918030000001 is not present"
    And Add Contact is prefilled with "+91-9123456789"

  Scenario: No ringing call means no pop-up, with the provider's message
    When agent phone 9800000001 rings with caller id "918030000001"
    Then no pop-up is shown because "provider_error"
