@mapping
Feature: Response mapping
  An admin maps a provider's answers with rules of key, value and outcome.
  A key is a dotted JSON path, or NonJSON for the raw text of a body that is
  not JSON. Values compare trimmed and case-insensitively; an empty value
  matches any value; error rules beat success rules; an answer that no rule
  maps is an error that says so.
  Rules are written here as "key=value->outcome", separated by ";".

  Scenario Outline: A JSON status decides the outcome
    Given the response rules "status=success->success; status=error->error"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is <kind> by rule
    And the message is "<message>"

    @generic
    Examples: the seed's generic answers
      | body                                                                                           | kind    | message                                                     |
      | {"status":"success", "message": "call initiated successfully", "monitorUcid":"9179160xxxxx"}   | success | call initiated successfully                                 |
      | {"status":"success","customerNumber":"984xxxxxx","monitorUcid":"9179160xxxxx"}                 | success | matched status=success                                      |
      | { "status": "error","message": "userName should not be empty"}                                 | error   | userName should not be empty                                |
      | {"status":"error","message":"There is no call at this moment with this Agent PhoneNumber"}     | error   | There is no call at this moment with this Agent PhoneNumber |
      | {"status": "error","message": "Customer number is in DND"}                                     | error   | Customer number is in DND                                   |

  Scenario Outline: A dotted path reaches nested objects and lists
    Given the response rules "<rules>"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is <kind> by rule

    @knowlarity
    Examples: Knowlarity nests its answer
      | rules                                               | body                                                               | kind    |
      | success.status=success->success; error=->error      | {"success": {"status": "success", "call_id": "ec8a4ba6-c2eb"}}     | success |
      | success.status=success->success; error=->error      | {"error": {"message": "Agent number is not verified"}}             | error   |

    @ozonetel
    Examples: integer segments index lists
      | rules                                               | body                                                                           | kind    |
      | message.0.Status=answered->success                  | {"status":"success","message":[{"UCID":"9049754955340984","Status":"Answered"}]} | success |
      | message.0.Status=notanswered->error                 | {"status":"success","message":[{"UCID":"9049754955340984","Status":"NotAnswered"}]} | error |

  Scenario Outline: Error rules beat success rules
    Given the response rules "<rules>"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is error by rule
    And the message is "<message>"

    @ozonetel
    Examples: PhoneManualDial queues a call and warns
      | rules                                                                                  | body                                                                           | message                                        |
      | status=queued->success; message=Online agent logged in with same phone number->error   | {"status":"queued","message":"Online agent logged in with same phone number"}  | Online agent logged in with same phone number  |

    @knowlarity @inferred
    Examples: a success status next to an error object
      | rules                                     | body                                                      | message         |
      | status=success->success; error=->error    | {"status":"success","error":{"message":"SR expired"}}     | SR expired      |

  Scenario Outline: Case and whitespace drift in values still match
    Given the response rules "status=queued successfully->success; status=fail->error"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is <kind> by <reason>

    @ozonetel
    Examples: Ozonetel AgentManualDial spellings
      | body                                                              | kind    | reason   |
      | {"ucid":"90XXXXXXXXXXXXX","status":"queued successfully"}         | success | rule     |
      | {"ucid":"90XXXXXXXXXXXXX","status":"Queued  Successfully"}        | success | rule     |
      | {"status": "fail", "message": "please provide proper user credentials"} | error | rule   |
      | {"status": "Fail","message": "Agent is not available"}            | error   | rule     |
      | {"status": " FAIL ","message": "All parameters are mandatory"}    | error   | rule     |
      | {"status": "fails","message": "Campaign is invalid"}              | error   | unmapped |

  Scenario Outline: NonJSON rules find their phrase in plain text
    Given the response rules "NonJSON=queued successfully->success"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is <kind> by <reason>

    @ozonetel @inferred
    Examples: AgentManualDial as plain text
      | body                                      | kind    | reason   |
      | queued successfully ucid 9012345678901    | success | rule     |
      | QUEUED SUCCESSFULLY                       | success | rule     |
      | Agent is not available                    | error   | unmapped |

  Scenario Outline: NonJSON rules find their phrase in XML
    Given the response rules "<rules>"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is success by rule
    And the message is "<message>"

    @ozonetel
    Examples: AgentManualDial and KooKoo as XML
      | rules                                  | body                                                                                        | message                   |
      | NonJSON=queued successfully->success   | <response><status>queued successfully</status><ucid>9012345</ucid></response>               | queued successfully 9012345 |
      | NonJSON=queued successfully->success   | <?xml version="1.0"?><response><status>Queued Successfully</status><message>9012345</message></response> | 9012345 |
      | NonJSON=queued->success                | <response><status>queued</status><message>9049754955340984</message></response>             | 9049754955340984          |

  Scenario Outline: NonJSON rules read HTML by its words
    Given the response rules "NonJSON=queued successfully->success"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is <kind> by <reason>

    Examples: HTML answers
      | body                                                            | kind    | reason   |
      | <html><body><p>Queued <b>successfully</b></p></body></html>     | success | rule     |
      | <html><body><h1>500 Internal Server Error</h1></body></html>    | error   | unmapped |

  Scenario Outline: Data rules capture values, lists included
    Given the response rules "<rules>"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is <kind> by rule
    And the data "<key>" is <captured>

    @generic
    Examples: the seed's pop-up and DID answers
      | rules                                                                  | body                                                                 | kind    | key            | captured                          |
      | customerNumber=->data; status=success->success; status=error->error    | {"status":"success","customerNumber":"984xxxxxx","monitorUcid":"9179160xxxxx"} | success | customerNumber | "984xxxxxx" |
      | status=success->success; did_list=->data                               | {"status":"success","did_list":["984xxxxxx", "94544545XX"]}          | success | did_list       | ["984xxxxxx", "94544545XX"]       |
      | customerNumber=->data; status=error->error                             | {"status":"error","customerNumber":"984xxxxxx"}                      | error   | customerNumber | "984xxxxxx"                       |

    @ozonetel @inferred
    Examples: RunningDIDs, JSON and text
      | rules                                                  | body                                                          | kind    | key     | captured                           |
      | status=success->success; DIDs=->data                   | {"status":"success","DIDs":["914030160442","918067417503"]}   | success | DIDs    | ["914030160442", "918067417503"]   |
      | NonJSON=->data; NonJSON=9140->success                  | 914030160442,918067417503                                     | success | NonJSON | "914030160442,918067417503"        |

  Scenario Outline: An empty value matches any present value
    Given the response rules "status=->success"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is <kind> by <reason>

    Examples: present, null and missing keys
      | body                       | kind    | reason   |
      | {"status": "anything"}     | success | rule     |
      | {"status": 0}              | success | rule     |
      | {"status": false}          | success | rule     |
      | {"status": null}           | error   | unmapped |
      | {"state": "success"}       | error   | unmapped |

  Scenario Outline: An answer that no rule maps is an error that says so
    Given the response rules "status=success->success; status=error->error"
    When the provider answers HTTP <status> with '<body>'
    Then the outcome is error by <reason>
    And the message is "<message>"

    Examples: unmapped answers
      | status | body                 | reason      | message                                                                  |
      | 200    | {"foo": 1}           | unmapped    | no response rule matched the answer (HTTP 200): {"foo": 1}               |
      | 200    | {"status": "done"}   | unmapped    | no response rule matched the answer (HTTP 200): {"status": "done"}       |
      | 503    | Service Unavailable  | http_status | provider answered HTTP 503 and no rule maps it: Service Unavailable      |
      | 500    | {"foo": 1}           | http_status | provider answered HTTP 500 and no rule maps it: {"foo": 1}               |

  Scenario Outline: JSON bodies are never matched by NonJSON, nor text by paths
    Given the response rules "<rules>"
    When the provider answers HTTP 200 with '<body>'
    Then the outcome is error by unmapped
    And no rule fired

    Examples: bodies of the other kind
      | rules                                    | body                                                          |
      | NonJSON=queued successfully->success     | {"status":"queued successfully"}                              |
      | NonJSON=queued successfully->success     | ["queued successfully"]                                       |
      | status=queued successfully->success      | <response><status>queued successfully</status></response>     |
      | status=queued successfully->success      | "queued successfully"                                         |
