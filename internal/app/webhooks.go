package app

import "github.com/custos-dev/custos/internal/webhook"

// wireWebhooks builds the webhook service, its delivery worker (run by
// Serve in the worker group) and the event emitter every service records
// its events with (docs/protocol/webhooks.md).
func (a *App) wireWebhooks() {
	c := a.Config
	a.Webhooks = webhook.New(a.DB, a.Keyring, webhook.Config{
		Guard:       webhook.Guard{AllowPrivate: c.WebhookAllowPrivate},
		Timeout:     c.WebhookTimeout,
		RetryDelays: c.WebhookRetryDelays,
	})
	// On SQLite this process owns the database: leases left by a
	// previous run end at start.
	a.webhooks = webhook.NewWorker(a.Webhooks, a.Logger, c.DB == "")
	a.Events = webhook.NewEmitter(a.DB, a.webhooks.Wake)
}
