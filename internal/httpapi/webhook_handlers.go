package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/webhook"
)

// webhookRoutes registers webhooks and their events
// (docs/protocol/webhooks.md §2–§3).
func (s *Server) webhookRoutes() {
	if s.Webhooks == nil {
		return
	}
	s.handle("GET /webhooks", s.listWebhooks, needs("Webhooks:Read"))
	s.handle("POST /webhooks", s.createWebhook, signed, needs("Webhooks:Create"))
	s.handle("GET /webhooks/{webhookId}", s.getWebhook, needs("Webhooks:Read"))
	s.handle("PUT /webhooks/{webhookId}", s.updateWebhook, signed, needs("Webhooks:Update"))
	s.handle("DELETE /webhooks/{webhookId}", s.deleteWebhook, signed, needs("Webhooks:Delete"))
	s.handle("POST /webhooks/{webhookId}/ping", s.pingWebhook, signed, needs("Webhooks:Ping"))
	s.handle("GET /webhooks/{webhookId}/events", s.listWebhookEvents, needs("Webhooks:Events:Read"))
	s.handle("GET /webhooks/{webhookId}/events/{webhookEventId}", s.getWebhookEvent, needs("Webhooks:Events:Read"))
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.Webhooks.List(r.Context(), principal.From(r.Context()), pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(items, next))
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhook.CreateInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Webhooks.Create(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, v, err)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Webhooks.Get(r.Context(), principal.From(r.Context()), r.PathValue("webhookId"))
	return reply(w, v, err)
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhook.UpdateInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Webhooks.Update(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("webhookId"), &in)
	return reply(w, v, err)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Webhooks.Delete(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("webhookId"))
	return reply(w, v, err)
}

// pingWebhook stores nothing: the route consumes the user action.
func (s *Server) pingWebhook(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Webhooks.Ping(r.Context(), principal.From(r.Context()), r.PathValue("webhookId"))
	return reply(w, v, err)
}

func (s *Server) listWebhookEvents(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := webhook.EventFilter{Kind: q.Get("kind")}
	switch v := q.Get("deliveryFailed"); v {
	case "":
	case "true", "false":
		b := v == "true"
		f.DeliveryFailed = &b
	default:
		return apierr.BadRequest("deliveryFailed must be true or false")
	}
	items, next, err := s.Webhooks.Events(r.Context(), principal.From(r.Context()), r.PathValue("webhookId"), f, pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(items, next))
}

func (s *Server) getWebhookEvent(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Webhooks.Event(r.Context(), principal.From(r.Context()), r.PathValue("webhookId"), r.PathValue("webhookEventId"))
	return reply(w, v, err)
}
