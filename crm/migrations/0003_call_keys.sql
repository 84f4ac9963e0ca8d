-- 0003: call ids are unique per provider, not globally. An Ozonetel UCID and
-- a Knowlarity callid may be the same text for two different calls, so an
-- activity is keyed by (provider_call_id, call_log_format): the call-log
-- format family the id belongs to (ozonetel, generic, knowlarity; NULL for a
-- click-to-call attempt whose config did not say). SQLite cannot drop the old
-- column's UNIQUE, so the table is rebuilt (SQLite's recipe: foreign keys off,
-- copy, drop, rename; activity_events keep their activity ids).
-- Existing rows take their family from the provider they recorded: a call-log
-- family as is, a config named after one (ozonetel_phone_manual_dial) its
-- prefix; any other config name stays NULL and pairs with the first call log
-- of its call id.
-- mcc: foreign_keys off

CREATE TABLE activities_0003 (
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
    provider_call_id  TEXT,
    call_log_format   TEXT,                   -- the family provider_call_id belongs to
    message           TEXT,
    raw               TEXT NOT NULL DEFAULT '{}',  -- JSON, secrets dropped
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

INSERT INTO activities_0003 (
    id, lead_id, user_id, direction, status, dnd, duration_s, call_duration_s, started_at,
    ended_at, recording_url, disposition, agent, agent_phone, did, customer_number, provider,
    provider_call_id, call_log_format, message, raw, created_at, updated_at
)
SELECT
    id, lead_id, user_id, direction, status, dnd, duration_s, call_duration_s, started_at,
    ended_at, recording_url, disposition, agent, agent_phone, did, customer_number, provider,
    provider_call_id,
    CASE
        WHEN provider IN ('ozonetel', 'generic', 'knowlarity') THEN provider
        WHEN provider LIKE 'ozonetel\_%' ESCAPE '\' THEN 'ozonetel'
        WHEN provider LIKE 'generic\_%' ESCAPE '\' THEN 'generic'
        WHEN provider LIKE 'knowlarity\_%' ESCAPE '\' THEN 'knowlarity'
    END,
    message, raw, created_at, updated_at
FROM activities;

DROP TABLE activities;
ALTER TABLE activities_0003 RENAME TO activities;

CREATE INDEX activities_lead ON activities (lead_id, started_at);
CREATE INDEX activities_customer ON activities (customer_number);
-- One activity per (call id, family); NULL families are not unique (SQL NULLs).
CREATE UNIQUE INDEX activities_call ON activities (provider_call_id, call_log_format);
