package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/config"
)

// apikey manages API keys directly in the database, so that it works whether or not a server
// is running on it (SQLite allows a second writer process; the write waits for its turn).
func apikey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"apikey: want a subcommand: create, list or revoke"}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("ladda apikey "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", "", "database (env LADDA_DB, default ladda.db)")
	var name *string
	var id *int64
	switch sub {
	case "create":
		name = fs.String("name", "", "a name that says who or what uses the key (required)")
	case "list":
	case "revoke":
		id = fs.Int64("id", 0, "id of the key to revoke (see apikey list)")
	default:
		return usageError{fmt.Sprintf("apikey: unknown subcommand %q (create, list, revoke)", sub)}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("apikey %s: unexpected argument %q", sub, fs.Arg(0))}
	}
	db, err := openDB(ctx, *dsn, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	accounts := account.NewService(db, nil)

	switch sub {
	case "create":
		if *name == "" {
			return usageError{"apikey create: --name is required"}
		}
		k, secret, err := accounts.CreateAPIKey(ctx, *name, account.Admin)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Created API key %d (%s, role %s). It is shown only now; keep it safe:\n", k.ID, k.Name, k.Role)
		fmt.Fprintln(stdout, secret)
	case "list":
		keys, err := accounts.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tROLE\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, k.Role, k.CreatedAt.Format(time.RFC3339), fmtTime(k.LastUsedAt), fmtTime(k.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		if *id <= 0 {
			return usageError{"apikey revoke: --id is required"}
		}
		if err := accounts.RevokeAPIKey(ctx, *id); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "Revoked API key "+strconv.FormatInt(*id, 10))
	}
	return nil
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// openDB opens the database of --db, LADDA_DB or the default, for the administrative commands.
func openDB(ctx context.Context, dsn string, getenv func(string) string) (store, error) {
	if dsn == "" {
		dsn = getenv("LADDA_DB")
	}
	if dsn == "" {
		dsn = config.Default().DB
	}
	return openStore(ctx, dsn, 0, slog.New(slog.DiscardHandler))
}

// migrate brings the schema up to date: opening the store runs the migrations.
func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ladda migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", "", "database (env LADDA_DB, default ladda.db)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, getenv)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database schema is up to date")
	return db.Close()
}
