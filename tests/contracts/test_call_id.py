"""click_to_call.success counts a call id only when the connector could record it."""

from __future__ import annotations

import pytest

import connector
from contracts.clauses.click_to_call import call_id

RULES = connector.resolve_config("ozonetel").api("click_to_call").response


def _result(body: str) -> connector.CallResult:
    request = connector.RenderedRequest(
        method="GET", url="http://127.0.0.1/x", headers=(), body=None, content_type=None
    )
    answer = connector.Answer.of_text(body)
    outcome = connector.map_answer(RULES, answer)
    return connector.CallResult(request=request, outcome=outcome, answer=answer)


@pytest.mark.parametrize(
    "body",
    [
        '{"status":"queued successfully","ucid":"9012345678901"}',
        "<response><status>queued successfully</status><ucid>9012345678901</ucid></response>",
    ],
)
def test_the_ucid_the_connector_records_is_the_call_id(body: str) -> None:
    assert call_id(_result(body)) == "9012345678901"


@pytest.mark.parametrize(
    "body", ['{"status":"queued successfully"}', "queued successfully", "queued successfully 2024"]
)
def test_a_success_without_a_recordable_id_has_none(body: str) -> None:
    result = _result(body)
    assert result.outcome.ok
    assert call_id(result) is None
