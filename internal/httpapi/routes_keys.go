package httpapi

// keyRoutes registers keys, signature requests and wallets
// (docs/protocol/keys-wallets.md §2–§4). Wallet signature requests are key signature
// requests and need the Keys:Signatures operations.
func (s *Server) keyRoutes() {
	s.handle("GET /keys", s.listKeys, needs("Keys:Read"))
	s.handle("POST /keys", s.createKey, signed, needs("Keys:Create"))
	s.handle("POST /keys/import", s.importKey, signed, needs("Keys:Import"))
	s.handle("GET /keys/{keyId}", s.getKey, needs("Keys:Read"))
	s.handle("PUT /keys/{keyId}", s.updateKey, signed, needs("Keys:Update"))
	s.handle("DELETE /keys/{keyId}", s.deleteKey, signed, needs("Keys:Delete"))
	s.handle("POST /keys/{keyId}/delegate", s.delegateKey, signed, needs("Keys:Delegate"))
	s.handle("POST /keys/{keyId}/derive", s.deriveKey, signed, needs("Keys:Derive"))
	s.handle("POST /keys/{keyId}/export", s.exportKey, signed, needs("Keys:Export"))
	s.handle("GET /keys/{keyId}/signatures", s.listKeySignatures, needs("Keys:Signatures:Read"))
	s.handle("POST /keys/{keyId}/signatures", s.createKeySignature, signed, needs("Keys:Signatures:Create"))
	s.handle("GET /keys/{keyId}/signatures/{signatureId}", s.getKeySignature, needs("Keys:Signatures:Read"))

	// Key import encryption keys (the one /signers call key import needs;
	// the rest of the key-stores area stays Dfns-only).
	s.handle("GET /signers", s.listSigners, needs("Signers:ListSigners"))

	s.handle("GET /wallets", s.listWallets, needs("Wallets:Read"))
	s.handle("POST /wallets", s.createWallet, signed, needs("Wallets:Create"))
	s.handle("GET /wallets/{walletId}", s.getWallet, needs("Wallets:Read"))
	s.handle("PUT /wallets/{walletId}", s.updateWallet, signed, needs("Wallets:Update"))
	s.handle("POST /wallets/{walletId}/activate", s.activateWallet, signed, needs("Wallets:Update"))
	s.handle("PUT /wallets/{walletId}/tags", s.tagWallet, signed, needs("Wallets:Tags:Add"))
	s.handle("DELETE /wallets/{walletId}/tags", s.untagWallet, signed, needs("Wallets:Tags:Delete"))
	s.handle("POST /wallets/{walletId}/delegate", s.delegateWallet, signed, needs("Keys:Delegate"))
	s.handle("POST /wallets/{walletId}/export", s.exportWallet, signed, needs("Keys:Export"))
	s.handle("GET /wallets/{walletId}/signatures", s.listWalletSignatures, needs("Keys:Signatures:Read"))
	s.handle("POST /wallets/{walletId}/signatures", s.createWalletSignature, signed, needs("Keys:Signatures:Create"))
	s.handle("GET /wallets/{walletId}/signatures/{signatureId}", s.getWalletSignature, needs("Keys:Signatures:Read"))
}
