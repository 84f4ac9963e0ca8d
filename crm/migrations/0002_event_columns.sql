-- 0002: each delivered event's source and provider call id as indexed columns,
-- so pairing a click-to-call attempt with its call log is a column lookup,
-- not a LIKE over the event's JSON text. Existing rows are filled from it.

ALTER TABLE activity_events ADD COLUMN source TEXT;
ALTER TABLE activity_events ADD COLUMN provider_call_id TEXT;
UPDATE activity_events
   SET source = json_extract(event, '$.source'),
       provider_call_id = json_extract(event, '$.provider_call_id');
CREATE INDEX activity_events_source ON activity_events (activity_id, source);
CREATE INDEX activity_events_call ON activity_events (provider_call_id);
