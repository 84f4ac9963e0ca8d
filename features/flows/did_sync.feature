@flows @ozonetel
Feature: DID list sync
  The connector keeps the provider's DID list, synced on a schedule (every
  4 hours by default) while the service runs. A sync replaces the whole list
  at once; an answer that is an error, or carries no valid list, keeps the
  last good list and records why.

  Background:
    Given the connector is wired to the simulator with the "ozonetel" preset

  Scenario: A sync replaces the DID list
    When the DID list is synced
    Then the sync succeeded
    And the DIDs are "+918030000001, +918030000002"

  Scenario Outline: A failed sync keeps the last good list
    Given the DID list is synced
    And the provider's DID list API fails with "<fault>"
    When the DID list is synced
    Then the sync failed
    And the DIDs are "+918030000001, +918030000002"
    And the failure is recorded

    Examples:
      | fault          |
      | status         |
      | html           |
      | empty          |
      | malformed_json |
