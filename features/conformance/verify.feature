@conformance
Feature: A telephony partner proves its APIs with mcc verify
  A partner points `mcc verify` at its base URL with a connector config and a
  fixtures file (test agent with a ringing call, a DND number, ...). The run
  checks each clause of the contract and tells the partner, clause by clause,
  what holds and what to fix. A broken contract is a failure (exit code 1);
  something that could not be tested is an error (exit code 2); a clause
  whose fixture is missing is skipped with the reason, never passed.

  Scenario: A compliant partner passes every clause it can be tested on
    Given a "compliant" partner for the "generic" config
    When the partner runs mcc verify with the clauses "click_to_call,agent_popup,did_list"
    Then the exit code is 0
    And no clause failed

  Scenario Outline: Each defect of a sloppy partner is reported by its clause
    Given a "sloppy" partner for the "generic" config
    When the partner runs mcc verify with the clauses "<clauses>"
    Then the exit code is 1
    And the clause "<clause>" fails naming "<defect>"

    Examples:
      | clauses                          | clause                           | defect                       |
      | click_to_call.dnd                | click_to_call.dnd                | was answered as SUCCESS      |
      | agent_popup.error.no_call        | agent_popup.error.no_call        | no rule maps the answer      |
      | did_list                         | did_list.numbers                 | duplicates                   |
      | latency.agent_popup              | latency.agent_popup              | over the 1000 ms budget      |
      | agent_popup.error.no_call,answers | answers.json_or_nonjson         | neither JSON nor matched     |

  Scenario Outline: An answer the connector cannot use is the partner's to fix
    Given a "compliant" partner for the "generic" config
    And the partner answers every request with the fault "<fault>"
    When the partner runs mcc verify with the clauses "did_list.numbers"
    Then the exit code is 1
    And the clause "did_list.numbers" fails naming "<fix>"

    Examples:
      | fault               | fix                               |
      | wrong_content_type  | must answer text                  |
      | huge                | must answer a short document      |
      | redirect_other_host | must answer at the configured URL |

  Scenario: A clause whose fixture is missing is skipped with the reason
    Given a "compliant" partner for the "generic" config
    And the fixtures file has no "dnd_number"
    When the partner runs mcc verify with the clauses "click_to_call.dnd"
    Then the exit code is 0
    And the clause "click_to_call.dnd" is skipped naming "dnd_number"

  Scenario: A partner that does not answer cannot be tested
    Given no partner listens at the target
    When the partner runs mcc verify with the clauses "click_to_call"
    Then the exit code is 2
    And stderr says in one line that the target is unreachable
