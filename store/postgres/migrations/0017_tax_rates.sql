-- The operator's own tax rates (billing.TaxRate), which override Ladda's defaults place by
-- place: one row, the whole table as JSON, replaced at once.

-- +goose Up
CREATE TABLE tax_rates (
    id         integer PRIMARY KEY CHECK (id = 1),
    body       text NOT NULL, -- JSON: []billing.TaxRate
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE tax_rates;
