// Package sqldb is the engine-neutral core of Ladda's SQL stores: the group committer that
// makes many small durable writes share one database transaction, and the implementation of
// station.Store (with its command log, settings and reports), charging.Store, account.Store,
// firmware.Store, pki.Store, billing.Store and billing.Payments over database/sql.
//
// It imports no database driver. Each engine (store/sqlite, store/postgres) opens its own
// connection pools, runs its migrations and hands over its SQL as a Queries value: every
// statement is written out in full, per engine, beside the engine. The contract of each
// statement (its parameters and result columns) is documented on the Queries field, and the
// conformance suite store/storetest holds both engines to it.
//
// Writes never run on the read pool: every state change is a WriteFunc given to the
// Committer, which batches writes arriving within a short window into one transaction and
// wakes each caller only after that transaction committed. Reads use the read pool directly.
//
// Personal data (users' emails, names and second-factor secrets, webhook secrets, invoices,
// payments and payment accounts) is sealed by a Sealer before it is stored and opened after it
// is read; emails are found and kept unique by their blind index, payments found by that of
// their gateway reference. The database never holds them in plain text.
package sqldb
