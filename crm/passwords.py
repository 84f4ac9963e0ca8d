"""Console passwords: a salted hash per user, never the password itself.

Hashing is werkzeug's ``generate_password_hash`` (scrypt, a random salt per
hash) and ``check_password_hash`` (constant-time compare); werkzeug comes
with Flask. The hash stays in this room: nothing reads it back but
:meth:`Passwords.check`, so it can never reach a mail-merge, a listing or a
log. A user id that does not exist, or has no password, is checked against
a dummy hash all the same, so timing does not tell which user ids exist.
"""

from __future__ import annotations

from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from crm.db import Database
from crm.errors import CrmStoreError

__all__ = ["MAX_PASSWORD_CHARS", "MIN_PASSWORD_CHARS", "Passwords", "check_new_password"]

MIN_PASSWORD_CHARS = 8
#: Hashing cost grows with the input: a password is bounded like any input.
MAX_PASSWORD_CHARS = 256


def check_new_password(password: str) -> None:
    """Raise ``CrmStoreError`` saying what to fix when ``password`` cannot be set."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise CrmStoreError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise CrmStoreError(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    if password != password.strip():
        raise CrmStoreError("a password must not start or end with spaces")


@cache
def _dummy_hash() -> str:
    # Made once per process, on the first check of an unknown user.
    return generate_password_hash("no user has this password, it only costs time")


class Passwords:
    """The ``user_passwords`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def set(self, user_id: str, password: str) -> None:
        """Store a fresh salted hash of ``password`` for ``user_id`` (replacing any)."""
        check_new_password(password)
        digest = generate_password_hash(password)
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone() is None:
                raise CrmStoreError(
                    f"user {user_id!r} is not in the CRM; import it first (mcc crm import)"
                )
            conn.execute(
                "INSERT INTO user_passwords (user_id, hash, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash,"
                " updated_at = excluded.updated_at",
                (user_id, digest, self._db.now()),
            )

    def check(self, user_id: str, password: str) -> bool:
        """True when ``password`` is ``user_id``'s; False for anything else, in similar time."""
        if not password or len(password) > MAX_PASSWORD_CHARS:
            return False
        row = (
            self._db.conn()
            .execute("SELECT hash FROM user_passwords WHERE user_id = ?", (user_id,))
            .fetchone()
        )
        if row is None:
            check_password_hash(_dummy_hash(), password)
            return False
        return check_password_hash(str(row[0]), password)

    def has(self, user_id: str) -> bool:
        """True when ``user_id`` has a password set (may log in to the console)."""
        row = (
            self._db.conn()
            .execute("SELECT 1 FROM user_passwords WHERE user_id = ?", (user_id,))
            .fetchone()
        )
        return row is not None
