-- 0006: how many tries a click-to-call made to reach the provider (mcc call
-- --retries repeats only a call that never reached it). Set by the
-- click-to-call attempt; NULL for a call only a call log reported, and for
-- activities written before this migration (their tries were not kept).

ALTER TABLE activities ADD COLUMN attempts INTEGER;
