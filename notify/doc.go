// Package notify delivers Ladda's notifications to the outside world: email over SMTP and
// signed webhook calls over HTTP. It is an adapter: callers hand it plain values (an address,
// a message kind with its data, a webhook URL with its secret and body) and it knows nothing of
// users, stations, HTTP routes or SQL.
//
// Email: a Mailer sends one Message per call through an SMTP server (package go-mail does the
// protocol); Templates render the text and HTML of each message Kind in English or Swedish.
// Callers depend on the Sender interface so that tests can substitute the fake in
// package notifytest.
//
// Webhooks: a WebhookSender POSTs one Delivery per call, signs it with HMAC-SHA256 (Sign,
// VerifySignature) and refuses, unless told otherwise, to connect to addresses that are not
// public (ValidateURL checks a URL when it is registered; the dialer checks every address it
// connects to, after DNS resolution).
//
// What notify does not do: it keeps no queue, schedules no retries and stores nothing. Each
// call is one attempt. Mailer.Send reports by the kind of its error whether an attempt may be
// repeated (ladda.Unavailable: yes); WebhookSender.Deliver reports it in Result.Retry. Backoff
// gives the schedule on which the caller's durable queue should try again, and MaxAttempts
// when to give up.
package notify
