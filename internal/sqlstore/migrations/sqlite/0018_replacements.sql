-- Speed-up and cancel (docs/protocol/evm-transfers.md §4c): the request a
-- replacement transaction was issued for records the replacement's id, set
-- once (conditionally on being Broadcasted without one).
ALTER TABLE evm_requests ADD COLUMN replacement_id TEXT NOT NULL DEFAULT '';
