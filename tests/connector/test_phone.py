"""Phone numbers: every Indian written form, landlines, toll-free, regions, errors."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from connector.config import NUMBER_FORMATS
from connector.errors import PhoneNumberError
from connector.phone import PhoneNumber, is_valid_phone, parse_phone

MOBILE_FORMS = [
    "9876543210",
    "09876543210",
    "919876543210",
    "+919876543210",
    "+91-9876543210",
    "+91 98765 43210",
    "98765 43210",
    "0091 98765 43210",
    " +91 (98765) 43210 ",
]


@pytest.mark.parametrize("text", MOBILE_FORMS)
def test_every_written_form_of_a_mobile_parses_to_one_e164(text: str) -> None:
    number = parse_phone(text)
    assert number.e164 == "+919876543210"
    assert number.kind == "mobile"


def test_renders_each_consumer_form() -> None:
    number = parse_phone("98765 43210")
    assert number.crm == "+91-9876543210"
    assert number.national == "9876543210"
    assert number.with_country_code == "919876543210"
    assert number.trunk == "09876543210"
    assert str(number) == "+919876543210"


@pytest.mark.parametrize("fmt", NUMBER_FORMATS)
def test_format_by_name_matches_the_property(fmt: str) -> None:
    number = parse_phone("+919876543210")
    assert number.format(fmt) == getattr(number, fmt)


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="crm, e164"):
        parse_phone("9876543210").format("dotted")


@pytest.mark.parametrize("text", ["080-30752400", "08030752400", "(080) 3075 2400"])
def test_landline_with_std_code_survives(text: str) -> None:
    number = parse_phone(text)
    assert number.e164 == "+918030752400"
    assert number.kind == "landline"
    assert number.trunk == "08030752400"
    assert number.national == "8030752400"


@pytest.mark.parametrize("text", ["918067417503", "+918067417503"])
def test_ozonetel_did_keeps_its_digits(text: str) -> None:
    number = parse_phone(text)
    assert number.with_country_code == "918067417503"
    assert number.crm == "+91-8067417503"


@pytest.mark.parametrize("text", ["1800 123 4567", "18001234567", "+91 1800 123 4567"])
def test_toll_free_keeps_1800_and_gets_no_trunk_zero(text: str) -> None:
    number = parse_phone(text)
    assert number.kind == "toll_free"
    assert number.national == "18001234567"
    assert number.trunk == "18001234567"
    assert number.e164 == "+9118001234567"
    assert parse_phone(number.with_country_code) == number


def test_twelve_digits_starting_91_strip_the_country_code_only_when_valid() -> None:
    # 9191919191 is itself a valid mobile: 91 + it is read as +91 9191919191.
    assert parse_phone("919191919191").national == "9191919191"
    # A 10-digit number that happens to start with 91 is left alone.
    assert parse_phone("9198765432").national == "9198765432"


def test_default_region_is_configurable() -> None:
    assert parse_phone("(202) 555-0123", region="US").e164 == "+12025550123"
    assert parse_phone("(202) 555-0123", region="us").crm == "+1-2025550123"
    # The same digits in India are a Pune-area landline, not the US number.
    assert parse_phone("2025550123").e164 == "+912025550123"


def test_a_number_with_its_own_country_code_ignores_the_region() -> None:
    assert parse_phone("+91 98765 43210", region="US").national == "9876543210"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("null", "'null'"),
        ("None", "'None'"),
        ("@{Lead:Phone,}", "'@{Lead:Phone,}'"),
        ("abc", "'abc'"),
        ("98765abc10", "'98765abc10'"),
        ("1800-FLOWERS", "'1800-FLOWERS'"),
        ("12345", "too short"),
        ("+91", "'+91'"),
        ("+91 12", "too short"),
    ],
)
def test_invalid_input_raises_a_clear_error(text: str, needle: str) -> None:
    with pytest.raises(PhoneNumberError) as info:
        parse_phone(text)
    assert needle in str(info.value)
    assert not is_valid_phone(text)


def test_long_garbage_is_shortened_in_the_message() -> None:
    with pytest.raises(PhoneNumberError) as info:
        parse_phone("x" * 500)
    assert len(str(info.value)) < 150


def test_unknown_region_is_named() -> None:
    with pytest.raises(PhoneNumberError, match="'XX' is not a region code"):
        parse_phone("9876543210", region="XX")


def test_phone_number_requires_e164_when_built_directly() -> None:
    with pytest.raises(PhoneNumberError, match="parse_phone"):
        PhoneNumber("9876543210")


def test_numbers_compare_and_sort_by_e164() -> None:
    numbers = sorted(
        {parse_phone("9876543211"), parse_phone("09876543210"), parse_phone("+919876543210")}
    )
    assert [n.national for n in numbers] == ["9876543210", "9876543211"]


def test_is_valid_phone_accepts_what_parse_accepts() -> None:
    assert is_valid_phone("+91-9876543210")
    assert is_valid_phone("1800 123 4567")
    assert not is_valid_phone("98765")


# -- properties -------------------------------------------------------------

MOBILES = st.from_regex(r"\A[6-9][0-9]{9}\Z").filter(is_valid_phone)

WRITERS = (
    lambda n: n,
    lambda n: "0" + n,
    lambda n: "91" + n,
    lambda n: "+91" + n,
    lambda n: "+91-" + n,
    lambda n: f"+91 {n[:5]} {n[5:]}",
    lambda n: f"{n[:5]} {n[5:]}",
)


@settings(max_examples=60, deadline=None)
@given(national=MOBILES)
def test_written_form_does_not_change_the_number(national: str) -> None:
    parsed = {parse_phone(write(national)) for write in WRITERS}
    assert parsed == {PhoneNumber("+91" + national)}


@settings(max_examples=60, deadline=None)
@given(national=MOBILES, fmt=st.sampled_from(NUMBER_FORMATS))
def test_parsing_a_rendered_number_gives_it_back(national: str, fmt: str) -> None:
    number = parse_phone(national)
    assert parse_phone(number.format(fmt)) == number
    # Idempotent: normalising the normal form changes nothing.
    assert parse_phone(number.e164).e164 == number.e164


@settings(max_examples=40, deadline=None)
@given(digits=st.from_regex(r"\A[2-9][0-9]{9}\Z"), fmt=st.sampled_from(NUMBER_FORMATS))
def test_round_trip_holds_for_any_valid_indian_number(digits: str, fmt: str) -> None:
    assume(is_valid_phone(digits))
    number = parse_phone(digits)
    assert parse_phone(number.format(fmt)) == number
