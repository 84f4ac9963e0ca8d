@simulator
Feature: Provider dialects answer as the real providers do
  The simulator speaks the generic seed dialect, Ozonetel CloudAgent and
  Knowlarity, with their verbatim texts, spelling drift and envelopes.
  Every provider answer is HTTP 200 unless said otherwise. {KEY} stands for
  the demo account's api key, {AMD} for a valid AgentManualDial query.

  Background:
    Given a fresh simulator

  @generic
  Scenario: Generic click-to-call succeeds with the seed's success body
    When I GET "/click2call" with "api_key={KEY}&username=demouser&agentID=agent1&campaignName=Inbound_918030000001&customerNumber=%2B91-9876543210"
    Then the answer is HTTP 200 with content type "application/json"
    And the JSON field "status" is "success"
    And the JSON field "message" is "call initiated successfully"
    And the JSON field "monitorUcid" is the UCID of the newest call

  @generic @inferred
  Scenario Outline: The generic PullAPI answers the seed's errors verbatim
    When I GET "/PullAPI" with "<query>"
    Then the answer is HTTP 200 with content type "application/json"
    And the JSON field "status" is "error"
    And the JSON field "message" is "<message>"

    Examples: the seed's error list
      | query                                                   | message                                                     |
      | apiKey={KEY}&agentPhoneNumber=9800000001                | userName should not be empty                                |
      | userName=demouser&agentPhoneNumber=9800000001           | apiKey should not be empty                                  |
      | userName=demouser&apiKey={KEY}                          | agentPhoneNumber should not be empty                        |
      | userName=demouser&apiKey=KKwrong&agentPhoneNumber=9800000001 | userName or apiKey is Invalid                          |
      | userName=demouser&apiKey={KEY}&agentPhoneNumber=9811111111 | Invalid Agent Phone Number                               |
      | userName=demouser&apiKey={KEY}&agentPhoneNumber=9800000001 | There is no call at this moment with this Agent PhoneNumber |

  @generic
  Scenario: The PullAPI rate limit answers "max limit exceeded"
    Given the control plane accepts POST "/_sim/seed" with '{"rate_limits": {"demo": 1}}'
    When I GET "/PullAPI" with "userName=demouser&apiKey={KEY}&agentPhoneNumber=9800000001" 2 times
    Then the JSON field "message" is "max limit exceeded"

  @generic
  Scenario Outline: Parameters are read from the query, a form or a JSON body
    When I send <how> "/LeadSquare/PullDIDNumbers.php" with "apiKey={KEY}"
    Then the answer is HTTP 200 with content type "application/json"
    And the JSON field "status" is "success"
    And the JSON field "did_list" is '["8030000001", "8030000002"]'

    Examples:
      | how        |
      | GET        |
      | POST query |
      | POST form  |
      | POST JSON  |

  @ozonetel
  Scenario Outline: Ozonetel AgentManualDial answers XML by default and JSON on request
    When I GET "/CAServices/AgentManualDial.php" with "{AMD}<format>"
    Then the answer is HTTP 200 with content type "<content_type>"
    And the body contains "queued successfully"

    Examples:
      | format       | content_type     |
      |              | text/xml         |
      | &format=xml  | text/xml         |
      | &format=json | application/json |

  @ozonetel
  Scenario Outline: Ozonetel's spelling drifts between errors
    When I GET "/CAServices/AgentManualDial.php" with "<query>&format=json"
    Then the JSON field "status" is "<status>"
    And the JSON field "message" is "<message>"

    Examples:
      | query                                                                                              | status | message                                 |
      | api_key=KKwrong&username=demouser&agentID=agent1&campaignName=Inbound_918030000001&customerNumber=9876543210 | fail   | please provide proper user credentials |
      | api_key={KEY}&username=demouser&agentID=agent1&campaignName=Nope&customerNumber=9876543210          | fails  | Campaign is invalid                     |
      | api_key={KEY}&username=demouser&agentID=agent1&campaignName=Inbound_918030000001                   | Fail   | All parameters are mandatory            |

  @ozonetel
  Scenario Outline: AgentManualDial needs an agent logged in, ready and in manual mode
    When I GET "/CAServices/AgentManualDial.php" with "api_key={KEY}&username=demouser&agentID=<agent>&campaignName=Inbound_918030000001&customerNumber=9876543210&format=json"
    Then the JSON field "status" is "Fail"
    And the JSON field "message" is "Agent is not available"

    Examples:
      | agent   |
      | agent2  |
      | agent3  |
      | nobody  |

  @ozonetel
  Scenario: PhoneManualDial puts the UCID in message
    When I GET "/CAServices/PhoneManualDial.php" with "apiKey={KEY}&userName=demouser&custNumber=9876543210&phoneName=agent3&did=918030000002"
    Then the JSON field "status" is "queued"
    And the JSON field "message" is the UCID of the newest call

  @ozonetel
  Scenario Outline: PhoneManualDial errors keep Ozonetel's punctuation
    When I GET "/CAServices/PhoneManualDial.php" with "<query>"
    Then the JSON field "status" is "error"
    And the JSON field "message" is "<message>"

    Examples:
      | query                                                                                      | message                                      |
      | apiKey=KKwrong&userName=demouser&custNumber=9876543210&phoneName=agent3&did=918030000002    | Authentication failed.                       |
      | apiKey={KEY}&userName=demouser&custNumber=9876543210&phoneName=ghost&did=918030000002       | Phone name not found.                        |
      | apiKey={KEY}&userName=demouser&custNumber=9876543210&phoneName=agent3&did=918039999999      | Something went wrong. Please contact admin!  |
      | apiKey={KEY}&userName=demouser&custNumber=9876543210&phoneName=agent3&did=918030000001      | campaign IS NOT offline                      |

  @ozonetel @inferred
  Scenario: RunningDIDs lists DIDs with the country code
    When I GET "/CAServices/DID/RunningDIDs.php" with "userName=demouser&apiKey={KEY}"
    Then the JSON field "status" is "success"
    And the JSON field "data" is '["918030000001", "918030000002"]'

  @knowlarity
  Scenario: Knowlarity makecall answers a nested success object
    When I post a Knowlarity makecall with authorization "00000000-0000-4000-8000-000000000001" for customer "+919876543210"
    Then the answer is HTTP 200 with content type "application/json"
    And the JSON field "success.status" is "success"
    And the JSON field "success.call_id" is the UCID of the newest call

  @knowlarity @inferred
  Scenario Outline: Knowlarity errors are nested too, with their HTTP status
    When I post a Knowlarity makecall with authorization "<authorization>" for customer "<customer>"
    Then the answer is HTTP <status> with content type "application/json"
    And the JSON field "error.message" is "<message>"

    Examples:
      | authorization                               | customer      | status | message                                               |
      | Bearer 00000000-0000-4000-8000-000000000001 | +919876543210 | 401    | Invalid authorization key                             |
      | 00000000-0000-4000-8000-000000000001        | 9876543210    | 400    | customer_number must be an E.164 number like +919876543210 |
      | 00000000-0000-4000-8000-000000000001        | +919000000001 | 400    | Customer number is in DND                             |
