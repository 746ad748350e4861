package ladda_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ladda-csms/ladda"

type pkg struct {
	ImportPath string
	Doc        string
	Imports    []string
}

// listPackages returns every package of the module with its non-test imports.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Doc,Imports", "./...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func rel(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

func ours(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

// thirdParty reports whether path is outside the standard library and the module.
func thirdParty(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !ours(path) && strings.Contains(first, ".")
}

// domainOrder lists the domain packages; each may import only those before it.
var domainOrder = []string{"account", "station", "charging", "notification", "billing", "smartcharging", "monitoring"}

// owners says which package alone may import a third-party library (by import path prefix).
var owners = map[string][]string{
	"github.com/lxzan/gws":                  {"gateway"},
	"modernc.org/sqlite":                    {"store/sqlite"},
	"github.com/jackc/pgx":                  {"store/postgres"},
	"github.com/nats-io":                    {"bus/natsbus"},
	"github.com/stripe":                     {"billing/stripe"},
	"github.com/prometheus":                 {"metrics"},
	"github.com/danielgtaylor/huma":         {"httpapi"},
	"github.com/santhosh-tekuri/jsonschema": {"ocpp/schema"},
	"github.com/pressly/goose":              {"store/sqlite", "store/postgres", "store/internal/sqldb"},
	"github.com/lorenzodonini/ocpp-go":      {}, // tests only
	"golang.org/x/crypto/argon2":            {"account/password"},
	"github.com/pquerna/otp":                {"account/totp"},
	"github.com/wneessen/go-mail":           {"notify"},
	"github.com/go-pdf/fpdf":                {"billing/invoicepdf"},
	"golang.org/x/image":                    {"billing/invoicepdf"},
	"github.com/ledongthuc/pdf":             {}, // tests only
}

func TestArchitecture(t *testing.T) {
	t.Parallel()
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		for _, imp := range p.Imports {
			switch {
			case name == ".":
				if ours(imp) || thirdParty(imp) {
					t.Errorf("root package imports %s: it may import only the standard library", imp)
				}
			case slices.Contains(domainOrder, name):
				if thirdParty(imp) {
					t.Errorf("domain package %s imports %s: domain packages use only the standard library", name, imp)
				}
				// A domain package may import its own leaves (account/password: rules and a
				// hashing library it alone owns).
				if ours(imp) && imp != module && !strings.HasPrefix(rel(imp), name+"/") {
					i, j := slices.Index(domainOrder, name), slices.Index(domainOrder, rel(imp))
					if j < 0 || j >= i {
						t.Errorf("domain package %s imports %s: only the root and earlier domain packages (%v) are allowed", name, rel(imp), domainOrder)
					}
				}
			case name == "ocpp/ocppj" || name == "ocpp/v16" || name == "ocpp/v201":
				if ours(imp) || thirdParty(imp) {
					t.Errorf("protocol leaf %s imports %s: leaves import only the standard library", name, imp)
				}
			}
			for prefix, allowed := range owners {
				if strings.HasPrefix(imp, prefix) && !slices.Contains(allowed, name) {
					t.Errorf("%s imports %s; only %v may", name, imp, allowed)
				}
			}
			// Helper packages for tests are for _test.go files; the simulator package also
			// powers the sim and load commands.
			if ours(imp) && strings.HasSuffix(imp, "test") && !(name == "cmd/ladda" && rel(imp) == "ocpp/ocpptest") {
				t.Errorf("%s imports the test helper %s outside a _test.go file", name, rel(imp))
			}
		}
	}
}

func TestEveryPackageHasADocComment(t *testing.T) {
	t.Parallel()
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no doc comment", rel(p.ImportPath))
		}
	}
}
