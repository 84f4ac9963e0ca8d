@templating
Feature: Mail-merge templating
  An admin writes a provider API's URL, parameters, headers and body with
  mail-merge tokens: the CRM fields @{Lead:Field,Default}, @{User:...} and
  the owner's @{Owner:...}, the special tokens @VirtualNumber,
  the tokens @CustomerNumber, @AssociatedPhoneNumberWithoutCountryCode and
  {{Agent_Number}}, @CallbackUrl (where the provider pushes the call log), and
  ${ENV_VAR} for secrets. A number token takes the written form a provider
  expects in square brackets (@CustomerNumber[e164], {{Agent_Number[e164]}}).
  Each value is encoded for where it lands, so no value can change the host,
  the path or the parameters. A token without a value stops the request before
  anything is sent: a provider never receives a literal @{...}, nor the word null
  for a value that is missing. Only a missing value is empty: a field holding
  the text Null, None or undefined (a real surname) is sent as written.

  Background:
    Given a lead with:
      | field     | value          |
      | FirstName | Asha           |
      | Phone     | +91-9876543210 |
      | Mobile    |                |
    And a user with:
      | field            | value                |
      | EmailAddress     | agent@example.com    |
      | TelephonyAgentId | agent1               |
      | mx_Custom_8      | Inbound_918030000001 |
      | PhoneMobile      | +91 98000 00001      |
    And an owner with:
      | field        | value             |
      | EmailAddress | owner@example.com |
    And the customer number being called is "09876543210"
    And the environment variable "OZ_KEY" is "KKdemo0000000000000000000000000001"

  Scenario Outline: Each token kind renders its value
    When the text "<template>" is rendered
    Then the rendered text is "<result>"

    Examples: CRM fields
      | template                       | result             |
      | @{Lead:FirstName,}             | Asha               |
      | @{Lead:FirstName}              | Asha               |
      | @{lead:FirstName,Friend}       | Asha               |
      | @{User:TelephonyAgentId,}      | agent1             |
      | @{User:EmailAddress}           | agent@example.com  |
      | @{Owner:EmailAddress,}         | owner@example.com  |
      | @{Owner:EmailAddress,nobody}   | owner@example.com  |

    @inferred
    Examples: a missing or empty field takes the default
      | template                       | result             |
      | @{Lead:LastName,Customer}      | Customer           |
      | @{Lead:Mobile,none on file}    | none on file       |
      | @{Owner:Phone,0000}            | 0000               |

    Examples: special tokens
      | template                                     | result                             |
      | @VirtualNumber                               | Inbound_918030000001               |
      | @CustomerNumber                              | +91-9876543210                     |
      | @AssociatedPhoneNumberWithoutCountryCode     | 9800000001                         |
      | {{Agent_Number}}                             | 9800000001                         |
      | ${OZ_KEY}                                    | KKdemo0000000000000000000000000001 |
      | Bearer ${OZ_KEY}                             | Bearer KKdemo0000000000000000000000000001 |

  Scenario Outline: The customer number reaches the provider as +91-N whatever its written form
    Given the customer number being called is "<written>"
    When the text "customerNumber=@CustomerNumber" is rendered
    Then the rendered text is "customerNumber=+91-9876543210"

    Examples:
      | written          |
      | 9876543210       |
      | 09876543210      |
      | 919876543210     |
      | +919876543210    |
      | +91-9876543210   |
      | +91 98765 43210  |
      | 98765 43210      |

  Scenario Outline: A number token renders the written form its suffix asks for
    When the text "<template>" is rendered
    Then the rendered text is "<result>"

    Examples:
      | template                                       | result         |
      | @CustomerNumber[crm]                           | +91-9876543210 |
      | @CustomerNumber[e164]                          | +919876543210  |
      | @CustomerNumber[with_country_code]             | 919876543210   |
      | @CustomerNumber[national]                      | 9876543210     |
      | @CustomerNumber[trunk]                         | 09876543210    |
      | @AssociatedPhoneNumberWithoutCountryCode[e164] | +919800000001  |
      | {{Agent_Number[e164]}}                         | +919800000001  |
      | {{Agent_Number[with_country_code]}}            | 919800000001   |

  Scenario: A virtual number holding a DID renders in the form asked for
    Given the user field "mx_Custom_8" holds "918030000001"
    When the text "k_number=@VirtualNumber[e164]" is rendered
    Then the rendered text is "k_number=+918030000001"

  Scenario: A virtual number that is a campaign name has no E.164 form
    When the text "k_number=@VirtualNumber[e164]" is rendered
    Then rendering fails because "@VirtualNumber[e164]" in "step" cannot be resolved

  Scenario Outline: An unknown number form is refused with its position and the known forms
    Given an API whose URL is "https://calls.example/v1/dial?to=<token>"
    When the request is rendered
    Then rendering fails because the token at position 33 is malformed
    And the error message names every number format

    Examples:
      | token                     |
      | @CustomerNumber[e165]     |
      | @CustomerNumber[]         |
      | {{Agent_Number[intl]}}    |
      | @VirtualNumber[E164]      |

  Scenario: The call-log URL is a value like any other
    Given the call-log URL is "https://crm.example/calllog?key=a&b=c#top"
    And an API that sends "@CallbackUrl" as parameter "callback" in the query
    When the request is rendered
    Then the query carries exactly the parameters "fixed,callback,k"
    And the parameter "callback" arrives as "https://crm.example/calllog?key=a&b=c#top"

  Scenario: A missing call-log URL stops the request
    Given an API that sends "@CallbackUrl" as parameter "callback" in the query
    When the request is rendered
    Then rendering fails because "@CallbackUrl" in "params.callback" cannot be resolved

  Scenario Outline: A hostile value keeps the request's structure wherever it lands
    Given the lead field "Name" holds "<value>"
    And an API that sends "@{Lead:Name}" as parameter "name" in the <placement>
    When the request is rendered
    Then the request goes to host "calls.example" with path "/v1/dial"
    And the <placement> carries exactly the parameters "<names>"
    And the parameter "name" arrives as "<value>"

    Examples:
      | placement | value                        | names       |
      | query     | A&api_key=x#                 | fixed,name,k |
      | query     | 50% off + free = ?           | fixed,name,k |
      | form      | A&api_key=x#                 | name,k      |
      | form      | a=b&c=d                      | name,k      |
      | json      | ", "admin": true, "x": "     | name,k      |
      | json      | नमस्ते 😀                      | name,k      |
      | raw       | ", "admin": true, "x": "     | name,k      |
      | raw       | back\slash and "quotes"      | name,k      |

  Scenario Outline: A value in the URL path stays one path segment
    Given the lead field "Name" holds "<value>"
    And an API whose URL is "https://calls.example/v1/calls/@{Lead:Name}/status"
    When the request is rendered
    Then the request goes to host "calls.example" with 4 path segments
    And path segment 3 arrives as "<value>"

    Examples:
      | value       |
      | ../../admin |
      | a/b?c=d#e   |
      | 100%2F      |
      | ..          |

  Scenario Outline: A literal Null, None or undefined is a value, sent as written
    Given the lead field "LastName" holds "<surname>"
    And an API that sends "@{Lead:LastName,Customer}" as parameter "surname" in the query
    When the request is rendered
    Then the parameter "surname" arrives as "<surname>"

    Examples:
      | surname   |
      | Null      |
      | None      |
      | undefined |

  Scenario Outline: A token that cannot be resolved stops the request
    Given an API whose URL is "https://calls.example/v1/dial?to=<token>"
    When the request is rendered
    Then rendering fails because "<token>" in "url" cannot be resolved
    And the error gives the token's position in the URL

    Examples:
      | token           |
      | @{Lead:Email}   |
      | @{Lead:Mobile}  |
      | @{User:Missing} |

  Scenario: A token in a parameter names the parameter when it fails
    Given an API that sends "@{Lead:Email}" as parameter "customerEmail" in the query
    When the request is rendered
    Then rendering fails because "@{Lead:Email}" in "params.customerEmail" cannot be resolved

  Scenario: A missing customer number stops click-to-call
    Given no customer number is being called
    And an API whose URL is "https://calls.example/v1/dial?customerNumber=@CustomerNumber"
    When the request is rendered
    Then rendering fails because "@CustomerNumber" in "url" cannot be resolved

  Scenario: A secret that is not set names the variable and never a value
    Given an API whose URL is "https://calls.example/v1/dial?api_key=${MISSING_KEY}&key2=${OZ_KEY}"
    When the request is rendered
    Then rendering fails because the environment variable "MISSING_KEY" is not set
    And the error message does not contain "KKdemo0000000000000000000000000001"

  Scenario: A secret is sent but never shown
    Given an API whose URL is "https://calls.example/v1/dial?api_key=${OZ_KEY}"
    When the request is rendered
    Then the parameter "api_key" arrives as "KKdemo0000000000000000000000000001"
    And the redacted URL shows "api_key=***"

  Scenario Outline: A malformed token is refused with its position
    Given an API whose URL is "https://calls.example/v1/dial?to=<token>"
    When the request is rendered
    Then rendering fails because the token at position 33 is malformed

    Examples:
      | token          |
      | @{Lead:}       |
      | @{Foo:Bar}     |
      | @{Lead:Phone   |
