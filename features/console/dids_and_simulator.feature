@console @browser
Feature: DIDs and the simulator panel
  The DID page shows the synced list, the last sync and its error, and a
  "Sync now" button. Pointed at the simulator, the console adds a panel that
  plays the rest of the world for the agent's phone: a customer calling
  through a chosen DID, the call ended with a chosen outcome and disposition,
  and the call-log deliveries.

  Background:
    Given the console runs beside the simulator
    And agent1 is logged in

  Scenario: Sync now lists the provider's DIDs
    When agent1 syncs the DIDs
    Then agent1 sees the DIDs "+91-8030000001" and "+91-8030000002"

  Scenario: The panel rings the agent and ends the call as busy with a disposition
    Given the DID list is synced
    When agent1 rings their own phone from the panel with "09876543210" through DID 918030000001
    Then agent1 sees a pop-up for "Asha Rao" calling from "+91-9876543210"
    When agent1 ends the call from the panel as "Busy" with disposition "Call back"
    Then the panel shows the call's call log as delivered
    And lead L-1001 shows agent1 the call as "missed" with disposition "Call back"
