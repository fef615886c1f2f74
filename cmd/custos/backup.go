package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/custos-dev/custos/internal/app"
)

// opsFlags is the flag set of an operations command: --data (CUSTOS_DATA)
// and the command's own flags.
func opsFlags(name string, stderr io.Writer) (*flag.FlagSet, *string, error) {
	cfg := app.Defaults()
	if err := cfg.FromEnv(app.Getenv); err != nil {
		return nil, nil, err
	}
	if (name == "backup" || name == "restore") && app.IsPostgresURL(cfg.DB) {
		return nil, nil, errPostgresBackup
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", cfg.DataDir, "data directory (CUSTOS_DATA)")
	return fs, dir, nil
}

// keyReminder is printed with every backup and restore: a backup without
// its key-encryption key is useless, and the key is never in it.
const keyReminder = `custos: the backup holds the sealed key material but NOT the master key (key-encryption key):
custos:   without that key nothing in it can be opened. Back up %s (or the key you pass
custos:   with --master-key-file / CUSTOS_MASTER_KEY) separately and securely, never beside the backup.
`

// backupCmd serves `custos backup --data DIR --out FILE`.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dir, err := opsFlags("backup", stderr)
	if err != nil {
		return err
	}
	out := fs.String("out", "", "file to write the backup to (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("usage: custos backup --data DIR --out FILE")
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := app.Backup(ctx, *dir, *out)
	if err != nil {
		return err
	}
	how := "the server was not running; copied directly"
	if res.Online {
		how = "taken from the running server"
	}
	fmt.Fprintf(stdout, "custos: wrote a consistent backup of %s to %s (%d bytes, schema %d, %s; mode 0600)\n",
		filepath.Join(*dir, "custos.db"), res.Path, res.Bytes, res.Schema.Version, how)
	fmt.Fprintf(stdout, keyReminder, filepath.Join(*dir, "master.key"))
	return nil
}

// restoreCmd serves `custos restore --data DIR --in FILE`.
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dir, err := opsFlags("restore", stderr)
	if err != nil {
		return err
	}
	in := fs.String("in", "", "backup file to restore (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("usage: custos restore --data DIR --in FILE")
	}
	res, err := app.Restore(ctx, *dir, *in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "custos: restored %s into %s (schema %d; it passed SQLite's integrity and foreign key checks)\n",
		*in, res.Path, res.Schema.Version)
	if res.Aside != "" {
		fmt.Fprintf(stdout, "custos: the previous database is now %s\n", res.Aside)
	}
	fmt.Fprintf(stdout, "custos: start the server with the master key this backup was sealed with (%s, --master-key-file or CUSTOS_MASTER_KEY);\n"+
		"custos:   admin.json is not part of a backup either.\n", filepath.Join(*dir, "master.key"))
	return nil
}
