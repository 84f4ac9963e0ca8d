-- 0005: console passwords, apart from the users table. A user's fields are
-- mail-merge input (@{User:...}) and are sent to providers; a password hash
-- must never be one of them, so it lives in its own table that nothing
-- merges. Only the hash is kept (werkzeug's scrypt format, salt included).

CREATE TABLE user_passwords (
    user_id     TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    hash        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
