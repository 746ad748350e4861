package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/account/password"
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
	loc := dbFlags(fs)
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
	db, err := loc.open(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	accounts := account.NewService(db, account.Options{Hasher: password.NewHasher(password.DefaultParams, 0)})

	switch sub {
	case "create":
		if *name == "" {
			return usageError{"apikey create: --name is required"}
		}
		k, secret, err := accounts.CreateAPIKey(ctx, account.KeySpec{Name: *name, Scopes: []account.Scope{account.ScopeAdmin}})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Created API key %d (%s, a system key: it may do everything). It is shown only now; keep it safe:\n", k.ID, k.Name)
		fmt.Fprintln(stdout, secret)
	case "list":
		keys, err := accounts.APIKeys(ctx, 0)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tORGANISATION\tSCOPES\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			org := "-"
			if k.OrgID != 0 {
				org = strconv.FormatInt(k.OrgID, 10)
			}
			scopes := make([]string, len(k.Scopes))
			for i, sc := range k.Scopes {
				scopes[i] = string(sc)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, org, strings.Join(scopes, ","), k.CreatedAt.Format(time.RFC3339), fmtTime(k.LastUsedAt), fmtTime(k.RevokedAt))
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

// dbLocation is where the commands that work on the database directly find it: the database
// and the data directory that holds the key of its encrypted columns.
type dbLocation struct{ dsn, dataDir *string }

// dbFlags adds --db and --data-dir to fs.
func dbFlags(fs *flag.FlagSet) dbLocation {
	return dbLocation{
		dsn:     fs.String("db", "", "database (env LADDA_DB, default ladda.db)"),
		dataDir: fs.String("data-dir", "", "data directory with encryption.key (env LADDA_DATA_DIR, default ladda-data); or set LADDA_ENCRYPTION_KEY"),
	}
}

// open opens the database with the keys of its encrypted columns and brings its schema up to
// date.
func (l dbLocation) open(ctx context.Context, getenv func(string) string) (store, error) {
	dsn, dataDir := *l.dsn, *l.dataDir
	if dsn == "" {
		dsn = getenv("LADDA_DB")
	}
	if dsn == "" {
		dsn = config.Default().DB
	}
	if dataDir == "" {
		dataDir = getenv("LADDA_DATA_DIR")
	}
	if dataDir == "" {
		dataDir = config.Default().DataDir
	}
	sealer, err := keyring(getenv("LADDA_ENCRYPTION_KEY"), dataDir, false)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, dsn, 0, sealer, slog.New(slog.DiscardHandler))
}

// migrate brings the schema up to date: opening the store runs the migrations.
func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ladda migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	loc := dbFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := loc.open(ctx, getenv)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database schema is up to date")
	return db.Close()
}
