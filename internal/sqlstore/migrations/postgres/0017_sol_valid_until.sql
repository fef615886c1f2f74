-- Solana requests (docs/protocol/sol-transfers.md §4): the last block height
-- at which the signed transaction of a request can land (the
-- lastValidBlockHeight of the newest blockhash when it was signed, an upper
-- bound of its own blockhash's), written in the unit of work that stores the
-- signed transaction. Once the node's finalized block height passes it and
-- the node does not know the signature, the transaction can never land.
CREATE TABLE sol_valid_until (
	request_id        TEXT PRIMARY KEY REFERENCES evm_requests(id),
	last_valid_height BIGINT NOT NULL
);
