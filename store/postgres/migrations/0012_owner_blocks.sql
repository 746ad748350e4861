-- A card's owner may block it (lost, stolen) apart from the operator's status, and lift only
-- their own block (charging.IDToken.OwnerBlocked).

-- +goose Up
ALTER TABLE id_tokens ADD COLUMN owner_blocked boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE id_tokens DROP COLUMN owner_blocked;
