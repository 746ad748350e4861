package pki

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ladda-csms/ladda"
)

// HTTPContractProvider passes EVs' contract certificate requests to a service over HTTP: a
// bridge to the operator's V2G PKI (Hubject's or another), which does the ISO 15118 EXI
// work. It POSTs {"stationId", "iso15118SchemaVersion", "action", "exiRequest"} as JSON to URL
// and expects 200 with {"exiResponse"}; anything else fails the request.
type HTTPContractProvider struct {
	URL    string
	Client *http.Client // nil: a client with a 20 s timeout
}

// EVCertificate implements ContractProvider.
func (p HTTPContractProvider) EVCertificate(ctx context.Context, id ladda.StationID, schemaVersion, action, exiRequest string) (string, error) {
	body, err := json.Marshal(map[string]string{"stationId": string(id), "iso15118SchemaVersion": schemaVersion, "action": action, "exiRequest": exiRequest})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("asking the contract provider: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the contract provider answered %s", res.Status)
	}
	var out struct {
		EXIResponse string `json:"exiResponse"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&out); err != nil {
		return "", fmt.Errorf("reading the contract provider's answer: %w", err)
	}
	if out.EXIResponse == "" {
		return "", errors.New("the contract provider answered no exiResponse")
	}
	return out.EXIResponse, nil
}
