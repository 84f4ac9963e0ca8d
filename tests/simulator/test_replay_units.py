"""The replay's pure parts: which recorded probe answers, and the fresh values it gets."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from simulator.replay.match import best_match
from simulator.replay.regenerate import Regenerator, fill_number, shift_time
from simulator.replay.store import Param, RecordedProbe

PATH = "/click2call"


def _probe(name: str, order: int, *params: Param, method: str = "GET") -> RecordedProbe:
    return RecordedProbe(
        probe=name,
        api="click_to_call",
        order=order,
        method=method,
        path=PATH,
        params=params,
        status=200,
        content_type="application/json",
        body="{}",
        elapsed_ms=10.0,
        recorded_at="2026-01-01T00:00:00+00:00",
    )


KEY = Param("api_key", "secret", "***")
SUCCESS = _probe("success", 0, KEY, Param("customer", "number", "+91-******5678"))
DND = _probe("dnd", 1, KEY, Param("customer", "number", "+91-******0001"))
WRONG_KEY = _probe(
    "wrong_key",
    2,
    Param("api_key", "literal", "wrong"),
    Param("customer", "number", "+91-******5678"),
)
BLANK = _probe("blank_customer", 3, KEY, Param("customer", "empty", ""))
PROBES = [SUCCESS, DND, WRONG_KEY, BLANK]


def _match(**params: str) -> str | None:
    found = best_match(PROBES, "GET", PATH, params)
    return found.probe if found else None


def test_a_masked_number_matches_any_digits_in_its_hidden_places() -> None:
    assert _match(api_key="k", customer="+91-9812345678") == "success"
    assert _match(api_key="k", customer="+91-9000000001") == "dnd"
    assert _match(api_key="k", customer="%2B91-9000000001") == "dnd"
    # The visible last four digits decide: no recorded probe ends in 4321.
    assert _match(api_key="k", customer="+91-9812344321") is None


def test_an_exact_value_beats_a_stand_in() -> None:
    # The wrong key matches both the secret stand-in and the literal: the literal wins.
    assert _match(api_key="wrong", customer="+91-9812345678") == "wrong_key"


def test_an_empty_role_wants_an_empty_value_and_a_secret_a_non_empty_one() -> None:
    assert _match(api_key="k", customer="") == "blank_customer"
    assert _match(api_key="", customer="+91-9812345678") is None


def test_a_tie_goes_to_the_probe_recorded_first_and_the_method_only_counts() -> None:
    twin = _probe("later_twin", 9, KEY, Param("customer", "number", "+91-******5678"))
    post_only = _probe(
        "post", 10, KEY, Param("customer", "number", "+91-******5678"), method="POST"
    )
    found = best_match([twin, SUCCESS], "GET", PATH, {"api_key": "k", "customer": "+91-9812345678"})
    assert found is not None
    assert found.probe == "success"
    found = best_match([post_only], "GET", PATH, {"api_key": "k", "customer": "+91-9812345678"})
    assert found is not None
    assert found.probe == "post"  # a GET still gets the POST's answer


def test_another_path_or_an_answerless_probe_never_matches() -> None:
    assert best_match(PROBES, "GET", "/other", {"api_key": "k"}) is None
    silent = RecordedProbe(**{**SUCCESS.__dict__, "status": None})
    assert best_match([silent], "GET", PATH, {"api_key": "k", "customer": "+91-9812345678"}) is None


@pytest.mark.parametrize(
    ("value", "form", "moved"),
    [
        ("2026-01-01T10:00:00+05:30", "iso8601", "2026-01-02T11:00:00+05:30"),
        ("2026-01-01T10:00:00Z", "iso8601", "2026-01-02T11:00:00Z"),
        ("2026-01-01 10:00:00", "yyyy-mm-dd hh:mm:ss", "2026-01-02 11:00:00"),
        ("01/01/2026 10:00:00", "dd/mm/yyyy hh:mm:ss", "02/01/2026 11:00:00"),
        ("31-12-2025", "dd-mm-yyyy", "01-01-2026"),
        ("1767261600", "epoch", str(1767261600 + 90000)),
        ("not a time", "iso8601", "not a time"),
        ("10:00:00", None, "10:00:00"),
    ],
)
def test_a_time_moves_by_the_age_of_the_recording_in_its_own_form(
    value: str, form: str | None, moved: str
) -> None:
    assert shift_time(value, form, timedelta(days=1, hours=1)) == moved


@pytest.mark.parametrize(
    ("masked", "national", "filled"),
    [
        ("+91-******5678", "9812345678", "+91-9812345678"),
        ("%2B91-******5678", "9812345678", "%2B91-9812345678"),
        ("0******5678", "9812345678", "09812345678"),
        ("******5678", "9812345678", "9812345678"),
        ("******5678", None, "9800005678"),  # made up, ending as recorded
    ],
)
def test_a_masked_number_is_given_back_in_its_shape(
    masked: str, national: str | None, filled: str
) -> None:
    assert fill_number(masked, national) == filled


def test_call_ids_are_fresh_same_shape_and_stable_within_one_answer() -> None:
    regen = Regenerator(
        now=datetime(2026, 1, 2, tzinfo=UTC),
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        numbers={"+91-******5678": "customer_number"},
        fixtures={"customer_number": "9876545678"},
        rng=random.Random(7),
        base_url="http://127.0.0.1:9/",
    )
    volatile = ({"kind": "call_id", "value": "UZ12345"},)
    text = regen.text('{"ucid": "UZ12345", "again": "UZ12345", "to": "+91-******5678"}', volatile)
    assert "UZ12345" not in text
    fresh = regen.fresh["UZ12345"]
    assert fresh[:2] == "UZ"  # letters that are not hex digits stay
    assert fresh[2:].isdigit()
    assert len(fresh) == len("UZ12345")
    assert text.count(fresh) == 2
    assert "+91-9876545678" in text  # the fixture the masked number stands for
