"""Console passwords in the CRM: salted hashes only, never in the merge fields, bounded input."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crm import CrmStore, CrmStoreError, User
from crm.cli import crm
from crm.passwords import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> CrmStore:
    crm_store = CrmStore(tmp_path / "crm.sqlite3")
    crm_store.upsert_user(User("u1", "One", phone="9800000001"))
    crm_store.upsert_user(User("u2", "Two", phone="9800000002"))
    return crm_store


def test_a_password_set_is_checked_and_nothing_else_passes(store: CrmStore) -> None:
    store.set_password("u1", PASSWORD)
    assert store.check_password("u1", PASSWORD)
    assert not store.check_password("u1", PASSWORD.upper())
    assert not store.check_password("u1", "")
    assert not store.check_password("u2", PASSWORD)  # no password set
    assert not store.check_password("nobody", PASSWORD)
    assert not store.check_password("u1", "x" * (MAX_PASSWORD_CHARS + 1))


def test_only_a_salted_hash_is_stored_and_never_as_a_user_field(store: CrmStore) -> None:
    store.set_password("u1", PASSWORD)
    store.set_password("u2", PASSWORD)
    hashes = [r[0] for r in store.db.conn().execute("SELECT hash FROM user_passwords")]
    assert len(set(hashes)) == 2  # same password, different salts
    assert all(h.startswith("scrypt:") and PASSWORD not in h for h in hashes)
    user = store.get_user("u1")
    assert user is not None
    assert not any(h in str(user.merge_fields()) for h in hashes)
    files = [store.path, Path(f"{store.path}-wal")]
    assert not [f for f in files if f.exists() and PASSWORD.encode() in f.read_bytes()]


def test_setting_again_replaces_the_password(store: CrmStore) -> None:
    store.set_password("u1", PASSWORD)
    store.set_password("u1", "another password")
    assert not store.check_password("u1", PASSWORD)
    assert store.check_password("u1", "another password")


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short", f"at least {MIN_PASSWORD_CHARS}"),
        ("y" * (MAX_PASSWORD_CHARS + 1), f"at most {MAX_PASSWORD_CHARS}"),
        (" padded password ", "must not start or end with spaces"),
    ],
)
def test_a_password_that_cannot_be_set_says_why(store: CrmStore, password: str, says: str) -> None:
    with pytest.raises(CrmStoreError, match=says):
        store.set_password("u1", password)


def test_a_password_for_an_unknown_user_is_refused(store: CrmStore) -> None:
    with pytest.raises(CrmStoreError, match="not in the CRM"):
        store.set_password("ghost", PASSWORD)


def test_the_cli_sets_a_password_from_stdin_or_a_prompt(store: CrmStore) -> None:
    db = str(store.path)
    piped = CliRunner().invoke(
        crm, ["users", "set-password", "u1", "--password-stdin", "--db", db], input=PASSWORD + "\n"
    )
    assert piped.exit_code == 0, piped.output
    assert "password set for u1" in piped.output
    assert store.check_password("u1", PASSWORD)
    prompted = CliRunner().invoke(
        crm, ["users", "set-password", "u2", "--db", db], input="prompted pw 1\nprompted pw 1\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert "prompted pw 1" not in prompted.output
    assert store.check_password("u2", "prompted pw 1")


@pytest.mark.parametrize(
    ("user", "password", "says"),
    [("u1", "short", "at least 8"), ("ghost", PASSWORD, "not in the CRM")],
)
def test_the_cli_refuses_in_one_line(store: CrmStore, user: str, password: str, says: str) -> None:
    result = CliRunner().invoke(
        crm,
        ["users", "set-password", user, "--password-stdin", "--db", str(store.path)],
        input=password + "\n",
    )
    assert result.exit_code == 2
    assert says in result.output
    assert "Traceback" not in result.output
