package httpapi

import "net/http"

// routes is the route table: each line names the operation the caller needs
// and whether a user action signature is required (docs/protocol/auth.md §2).
func (s *Server) routes() {
	// System.
	s.handle("GET /healthz", s.healthz, public)
	s.handle("GET /readyz", s.readyz, public)
	s.handle("GET /.well-known/jwks.json", s.jwks, public)
	if !s.MetricsApart {
		s.mux.Handle("GET /metrics", s.metrics.handler())
	}

	// Login and user action signing (docs/protocol/auth.md §2.1, §3, §6).
	s.handle("POST /auth/login/init", s.loginInit, public)
	s.handle("POST /auth/login", s.login, public)
	s.handle("PUT /auth/logout", s.logout)
	s.handle("POST /auth/action/init", s.actionInit)
	s.handle("POST /auth/action", s.action)

	// Credentials (docs/protocol/identities.md §7).
	s.handle("GET /auth/credentials", s.listCredentials)
	s.handle("POST /auth/credentials/init", s.credentialInit)
	s.handle("POST /auth/credentials", s.createCredential, signed)
	s.handle("PUT /auth/credentials/activate", s.activateCredential, signed)
	s.handle("PUT /auth/credentials/deactivate", s.deactivateCredential, signed)
	s.handle("DELETE /auth/credentials/{id}", s.archiveCredential, signed)

	// Audit log (docs/protocol/README.md, Decision 8).
	s.handle("GET /auth/action/logs", s.listAuditLogs, needs("Auth:Logs:Read"))
	s.handle("GET /auth/action/logs/{id}", s.getAuditLog, needs("Auth:Logs:Read"))

	// Users (docs/protocol/identities.md §3).
	s.handle("GET /auth/users", s.listUsers, needs("Auth:Users:Read"))
	s.handle("POST /auth/users", s.createUser, signed, needs("Auth:Users:Create"))
	s.handle("GET /auth/users/{id}", s.getUser, needs("Auth:Users:Read"))
	s.handle("PUT /auth/users/{id}", s.updateUser, signed, needs("Auth:Users:Update"))
	s.handle("DELETE /auth/users/{id}", s.archiveUser, signed, needs("Auth:Users:Delete"))
	s.handle("PUT /auth/users/{id}/activate", s.activateUser, signed, needs("Auth:Users:Activate"))
	s.handle("PUT /auth/users/{id}/deactivate", s.deactivateUser, signed, needs("Auth:Users:Deactivate"))

	// Service accounts (docs/protocol/identities.md §4).
	s.handle("GET /auth/service-accounts", s.listServiceAccounts, needs("Auth:ServiceAccounts:Read"))
	s.handle("POST /auth/service-accounts", s.createServiceAccount, signed, needs("Auth:ServiceAccounts:Create"))
	s.handle("GET /auth/service-accounts/{id}", s.getServiceAccount, needs("Auth:ServiceAccounts:Read"))
	s.handle("PUT /auth/service-accounts/{id}", s.updateServiceAccount, signed, needs("Auth:ServiceAccounts:Update"))
	s.handle("DELETE /auth/service-accounts/{id}", s.archiveServiceAccount, signed, needs("Auth:ServiceAccounts:Delete"))
	s.handle("PUT /auth/service-accounts/{id}/activate", s.activateServiceAccount, signed, needs("Auth:ServiceAccounts:Activate"))
	s.handle("PUT /auth/service-accounts/{id}/deactivate", s.deactivateServiceAccount, signed, needs("Auth:ServiceAccounts:Deactivate"))

	// Personal access tokens (docs/protocol/identities.md §5): a user's own tokens.
	s.handle("GET /auth/pats", s.listPats)
	s.handle("POST /auth/pats", s.createPat, signed, needs("Auth:Pats:Create"))
	s.handle("GET /auth/pats/{id}", s.getPat)
	s.handle("PUT /auth/pats/{id}", s.updatePat, signed)
	s.handle("DELETE /auth/pats/{id}", s.archivePat, signed)
	s.handle("PUT /auth/pats/{id}/activate", s.activatePat, signed)
	s.handle("PUT /auth/pats/{id}/deactivate", s.deactivatePat, signed)

	// Applications (docs/protocol/identities.md §6).
	s.handle("GET /auth/apps", s.listApps, needs("Auth:Apps:Read"))
	s.handle("POST /auth/apps", s.createApp, signed, needs("Auth:Apps:Create"))
	s.handle("GET /auth/apps/{id}", s.getApp, needs("Auth:Apps:Read"))
	s.handle("PUT /auth/apps/{id}", s.updateApp, signed, needs("Auth:Apps:Update"))
	s.handle("DELETE /auth/apps/{id}", s.archiveApp, signed, needs("Auth:Apps:Update"))
	s.handle("PUT /auth/apps/{id}/activate", s.activateApp, signed, needs("Auth:Apps:Update"))
	s.handle("PUT /auth/apps/{id}/deactivate", s.deactivateApp, signed, needs("Auth:Apps:Update"))

	// Permissions (docs/protocol/permissions.md §2).
	s.handle("GET /permissions", s.listPermissions, needs("Permissions:Read"))
	s.handle("POST /permissions", s.createPermission, signed, needs("Permissions:Create"))
	s.handle("GET /permissions/{id}", s.getPermission, needs("Permissions:Read"))
	s.handle("PUT /permissions/{id}", s.updatePermission, signed, needs("Permissions:Update"))
	s.handle("PUT /permissions/{id}/archive", s.archivePermission, signed, needs("Permissions:Archive"))
	s.handle("GET /permissions/{id}/assignments", s.listAssignments, needs("Permissions:Assignments:Read"))
	s.handle("POST /permissions/{id}/assignments", s.createAssignment, signed, needs("Permissions:Assign"))
	s.handle("DELETE /permissions/{id}/assignments/{aid}", s.deleteAssignment, signed, needs("Permissions:Revoke"))

	// Dfns-only product areas (docs/protocol/README.md, Decision 10).
	for _, area := range []string{"agreements", "allocations", "exchanges", "fee-sponsors", "payins", "payouts",
		"signers", "key-stores", "staking", "swaps", "vaults"} {
		s.handle("/"+area, s.notProvided(area))
		s.handle("/"+area+"/", s.notProvided(area))
	}
	s.handle("/networks/{network}/validators", s.notProvided("Canton validators"))
	s.handle("/networks/{network}/validators/", s.notProvided("Canton validators"))

	s.evmRoutes()
	s.keyRoutes()
	s.policyRoutes()
	s.webhookRoutes()
	s.peopleRoutes()

	s.handle("/", func(w http.ResponseWriter, r *http.Request) error { return errNoRoute(r) }, public)
}
