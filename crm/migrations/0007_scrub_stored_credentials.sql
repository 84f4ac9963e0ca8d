-- 0007: rows written before the call-log scrubber learnt access_token,
-- auth_token, Bearer values and signed-URL signatures (X-Amz-Signature, sig,
-- signature) still hold them. Scrub them with today's rules: a recording URL
-- keeps working without its credential part, an event's raw record loses its
-- credential fields. strip_credentials and scrub_event are Python functions
-- (crm.migrate.SQL_FUNCTIONS); only rows they change are written.

UPDATE activities SET recording_url = strip_credentials(recording_url)
 WHERE recording_url IS NOT NULL AND recording_url IS NOT strip_credentials(recording_url);

UPDATE activity_events SET event = scrub_event(event)
 WHERE event IS NOT scrub_event(event);
