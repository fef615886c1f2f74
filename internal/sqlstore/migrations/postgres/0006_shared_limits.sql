-- Rate limits and login/action backoff shared by every replica
-- (docs/security.md, "Rate limits and backoff"). UNLOGGED: the state is
-- short-lived and rebuilt by traffic, so it skips the write-ahead log (it
-- is emptied after a crash of PostgreSQL and not copied to standbys, which
-- at worst gives every budget back once). Swept by the prune job.

-- One row per budget key (limiter name, a colon, the key): the generic cell
-- rate algorithm's theoretical arrival time, unix ns.
CREATE UNLOGGED TABLE rate_limits (
    k   text COLLATE "C" PRIMARY KEY,
    tat bigint NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);

-- Consecutive failures of one (subject, client) pair, and of one subject
-- from all clients together; scope is "login" or "action".
CREATE UNLOGGED TABLE backoff_pairs (
    scope   text COLLATE "C" NOT NULL,
    subject text COLLATE "C" NOT NULL,
    client  text COLLATE "C" NOT NULL,
    n       integer NOT NULL,
    last_ns bigint NOT NULL,
    PRIMARY KEY (scope, subject, client)
);
CREATE INDEX backoff_pairs_last ON backoff_pairs (last_ns);

CREATE UNLOGGED TABLE backoff_subjects (
    scope   text COLLATE "C" NOT NULL,
    subject text COLLATE "C" NOT NULL,
    n       integer NOT NULL,
    last_ns bigint NOT NULL,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX backoff_subjects_last ON backoff_subjects (scope, last_ns);
