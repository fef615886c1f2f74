package identity

import (
	"context"

	"github.com/custos-dev/custos/internal/mail"
	"github.com/custos-dev/custos/internal/regcode"
)

// SetMailer makes CreateUser email a registration code to every user it
// creates without a public key (docs/protocol/registration.md). Without a
// mailer no code is issued; PUT /auth/registration/code then answers that
// email is not configured. Call it before the service is used.
func (s *Service) SetMailer(m mail.Sender) { s.mailer = m }

// invite gives u a fresh registration code, when a mailer is set, and
// returns the code to send once u is stored ("" for none).
func (s *Service) invite(u *User) string {
	if s.mailer == nil || u.IsRegistered {
		return ""
	}
	code := regcode.New()
	u.RegistrationCode, u.RegistrationExpiry = regcode.Hash(u.ID, code), s.now().Add(regcode.TTL)
	return code
}

// sendInvite emails code to u. The user exists whatever happens: a failure
// is logged by the mailer, and PUT /auth/registration/code sends a new code.
func (s *Service) sendInvite(ctx context.Context, u *User, code string) {
	if code == "" {
		return
	}
	subject, text := regcode.Mail(u.Username, code, u.RegistrationExpiry)
	_ = s.mailer.Send(context.WithoutCancel(ctx), mail.Message{To: u.Name, Subject: subject, Text: text})
}
