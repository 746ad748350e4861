// Command ladda is the Ladda charging station management system in one binary:
//
//	ladda serve          run the server (HTTP API, OCPP WebSocket, health and metrics on one port)
//	ladda migrate        bring the database schema up to date and exit
//	ladda apikey create  create an admin API key (printed as the last line)
//	ladda apikey list    list API keys
//	ladda apikey revoke  revoke an API key by id
//	ladda sim            run simulated charging stations against a server
//	ladda load           generate load against a server and report throughput and latency
//
// Run "ladda COMMAND -h" for the flags of a command. Every flag of serve also reads an
// environment variable (LADDA_LISTEN, LADDA_DB, …); flags win.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ladda:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

const usage = `usage: ladda COMMAND [flags]

commands:
  serve            run the server
  migrate          bring the database schema up to date and exit
  apikey create    create an admin API key; the key is the last line printed
  apikey list      list API keys
  apikey revoke    revoke an API key by id
  user create-admin  create an administrator who signs in with email and password
  rekey            re-encrypt personal data under the first key of --encryption-key
  sim              run simulated charging stations against a server
  load             generate load against a server and report throughput and latency
  version          print the version

Run "ladda COMMAND -h" for the flags of a command.
`

// run is the whole program: main only supplies the process's arguments, environment and
// output, so tests run the real thing in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "apikey":
		return apikey(ctx, rest, getenv, stdout, stderr)
	case "user":
		return user(ctx, rest, getenv, stdout, stderr)
	case "rekey":
		return rekey(ctx, rest, getenv, stdout, stderr)
	case "sim":
		return sim(ctx, rest, getenv, stdout, stderr)
	case "load":
		return load(ctx, rest, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "ladda", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}
