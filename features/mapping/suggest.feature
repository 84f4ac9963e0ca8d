@mapping
Feature: Test and Map Response
  From one sample answer the connector proposes the rules an admin would
  write, ready to paste under an API's "response:" key. Mapping the sample
  with its own suggestions gives the outcome the sample shows.
  Rules are written here as "key=value->outcome", separated by ";".

  Scenario Outline: Suggestions for real answers map them back
    Given a sample answer '<body>'
    When I test and map the response
    Then the suggested rules are "<rules>"
    And mapping the sample with the suggestions gives <kind>

    @generic
    Examples: the seed's generic answers
      | body                                                                                  | rules                                                                                   | kind    |
      | {"status":"success","customerNumber":"984xxxxxx","monitorUcid":"9179160xxxxx","callStartTime":"2020-xx-xx xx:xx:xx"} | status=success->success; status=error->error; customerNumber=->data; monitorUcid=->data | success |
      | {"status":"success","did_list":["984xxxxxx", "94544545XX"]}                            | status=success->success; status=error->error; did_list=->data                           | success |
      | { "status": "error","message": "userName or apiKey is Invalid"}                        | status=error->error                                                                     | error   |

    @ozonetel
    Examples: Ozonetel click-to-call answers
      | body                                                                  | rules                                                  | kind    |
      | {"ucid":"90XXXXXXXXXXXXX","status":"queued successfully"}             | ucid=->data; status=queued successfully->success       | success |
      | {"status": "false","message": "Invalid User Details","data": null}    | status=false->error                                    | error   |
      | {"status":"queued","message":"89XXUCIDXXX"}                           | status=queued->success; status=error->error            | success |
      | <response><status>queued</status><message>9049754955340984</message></response> | NonJSON=queued->success                      | success |

    @ozonetel @inferred
    Examples: Ozonetel plain text
      | body                                     | rules                                   | kind    |
      | queued successfully ucid 9012345678901   | NonJSON=queued successfully->success    | success |

    @knowlarity
    Examples: Knowlarity nested answers
      | body                                                              | rules                                                                     | kind    |
      | {"success": {"status": "success", "call_id": "ec8a4ba6-c2eb"}}    | success.status=success->success; success.call_id=->data; error=->error    | success |
      | {"error": {"message": "Agent number is not verified"}}            | error=->error                                                             | error   |

    Examples: an HTML error page
      | body                                                            | rules                  | kind  |
      | <html><body><h1>500 Internal Server Error</h1></body></html>    | NonJSON=error->error   | error |

  Scenario: Suggestions paste under response as YAML
    Given a sample answer '{"status": 200, "ucid": "9049", "success": true}'
    When I test and map the response
    Then the YAML loads back into the same rules
    And the YAML quotes the value "200"
    And the YAML quotes the value "true"

  Scenario: A sample that says neither success nor error only captures data
    Given a sample answer '914030160442,918067417503'
    When I test and map the response
    Then the suggested rules are "NonJSON=->data"
    And mapping the sample with the suggestions gives error
