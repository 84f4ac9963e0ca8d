-- 0004: a delivery's cost no longer grows with the call's event count.
-- fold_state keeps what folding one more event needs (crm.models.Fold: the
-- rank of the event each field came from, and the lead/user candidates), so
-- the store never re-reads earlier events; events_seen counts the distinct
-- events delivered, while activity_events keeps only the first, the latest
-- few and the click-to-call attempt (crm.activities.EVENTS_KEPT).
-- Existing activities keep fold_state NULL: their events are folded once, on
-- their next delivery.

ALTER TABLE activities ADD COLUMN fold_state TEXT;
ALTER TABLE activities ADD COLUMN events_seen INTEGER NOT NULL DEFAULT 0;
UPDATE activities
   SET events_seen = (SELECT COUNT(*) FROM activity_events e WHERE e.activity_id = activities.id);
