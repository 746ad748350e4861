// Package password checks and hashes the passwords of users, following NIST SP 800-63B.
//
// Rules for choosing a password (Check):
//
//   - At least MinLength (12) and at most MaxLength (256) characters, counted as Unicode code
//     points, so that "ä" or "€" counts as one. Any character is allowed, spaces included;
//     there are no composition rules ("must contain a digit"), which only make passwords
//     harder to remember without making them harder to guess.
//   - Not a common password: not in the embedded list of breached passwords (see
//     README.md), ignoring case and spaces, including the padded forms people use to stretch a
//     short favourite to the minimum length ("password1234", "sunshine2025").
//   - Not a simple pattern: one character repeated, a shorter part repeated ("carrotcarrot"),
//     or a run along the alphabet, the digits or a keyboard row ("123456789012",
//     "qwertyuiopas"), forwards or backwards.
//   - Not mostly the user's own details or the service name (see Check for the rule).
//
// Rules for storing a password (Hasher): only an argon2id hash is stored, in the PHC string
// format, with a random salt per hash. The parameters travel with each hash, so raising them
// later does not break old hashes; Verify reports when a hash should be replaced. Each hash
// takes Params.Memory of RAM and about 150 ms of CPU, so a Hasher bounds how many run at once.
//
// Passwords are hashed as the UTF-8 bytes the user typed; this package does not apply Unicode
// normalisation.
package password

//go:generate go run ../../scripts/gen-passwords -out common.txt.gz
