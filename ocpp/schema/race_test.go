//go:build race

package schema_test

// raceEnabled is true under the race detector, which makes the mutation
// test about five times slower; it then runs on a quarter of the payloads.
const raceEnabled = true
