package app

import "github.com/custos-dev/custos/internal/mail"

// mailer returns the configured SMTP sender, set on the identity service
// too (createUser emails registration codes), or nil without --smtp-url.
func (a *App) mailer() (mail.Sender, error) {
	if a.Config.SMTPURL == "" {
		return nil, nil
	}
	if a.Config.SMTPFrom == "" {
		a.Config.SMTPFrom = "custos@localhost"
	}
	m, err := mail.NewSMTP(a.Config.SMTPURL, a.Config.SMTPFrom, a.Logger)
	if err != nil {
		return nil, err
	}
	a.Identity.SetMailer(m)
	return m, nil
}
