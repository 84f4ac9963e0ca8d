@console @browser
Feature: The incoming pop-up on the agent's screen
  When the agent's phone rings, the phone tells the app the caller id it
  shows (the simulator plays the phone: a ring notification to the console).
  The console runs the real pop-up flow: the DID gate, the provider's pop-up
  API for the customer's real number, the lead in any written form. Only the
  agent whose phone rang sees it; focus moves to it.

  Background:
    Given the console runs beside the simulator
    And the DID list is synced
    And agent1 is logged in

  Scenario: A ring from a known lead pops up the lead's card
    When customer "09876543210" calls agent1 through DID 918030000001
    Then agent1 sees a pop-up for "Asha Rao" calling from "+91-9876543210"
    And the pop-up has the keyboard focus

  Scenario: An unknown caller is offered as a new contact with the real number
    When customer "9123456780" calls agent1 through DID 918030000001
    Then agent1 sees a pop-up saying "+918030000001 is not present"
    And Add Contact is prefilled with "+91-9123456780"
    When agent1 saves the contact as "Meera" "Iyer"
    Then the CRM has lead "Meera Iyer" with phone "+91-9123456780"
    And agent1 sees a pop-up for "Meera Iyer" calling from "+91-9123456780"

  Scenario: A call that is not through a synced DID shows nothing
    When customer "9876543210" calls agent1's phone directly
    And customer "09812345678" calls agent1 through DID 918030000001
    Then agent1 sees a pop-up for "Vikram Singh" calling from "+91-9812345678"
    And agent1's screen showed no other pop-up
    And the provider's pop-up API was asked once

  Scenario: A second agent logged in elsewhere does not see the first agent's pop-up
    Given agent2 is logged in
    When customer "09876543210" calls agent1 through DID 918030000001
    And customer "9123456780" calls agent2 through DID 918030000001
    Then agent1 sees a pop-up for "Asha Rao" calling from "+91-9876543210"
    And agent2 sees a pop-up saying "+918030000001 is not present"
    And agent2's screen never showed "Asha Rao"
