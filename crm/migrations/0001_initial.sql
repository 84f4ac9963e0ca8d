-- 0001: users, leads (with a phone index), activities (with their delivered
-- events), DIDs and the DID sync status. Times are UTC ISO-8601 text.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    email       TEXT,
    phone       TEXT,
    fields      TEXT NOT NULL DEFAULT '{}',   -- JSON: mx_Custom_8 (DID), TelephonyAgentId, ...
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE leads (
    id          TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL DEFAULT '',
    last_name   TEXT NOT NULL DEFAULT '',
    phone       TEXT,
    mobile      TEXT,
    owner_id    TEXT,                         -- a users.id; not enforced (leads may come first)
    fields      TEXT NOT NULL DEFAULT '{}',   -- JSON: any mx_ field
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Every phone field of a lead, normalised to E.164, so "find the lead of this
-- number in any written form" is one indexed query.
CREATE TABLE lead_phones (
    lead_id     TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    field       TEXT NOT NULL,
    position    INTEGER NOT NULL,             -- Phone first, then Mobile, then custom fields
    e164        TEXT NOT NULL,
    PRIMARY KEY (lead_id, field)
);
CREATE INDEX lead_phones_e164 ON lead_phones (e164, position, lead_id);

CREATE TABLE activities (
    id                INTEGER PRIMARY KEY,
    lead_id           TEXT REFERENCES leads(id) ON DELETE SET NULL,  -- NULL: unknown caller
    user_id           TEXT REFERENCES users(id) ON DELETE SET NULL,
    direction         TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    status            TEXT NOT NULL
                      CHECK (status IN ('initiated', 'answered', 'not_answered', 'failed')),
    dnd               INTEGER NOT NULL DEFAULT 0 CHECK (dnd IN (0, 1)),
    duration_s        INTEGER NOT NULL DEFAULT 0,
    call_duration_s   INTEGER,
    started_at        TEXT,
    ended_at          TEXT,
    recording_url     TEXT,
    disposition       TEXT,
    agent             TEXT,
    agent_phone       TEXT,
    did               TEXT,
    customer_number   TEXT,
    provider          TEXT,
    provider_call_id  TEXT UNIQUE,            -- idempotency: one activity per provider call
    message           TEXT,
    raw               TEXT NOT NULL DEFAULT '{}',  -- JSON, secrets dropped
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX activities_lead ON activities (lead_id, started_at);
CREATE INDEX activities_customer ON activities (customer_number);

-- What was delivered for each activity; the activity is the fold of these, so
-- duplicates and any delivery order give the same activity.
CREATE TABLE activity_events (
    id           INTEGER PRIMARY KEY,
    activity_id  INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    digest       TEXT NOT NULL,
    event        TEXT NOT NULL,               -- JSON of the event, secrets dropped
    received_at  TEXT NOT NULL,
    UNIQUE (activity_id, digest)
);

CREATE TABLE dids (
    e164       TEXT PRIMARY KEY,
    number     TEXT NOT NULL,                 -- as the provider wrote it (e.g. 918030000001)
    synced_at  TEXT NOT NULL
);

CREATE TABLE did_sync (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    last_success_at  TEXT,
    last_attempt_at  TEXT,
    last_error       TEXT
);
INSERT INTO did_sync (id) VALUES (1);
