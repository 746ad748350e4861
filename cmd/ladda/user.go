package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/account/password"
)

// user manages users directly in the database: today it creates the first administrator, who
// then invites everyone else through the API.
func user(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create-admin" {
		return usageError{"user: want a subcommand: create-admin"}
	}
	fs := flag.NewFlagSet("ladda user create-admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	loc := dbFlags(fs)
	email := fs.String("email", "", "the administrator's email address (required)")
	name := fs.String("name", "", "their name")
	pwFile := fs.String("password-file", "", "a file whose first line is the password (required; at least 12 characters, not a common one)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("user create-admin: unexpected argument %q", fs.Arg(0))}
	}
	if *email == "" || *pwFile == "" {
		return usageError{"user create-admin: --email and --password-file are required"}
	}
	raw, err := os.ReadFile(*pwFile)
	if err != nil {
		return fmt.Errorf("reading the password: %w", err)
	}
	pw, _, _ := strings.Cut(string(raw), "\n")
	db, err := loc.open(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	accounts := account.NewService(db, account.Options{Hasher: password.NewHasher(password.DefaultParams, 0)})
	u, err := accounts.BootstrapAdmin(ctx, *email, *name, strings.TrimRight(pw, "\r"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created administrator %d (%s). Sign in with POST /api/v1/auth/login.\n", u.ID, u.Email)
	return nil
}

// rekey rewrites the encrypted columns under the first key of the keyring, so that older keys
// can be retired (docs/operator-guide.md, "Secrets").
func rekey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ladda rekey", flag.ContinueOnError)
	fs.SetOutput(stderr)
	loc := dbFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("rekey: unexpected argument %q", fs.Arg(0))}
	}
	db, err := loc.open(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Reseal(ctx)
	if err != nil {
		return fmt.Errorf("re-encrypting (%d rows done; run it again to finish): %w", n, err)
	}
	fmt.Fprintf(stdout, "Re-encrypted %d rows under the first key; the other keys may now be removed.\n", n)
	return nil
}
