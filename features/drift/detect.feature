@drift
Feature: Drift that would change the connector's verdict is caught, the rest is only reported
  A partner recorded once with `mcc record` is the baseline. `mcc drift`
  probes it again and compares each answer with its recording, by kind
  (named for telephony) and by impact: the new answer goes through the
  config's own response rules, and only a change of what the connector
  decides (success, error, the data captured, unmapped) is breaking. Volatile
  values (call ids, times) never count.

  Background:
    Given a partner recorded as the baseline for the "generic" config

  Scenario: An unchanged partner has no drift
    When the partner is probed again 3 times
    Then no probe drifted
    And mcc drift would exit with 0

  Scenario Outline: A change the rules absorb is benign
    Given the partner now answers <change>
    When the partner is probed again
    Then the probe "<probe>" drifted with "<kind>"
    And its drift is "benign"
    And mcc drift would exit with 0

    Examples:
      | change                                 | probe                     | kind                            |
      | the DND refusal with status "Error"    | click_to_call.dnd         | status case changed             |
      | the DND refusal with HTTP 400          | click_to_call.dnd         | HTTP status of an error changed |
      | the idle agent with a reworded message | agent_popup.error.no_call | message text changed            |

  Scenario: A change the rules do not absorb is breaking, with the rule to add
    Given the partner now answers the call id as "callRef" instead of "monitorUcid"
    When the partner is probed again
    Then the probe "click_to_call.success" drifted with "field removed"
    And its drift is "breaking"
    And the suggested rules include "callRef" as data
    And mcc drift would exit with 1

  Scenario: Benign drift fails the run only when asked to
    Given the partner now answers the DND refusal with status "Error"
    When the partner is probed again failing on benign drift
    Then mcc drift would exit with 1
