-- Indexes for pruning (account.Store.Prune): what expired, and deliveries that are done.

-- +goose Up
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX one_time_tokens_expires ON one_time_tokens (expires_at);
CREATE INDEX throttles_last_failure ON throttles (last_failure);
CREATE INDEX deliveries_done ON deliveries (created_at) WHERE status <> 'pending';

-- +goose Down
DROP INDEX deliveries_done;
DROP INDEX throttles_last_failure;
DROP INDEX one_time_tokens_expires;
DROP INDEX sessions_expires;
