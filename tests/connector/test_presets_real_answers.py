"""Every real answer in providers.md maps to the right outcome with the shipped presets.

Bodies are copied from /work/shared/reference/providers.md (sections 2 and 3)
and the seed's samples; tests of contracts that no source documents carry the
``inferred`` marker.
"""

from __future__ import annotations

import pytest

from connector.mapping import Outcome, map_response
from connector.presets import load_preset

pytestmark = pytest.mark.mapping


def _map(preset: str, api: str, body: str, status: int = 200) -> Outcome:
    rules = load_preset(preset).api(api).response
    content_type = "application/json" if body.lstrip().startswith("{") else "text/plain"
    return map_response(rules, status=status, body=body, content_type=content_type)


# Ozonetel AgentManualDial: the legacy page's table (key/value pairs, JSON form) ---------

AMD_LEGACY = [
    ('{"status": "queued successfully", "ucid": "9012345678901"}', "success", ""),
    (
        '{"status": "fail", "message": "please provide proper user credentials"}',
        "error",
        "please provide proper user credentials",
    ),
    ('{"status": "fails", "message": "Campaign is invalid"}', "error", "Campaign is invalid"),
    ('{"status": "Fail", "message": "Agent is not available"}', "error", "Agent is not available"),
    (
        '{"status": "Fail", "message": "All parameters are mandatory"}',
        "error",
        "All parameters are mandatory",
    ),
    ('{"status": "FAIL", "message": "Agent is not available"}', "error", "Agent is not available"),
]

# Ozonetel AgentManualDial with Basic authentication: bodies as documented -------------

AMD_BASIC = [
    ('{"ucid":"90XXXXXXXXXXXXX","status":"queued successfully"}', "success", ""),
    (
        '{"status": "false","message": "Api Key Should Not be Null or Empty.", "data": null}',
        "error",
        "Api Key Should Not be Null or Empty.",
    ),
    (
        '{"status": "false","message": "Invalid User Details","data": null}',
        "error",
        "Invalid User Details",
    ),
    (
        '{"status": "false","message": "Username Should Not be Null or Empty.", "data": null}',
        "error",
        "Username Should Not be Null or Empty.",
    ),
    (
        '{"status": "Fail","message": "Please Pass Valid AgentId are Valid skillName "}',
        "error",
        "Please Pass Valid AgentId are Valid skillName",
    ),
    (
        '{"status": "Fail","message": "Please Pass Valid AgentId"}',
        "error",
        "Please Pass Valid AgentId",
    ),
    ('{"status": "Fail","message": "Agent is not available"}', "error", "Agent is not available"),
    (
        '{"status": "Fail","message": "Campaign name should not be null are empty"}',
        "error",
        "Campaign name should not be null are empty",
    ),
    (
        '{"status": "Fail","message": "Please pass Valid Campaign Details"}',
        "error",
        "Please pass Valid Campaign Details",
    ),
    ('{"status": "Fail","message": "DND"}', "error", "DND"),
    ('{"message": "Max limit exceeded", "status": "error"}', "error", "Max limit exceeded"),
]


@pytest.mark.ozonetel
@pytest.mark.parametrize(("body", "kind", "message"), AMD_LEGACY + AMD_BASIC)
def test_agent_manual_dial_json_answers(body: str, kind: str, message: str) -> None:
    outcome = _map("ozonetel", "click_to_call", body)
    assert outcome.kind == kind
    assert outcome.reason == "rule"
    if message:
        assert outcome.message.strip() == message


@pytest.mark.ozonetel
def test_agent_manual_dial_success_captures_the_ucid() -> None:
    outcome = _map(
        "ozonetel", "click_to_call", '{"ucid":"9012345678901","status":"queued successfully"}'
    )
    assert outcome.data == {"ucid": "9012345678901"}


@pytest.mark.ozonetel
def test_agent_manual_dial_xml_success_captures_the_ucid() -> None:
    # Ozonetel's default body is XML: the call id must still reach the activity.
    body = (
        '<?xml version="1.0"?><response><status>queued successfully</status>'
        "<ucid>9012345678901</ucid></response>"
    )
    outcome = _map("ozonetel", "click_to_call", body)
    assert outcome.kind == "success"
    assert outcome.data == {"response.ucid": "9012345678901"}


# Non-JSON renderings: the seed's NonJSON rule and the XML of old clients [I] -----------

NON_JSON = [
    ("queued successfully", "success"),
    ("  Queued Successfully\n", "success"),
    (
        "<response><status>queued successfully</status><ucid>9012345678901</ucid></response>",
        "success",
    ),
    ('<?xml version="1.0" encoding="UTF-8"?>\n<status>queued successfully</status>', "success"),
    (
        "<response><status>Fail</status><message>Agent is not available</message></response>",
        "error",
    ),
    ("<response><status>fails</status><message>Campaign is invalid</message></response>", "error"),
    ("Agent is not available", "error"),
    ("DND", "error"),
    ("9876543210 is a black listed number", "error"),
    ("fail", "error"),
]


@pytest.mark.ozonetel
@pytest.mark.inferred
@pytest.mark.parametrize(("body", "kind"), NON_JSON)
def test_agent_manual_dial_non_json_answers(body: str, kind: str) -> None:
    outcome = _map("ozonetel", "click_to_call", body)
    assert outcome.kind == kind
    assert outcome.reason == "rule"


@pytest.mark.ozonetel
def test_agent_manual_dial_failure_in_a_200_is_still_an_error() -> None:
    # The bug to catch: older clients treat any 200 as success.
    outcome = _map("ozonetel", "click_to_call", '{"status": "Fail","message": "x"}', status=200)
    assert outcome.kind == "error"


# Ozonetel PhoneManualDial: the UCID comes back in `message` ----------------------------

PMD = [
    ('{"status": "queued", "message": "89XXUCIDXXX"}', "success"),
    ('{"status": "error", "message": "Authentication failed."}', "error"),
    ('{"status": "error", "message": "Phone name not found."}', "error"),
    ('{"status": "error", "message": "Something went wrong. Please contact admin!"}', "error"),
    ('{"status": "error", "message": "Online agent logged in with same phone number"}', "error"),
    ('{"status": "error", "message": "campaign IS NOT offline"}', "error"),
]


@pytest.mark.ozonetel
@pytest.mark.parametrize(("body", "kind"), PMD)
def test_phone_manual_dial_answers(body: str, kind: str) -> None:
    outcome = _map("ozonetel_phone_manual_dial", "click_to_call", body)
    assert outcome.kind == kind
    assert outcome.reason == "rule"


@pytest.mark.ozonetel
def test_phone_manual_dial_success_captures_the_ucid_from_message() -> None:
    outcome = _map("ozonetel_phone_manual_dial", "click_to_call", PMD[0][0])
    assert outcome.ok
    assert outcome.data == {"message": "89XXUCIDXXX"}


@pytest.mark.ozonetel
def test_phone_manual_dial_queued_with_warning_is_an_error() -> None:
    # Decision (docs/connector.md): `queued` plus this warning carries no UCID,
    # and the agent must log out of the toolbar; an error tells them so.
    body = '{"status": "queued", "message": "Online agent logged in with same phone number"}'
    outcome = _map("ozonetel_phone_manual_dial", "click_to_call", body)
    assert outcome.kind == "error"
    assert outcome.message == "Online agent logged in with same phone number"


# Ozonetel PullAPI and RunningDIDs: invented contracts [I] plus the seed's samples -------


@pytest.mark.ozonetel
@pytest.mark.inferred
@pytest.mark.parametrize("preset", ["ozonetel", "ozonetel_phone_manual_dial"])
def test_ozonetel_pull_api(preset: str) -> None:
    ringing = _map(
        preset,
        "agent_popup",
        '{"status":"success","customerNumber":"9845012345","monitorUcid":"9179160123",'
        '"callStartTime":"2020-01-01 10:00:00"}',
    )
    assert ringing.ok
    assert ringing.data == {"customerNumber": "9845012345"}
    idle = _map(
        preset, "agent_popup", '{"status":"error","message":"There is no call at this moment"}'
    )
    assert idle.kind == "error"


@pytest.mark.ozonetel
@pytest.mark.inferred
def test_ozonetel_running_dids() -> None:
    listed = _map(
        "ozonetel", "did_list", '{"status":"success","DIDs":["914030160442","918067417503"]}'
    )
    assert listed.ok
    assert listed.data == {"DIDs": ["914030160442", "918067417503"]}
    seed = _map("ozonetel", "did_list", '{"status":"success","data":["914030160442"]}')
    assert seed.data == {"data": ["914030160442"]}
    assert (
        _map("ozonetel", "did_list", '{"status":"error","message":"Authentication failed."}').kind
        == "error"
    )


# Knowlarity: nested success and error objects -----------------------------------------


@pytest.mark.knowlarity
def test_knowlarity_nested_success() -> None:
    body = '{"success": {"status": "success", "call_id": "4f1c3c2e-1b2a-4c1d-9e8f-0a1b2c3d4e5f"}}'
    outcome = _map("knowlarity", "click_to_call", body)
    assert outcome.ok
    assert outcome.data == {"success.call_id": "4f1c3c2e-1b2a-4c1d-9e8f-0a1b2c3d4e5f"}


@pytest.mark.knowlarity
@pytest.mark.parametrize("message", ["Invalid agent number", "SR number expired"])
def test_knowlarity_nested_error(message: str) -> None:
    outcome = _map("knowlarity", "click_to_call", f'{{"error": {{"message": "{message}"}}}}')
    assert outcome.kind == "error"
    assert outcome.message == message
    assert outcome.data == {"error.message": message}


@pytest.mark.knowlarity
def test_knowlarity_error_wins_over_success() -> None:
    body = '{"success": {"status": "success"}, "error": {"message": "bad number"}}'
    assert _map("knowlarity", "click_to_call", body).kind == "error"


# Generic: the seed's sample answers ----------------------------------------------------


@pytest.mark.generic
@pytest.mark.parametrize(
    ("api", "body", "kind", "data"),
    [
        (
            "click_to_call",
            '{"status":"success","message":"call initiated successfully",'
            '"monitorUcid":"9179160123","callStartTime":"2020-01-01 10:00:00"}',
            "success",
            {"monitorUcid": "9179160123"},
        ),
        (
            "click_to_call",
            '{"status": "error","message": "Customer number is in DND"}',
            "error",
            {},
        ),
        (
            "agent_popup",
            '{"status":"success","customerNumber":"9845012345"}',
            "success",
            {"customerNumber": "9845012345"},
        ),
        (
            "agent_popup",
            '{"status":"error","message":"userName or apiKey is Invalid"}',
            "error",
            {},
        ),
        (
            "did_list",
            '{"status":"success","did_list":["9845012345","9454454512"]}',
            "success",
            {"did_list": ["9845012345", "9454454512"]},
        ),
        ("did_list", '{"status":"error","message":"max limit exceeded"}', "error", {}),
    ],
)
def test_generic_seed_answers(api: str, body: str, kind: str, data: dict[str, object]) -> None:
    outcome = _map("generic", api, body)
    assert outcome.kind == kind
    assert outcome.reason == "rule"
    assert dict(outcome.data) == data
