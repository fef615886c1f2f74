-- The shared generation of the replicas' read caches (docs/replicas.md):
-- every write that may change a cached read adds one to a slot in its own
-- transaction; a replica trusts its cached reads while the sum is the one
-- they were read under. Sixteen slots, so that concurrent writes seldom
-- wait for one another's row lock.
CREATE TABLE cache_generation (
	slot INTEGER PRIMARY KEY,
	n BIGINT NOT NULL
);
INSERT INTO cache_generation (slot, n) SELECT g, 0 FROM generate_series(0, 15) AS g;

-- The replicas that may hold cached reads: each renews its row every second
-- while it serves from its cache; a write that may change cached reads
-- waits for the others' caches only when another replica is listed
-- (sqlstore/replicas.go).
CREATE TABLE replicas (
	id TEXT COLLATE "C" PRIMARY KEY,
	seen_at TIMESTAMPTZ NOT NULL
);
