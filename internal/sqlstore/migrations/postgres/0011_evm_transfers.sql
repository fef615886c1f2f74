-- EVM transfers and sign-and-broadcast transactions, their nonces, the
-- chain follower's cursor and the blockchain events it records
-- (docs/protocol/evm-transfers.md).

-- evm_requests holds transfers (kind 'transfer', ids xfr-…) and
-- transactions (kind 'transaction', ids tx-…). unsigned_tx is the EIP-2718
-- encoding of the transaction to sign (0x hex, written with its nonce in
-- the unit that allocates the nonce); signed_tx the signed encoding, stored
-- before it is first broadcast; nonce is -1 until allocated.
CREATE TABLE evm_requests (
	id                 TEXT COLLATE "C" PRIMARY KEY,
	org_id             TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	wallet_id          TEXT COLLATE "C" NOT NULL REFERENCES wallets(id),
	network            TEXT COLLATE "C" NOT NULL,
	kind               TEXT COLLATE "C" NOT NULL,
	requester_user_id  TEXT COLLATE "C" NOT NULL,
	requester_token_id TEXT COLLATE "C" NOT NULL DEFAULT '',
	requester_app_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
	request_body       TEXT COLLATE "C" NOT NULL,
	external_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
	status             TEXT COLLATE "C" NOT NULL,
	reason             TEXT COLLATE "C" NOT NULL DEFAULT '',
	approval_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
	symbol             TEXT COLLATE "C" NOT NULL DEFAULT '',
	decimals           INTEGER NOT NULL DEFAULT -1,
	sender             TEXT COLLATE "C" NOT NULL,
	nonce              BIGINT NOT NULL DEFAULT -1,
	unsigned_tx        TEXT COLLATE "C" NOT NULL DEFAULT '',
	signed_tx          TEXT COLLATE "C" NOT NULL DEFAULT '',
	tx_hash            TEXT COLLATE "C" NOT NULL DEFAULT '',
	fee                TEXT COLLATE "C" NOT NULL DEFAULT '',
	block_number       BIGINT NOT NULL DEFAULT 0,
	requested_at       BIGINT NOT NULL,
	policy_resolved_at BIGINT NOT NULL DEFAULT 0,
	broadcasted_at     BIGINT NOT NULL DEFAULT 0,
	confirmed_at       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX evm_requests_wallet ON evm_requests (org_id, wallet_id, kind, id);
CREATE UNIQUE INDEX evm_requests_external ON evm_requests (org_id, kind, external_id) WHERE external_id <> '';
-- The worker's queue: what is neither confirmed nor finally failed.
CREATE INDEX evm_requests_open ON evm_requests (network, status) WHERE status IN ('Executing', 'Broadcasted');
CREATE INDEX evm_requests_hash ON evm_requests (network, tx_hash) WHERE tx_hash <> '';

-- evm_nonces: the next nonce of each wallet that sent through Custos.
CREATE TABLE evm_nonces (
	wallet_id TEXT COLLATE "C" PRIMARY KEY REFERENCES wallets(id),
	next      BIGINT NOT NULL
);

-- evm_cursors: the next block the follower of a network reads.
CREATE TABLE evm_cursors (
	network    TEXT COLLATE "C" PRIMARY KEY,
	next_block BIGINT NOT NULL
);

-- evm_blocks: the hashes of the recent blocks read, to notice a
-- reorganisation (the parent of the next block is not the one read).
CREATE TABLE evm_blocks (
	network TEXT COLLATE "C" NOT NULL,
	number  BIGINT NOT NULL,
	hash    TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (network, number)
);

-- evm_events: the blockchain events of wallets (NativeTransfer,
-- Erc20Transfer, Erc721Transfer), in and out. log_index is -1 for the
-- native value of a transaction.
CREATE TABLE evm_events (
	id           TEXT COLLATE "C" PRIMARY KEY,
	org_id       TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	wallet_id    TEXT COLLATE "C" NOT NULL REFERENCES wallets(id),
	network      TEXT COLLATE "C" NOT NULL,
	kind         TEXT COLLATE "C" NOT NULL,
	direction    TEXT COLLATE "C" NOT NULL,
	block_number BIGINT NOT NULL,
	tx_hash      TEXT COLLATE "C" NOT NULL,
	log_index    BIGINT NOT NULL,
	from_addr    TEXT COLLATE "C" NOT NULL,
	to_addr      TEXT COLLATE "C" NOT NULL,
	value        TEXT COLLATE "C" NOT NULL DEFAULT '',
	token_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
	contract     TEXT COLLATE "C" NOT NULL DEFAULT '',
	symbol       TEXT COLLATE "C" NOT NULL DEFAULT '',
	decimals     INTEGER NOT NULL DEFAULT 0,
	fee          TEXT COLLATE "C" NOT NULL DEFAULT '',
	ts           BIGINT NOT NULL
);
CREATE UNIQUE INDEX evm_events_once ON evm_events (wallet_id, tx_hash, log_index, direction);
CREATE INDEX evm_events_wallet ON evm_events (org_id, wallet_id, id);
CREATE INDEX evm_events_block ON evm_events (network, block_number);

-- worker_leases: which server runs a background job that must run once
-- across replicas, until when.
CREATE TABLE worker_leases (
	name       TEXT COLLATE "C" PRIMARY KEY,
	holder     TEXT COLLATE "C" NOT NULL,
	expires_at BIGINT NOT NULL
);
