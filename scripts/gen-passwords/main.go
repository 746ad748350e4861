// Command gen-passwords writes the list of common passwords that package account/password
// embeds (account/password/common.txt.gz).
//
// Its source is the "passwords" frequency list of the npm package zxcvbn 4.4.2 (MIT licence,
// © Dan Wheeler and Dropbox, Inc.): about 30 000 passwords found in breaches, most common first.
// Ladda refuses passwords shorter than 12 characters, so most entries can never be chosen as
// they are; what users do instead is pad a short favourite until it is long enough. The output
// therefore holds:
//
//   - every entry of 12 or more characters, and
//   - for every entry of 8 to 11 characters, each padded form (see paddings) that reaches 12
//     characters: the word with a common suffix appended, and the word typed twice.
//
// Entries are lowercased, deduplicated, sorted bytewise and written one per line, gzipped with
// a zero timestamp so that the same input always gives the same file.
//
// Usage (go generate in account/password runs it):
//
//	go run ./scripts/gen-passwords -out account/password/common.txt.gz [-in frequency_lists.js]
//
// Without -in it runs `npm pack zxcvbn@4.4.2` in a temporary directory (npm checks the
// registry's integrity hash) and reads lib/frequency_lists.js from the tarball.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// pkg is the npm package the list comes from; listFile is the file inside its tarball.
const (
	pkg      = "zxcvbn@4.4.2"
	listFile = "package/lib/frequency_lists.js"
)

// The lengths that matter: Ladda's minimum, and the shortest entry worth padding.
const (
	minLength = 12
	minPadded = 8
)

// paddings are the suffixes people append to reach a length requirement. The word typed twice
// is added separately.
var paddings = []string{"1", "12", "123", "1234", "!", "2024", "2025", "2026"}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen-passwords:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen-passwords", flag.ContinueOnError)
	in := fs.String("in", "", "path of zxcvbn's lib/frequency_lists.js (default: fetch "+pkg+" with npm)")
	out := fs.String("out", "common.txt.gz", "path of the gzipped list to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var src []byte
	var err error
	if *in != "" {
		src, err = os.ReadFile(*in)
	} else {
		src, err = fetch()
	}
	if err != nil {
		return err
	}
	words, err := passwords(src)
	if err != nil {
		return err
	}
	list := expand(words)
	data, err := compress(list)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d source passwords, %d entries, %d bytes\n", *out, len(words), len(list), len(data))
	return nil
}

// fetch runs npm pack in a temporary directory and returns the list file from the tarball.
func fetch() ([]byte, error) {
	dir, err := os.MkdirTemp("", "gen-passwords-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("npm", "pack", pkg, "--silent")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	name, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("npm pack %s: %w", pkg, err)
	}
	f, err := os.Open(filepath.Join(dir, strings.TrimSpace(string(name))))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s has no %s", name, listFile)
		} else if err != nil {
			return nil, err
		}
		if h.Name == listFile {
			return io.ReadAll(io.LimitReader(tr, 16<<20))
		}
	}
}

// passwords returns the entries of the "passwords" list in frequency_lists.js, which holds one
// line per list: `  passwords: "123456,password,…".split(","),`.
func passwords(src []byte) ([]string, error) {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), `passwords: "`)
		if !ok {
			continue
		}
		body, ok := strings.CutSuffix(rest, `".split(","),`)
		if !ok {
			return nil, errors.New(`the passwords line does not end in ".split(",")`)
		}
		words := strings.Split(body, ",")
		if len(words) < 10000 {
			return nil, fmt.Errorf("the passwords list has only %d entries", len(words))
		}
		return words, nil
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("no passwords list found")
}

// expand returns the sorted, deduplicated, lowercased entries worth embedding.
func expand(words []string) []string {
	seen := make(map[string]bool)
	add := func(s string) {
		if utf8.RuneCountInString(s) >= minLength {
			seen[s] = true
		}
	}
	for _, w := range words {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" || strings.ContainsAny(w, "\n\r") {
			continue
		}
		n := utf8.RuneCountInString(w)
		add(w)
		if n < minPadded || n >= minLength {
			continue
		}
		for _, p := range paddings {
			add(w + p)
		}
		add(w + w)
	}
	list := make([]string, 0, len(seen))
	for w := range seen {
		list = append(list, w)
	}
	slices.Sort(list)
	return list
}

// compress returns list as gzipped lines.
func compress(list []string) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	for _, w := range list {
		if _, err := io.WriteString(zw, w+"\n"); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
