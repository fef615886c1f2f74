package identity

import "github.com/custos-dev/custos/internal/validate"

// Input limits of the identity bodies (docs/security.md, "Input limits and
// operational defaults").

// check validates the fields of a PAT or service account update.
func (in *UpdateTokenInput) check() error {
	if in.Name != nil {
		if err := validate.Name("name", *in.Name); err != nil {
			return err
		}
	}
	return validate.OptExternalID("externalId", in.ExternalID)
}

// checkFields validates the text fields of an application body: name as a
// name, relyingPartyId as a DNS name, origin as a web origin. Absent
// fields pass; required ones are the caller's business.
func (in *AppInput) checkFields() error {
	if in.Name != nil {
		if err := validate.Name("name", *in.Name); err != nil {
			return err
		}
	}
	if err := validate.Word("kind", in.Kind); err != nil {
		return err
	}
	if in.RelyingPartyID != nil && *in.RelyingPartyID != "" {
		if err := validate.DNSName("relyingPartyId", *in.RelyingPartyID); err != nil {
			return err
		}
	}
	if in.Origin != nil && *in.Origin != "" {
		if err := validate.Origin("origin", *in.Origin); err != nil {
			return err
		}
	}
	return validate.OptExternalID("externalId", in.ExternalID)
}
