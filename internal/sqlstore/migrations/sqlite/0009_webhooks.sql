-- Webhooks and their events (docs/protocol/webhooks.md). The secret is kept
-- only sealed under the KEK (kek_id), bound to the webhook's id; events is a
-- JSON array of event kinds ("*" for all).
CREATE TABLE webhooks (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES orgs(id),
	url         TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	events      TEXT NOT NULL,
	status      TEXT NOT NULL,
	kek_id      TEXT NOT NULL,
	sealed      BLOB NOT NULL,
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhooks_org ON webhooks (org_id, id);

-- The outbox: one row per delivery attempt of an event to one webhook,
-- written in the unit of work of the change it reports. done = 0 while the
-- attempt is pending (due at due_at; claimed by a delivery worker until
-- lease_until); a failed attempt that has retries left adds the next one
-- (retry_of, attempt + 1). data is the event's data object, already in the
-- form JSON.stringify gives. webhook_id has no foreign key: an event for a
-- webhook deleted meanwhile is dropped by the worker, never refused.
CREATE TABLE webhook_events (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL,
	webhook_id      TEXT NOT NULL,
	kind            TEXT NOT NULL,
	data            TEXT NOT NULL,
	created_at      BIGINT NOT NULL,
	attempt         INTEGER NOT NULL DEFAULT 1,
	retry_of        TEXT NOT NULL DEFAULT '',
	first_at        BIGINT NOT NULL DEFAULT 0,
	due_at          BIGINT NOT NULL,
	lease_until     BIGINT NOT NULL DEFAULT 0,
	done            INTEGER NOT NULL DEFAULT 0,
	status          TEXT NOT NULL DEFAULT '',
	error           TEXT NOT NULL DEFAULT '',
	delivery_failed INTEGER NOT NULL DEFAULT 0,
	sent_at         BIGINT NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX webhook_events_list ON webhook_events (org_id, webhook_id, id);
CREATE INDEX webhook_events_due ON webhook_events (due_at) WHERE done = 0;
CREATE INDEX webhook_events_age ON webhook_events (created_at) WHERE done = 1;
