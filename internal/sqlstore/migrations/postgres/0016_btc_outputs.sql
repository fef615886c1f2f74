-- Bitcoin-family wallets (docs/protocol/btc-transfers.md): their requests,
-- events, cursors and block hashes share the tables of migration 0011;
-- btc_outputs holds the outputs (unspent and spent) that pay
-- them, as the follower reads them from the chain.

-- btc_outputs: one row per output paying a wallet; block_number is -1 for
-- the change of a wallet's own transaction not yet mined. coinbase is 1 for a
-- block reward (spendable 100 blocks later); spent_tx/spent_block name the
-- transaction and block that spent it ('' and 0 while unspent);
-- reserved_by is the request whose transaction spends it, set when the
-- request is stored and cleared when it fails.
CREATE TABLE btc_outputs (
	network      TEXT COLLATE "C" NOT NULL,
	tx_hash      TEXT COLLATE "C" NOT NULL,
	vout         BIGINT NOT NULL,
	org_id       TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	wallet_id    TEXT COLLATE "C" NOT NULL REFERENCES wallets(id),
	value        BIGINT NOT NULL,
	pk_script    TEXT COLLATE "C" NOT NULL,
	block_number BIGINT NOT NULL,
	coinbase     BIGINT NOT NULL DEFAULT 0,
	spent_tx     TEXT COLLATE "C" NOT NULL DEFAULT '',
	spent_block  BIGINT NOT NULL DEFAULT 0,
	reserved_by  TEXT COLLATE "C" NOT NULL DEFAULT '',
	PRIMARY KEY (network, tx_hash, vout)
);
CREATE INDEX btc_outputs_wallet ON btc_outputs (wallet_id, spent_tx);
CREATE INDEX btc_outputs_block ON btc_outputs (network, block_number);
CREATE INDEX btc_outputs_spent ON btc_outputs (network, spent_block) WHERE spent_block > 0;
CREATE INDEX btc_outputs_reserved ON btc_outputs (reserved_by) WHERE reserved_by <> '';
