package keys

import (
	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/validate"
)

// Input limits of the key bodies (docs/security.md, "Input limits and
// operational defaults"). Encoded values are bounded here; their parsers
// check the content.

func checkName(name *string) error {
	return validate.OptName("name", name)
}

func (in *DeriveInput) check() error {
	if in.Domain != nil {
		if err := validate.Printable("domain", *in.Domain, validate.MaxData); err != nil {
			return err
		}
	}
	if in.Seed != nil {
		return validate.Printable("seed", *in.Seed, validate.MaxData)
	}
	return nil
}

func (in *ImportInput) check() error {
	if err := checkName(in.Name); err != nil {
		return err
	}
	if err := validate.Word("curve", in.Curve); err != nil {
		return err
	}
	if err := validate.Word("protocol", in.Protocol); err != nil {
		return err
	}
	if len(in.EncryptedKeyShares) > 64 {
		return apierr.BadRequest("encryptedKeyShares: at most 64 shares")
	}
	for _, s := range in.EncryptedKeyShares {
		if err := validate.Printable("encryptedKeyShares.signerId", s.SignerID, validate.MaxID); err != nil {
			return err
		}
		if err := validate.Printable("encryptedKeyShares.encryptedKeyShare", s.EncryptedKeyShare, validate.MaxData); err != nil {
			return err
		}
	}
	return nil
}

func (in *ExportInput) check() error {
	if err := validate.Printable("encryptionKey", in.EncryptionKey, validate.MaxData); err != nil {
		return err
	}
	if len(in.SupportedSchemes) > 64 {
		return apierr.BadRequest("supportedSchemes: at most 64 entries")
	}
	for _, pc := range in.SupportedSchemes {
		if err := validate.Word("supportedSchemes.protocol", pc.Protocol); err != nil {
			return err
		}
		if err := validate.Word("supportedSchemes.curve", pc.Curve); err != nil {
			return err
		}
	}
	return nil
}

// checkEnvelope bounds the fields every signature request body shares.
func (e *envelope) check() error {
	if err := validate.Word("kind", e.Kind); err != nil {
		return err
	}
	if e.Network != nil {
		if err := validate.Word("network", *e.Network); err != nil {
			return err
		}
	}
	if e.ExternalID != nil {
		if *e.ExternalID == "" {
			return apierr.BadRequest("externalId: must be a non-empty string of at most %d bytes", validate.MaxExternalID)
		}
		return validate.ExternalID("externalId", *e.ExternalID)
	}
	return nil
}
