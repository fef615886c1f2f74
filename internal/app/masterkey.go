package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/sqlstore"
)

// ErrMasterKeyMissing means the database holds sealed data but no
// key-encryption key was supplied or found. Custos never makes a new key
// next to sealed data: what the old key sealed would be lost for good, and
// the new key would hide the mistake on the next start.
var ErrMasterKeyMissing = errors.New("master key missing")

// ErrMasterKeyWrong means the key-encryption key does not open the sealed
// data in the database.
var ErrMasterKeyWrong = errors.New("wrong master key")

// keySource says where the key-encryption key comes from, for messages.
func (c *Config) keySource() string {
	switch {
	case c.MasterKeyHex != "":
		return "CUSTOS_MASTER_KEY"
	case c.MasterKeyFile != "":
		return c.MasterKeyFile + " (--master-key-file)"
	default:
		return filepath.Join(c.DataDir, "master.key")
	}
}

// loadKEK returns the key-encryption key: CUSTOS_MASTER_KEY, else the file
// --master-key-file names, else DIR/master.key. A missing file is created
// with a fresh key only while the database holds no sealed data (no token
// signing key and no organisation); otherwise it refuses with
// ErrMasterKeyMissing, naming what it looked for.
func loadKEK(ctx context.Context, cfg Config, db *sqlstore.DB) (*custody.KEK, error) {
	if cfg.MasterKeyHex != "" {
		return custody.KEKFromHex(cfg.MasterKeyHex)
	}
	path := cfg.MasterKeyFile
	if path == "" {
		path = filepath.Join(cfg.DataDir, "master.key")
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		what, err := sealedData(ctx, db)
		if err != nil {
			return nil, err
		}
		if what != "" {
			dbPath := cfg.dbName()
			if cfg.MasterKeyFile != "" {
				return nil, fmt.Errorf("%w: %s holds sealed data (%s) but the master key file %s (--master-key-file / CUSTOS_MASTER_KEY_FILE) does not exist; "+
					"supply the key this data was sealed with (a new key would not open it)", ErrMasterKeyMissing, dbPath, what, path)
			}
			return nil, fmt.Errorf("%w: %s holds sealed data (%s) but no master key was found: %s does not exist and neither --master-key-file "+
				"(CUSTOS_MASTER_KEY_FILE) nor CUSTOS_MASTER_KEY is set; restore the key this data was sealed with (a new key would not open it)",
				ErrMasterKeyMissing, dbPath, what, path)
		}
	}
	return custody.LoadOrCreateKEK(path)
}

// sealedData describes the sealed material in db ("" when there is none):
// token signing keys and organisations (whose keys are sealed too).
func sealedData(ctx context.Context, db *sqlstore.DB) (string, error) {
	keys, err := db.SigningKeys(ctx)
	if err != nil {
		return "", err
	}
	orgs, err := db.Orgs(ctx)
	if err != nil {
		return "", err
	}
	if len(keys) == 0 && len(orgs) == 0 {
		return "", nil
	}
	return fmt.Sprintf("%d token signing keys, %d organisations", len(keys), len(orgs)), nil
}

// wrongKey turns a failure to open sealed data into ErrMasterKeyWrong when
// the key is at fault, naming where the key came from.
func (a *App) wrongKey(what, sealedWith string, err error) error {
	if !errors.Is(err, custody.ErrUnknownKEK) && !errors.Is(err, custody.ErrOpen) {
		return fmt.Errorf("open %s: %w", what, err)
	}
	return fmt.Errorf("%w: the master key from %s (key id %s) does not open %s in %s, sealed under key id %s; "+
		"supply the key this data was sealed with (DIR/master.key, --master-key-file or CUSTOS_MASTER_KEY)",
		ErrMasterKeyWrong, a.Config.keySource(), a.Keyring.ActiveID(), what, a.Config.dbName(), sealedWith)
}
