package pki

import (
	"crypto/x509"
	"errors"
	"strings"
	"time"
)

// The outcomes of checking a contract certificate (2.0.1 AuthorizeCertificateStatusEnumType).
const (
	ContractAccepted      = "Accepted"
	ContractSignatureErr  = "SignatureError"
	ContractExpired       = "CertificateExpired"
	ContractRevoked       = "CertificateRevoked"
	ContractNoCertificate = "NoCertificateAvailable"
	ContractChainError    = "CertChainError"
)

// VerifyContract checks an ISO 15118 contract certificate chain (PEM, leaf first) that an EV
// presented for emaid: it must chain to one of roots (the operator's V2G and mobility-operator
// roots), be valid at now, and name emaid as its CommonName (ISO 15118-2: the contract
// certificate's subject carries the eMAID). It returns one of the Contract… outcomes.
func VerifyContract(chainPEM, emaid string, roots []*x509.Certificate, now time.Time) string {
	if strings.TrimSpace(chainPEM) == "" {
		return ContractNoCertificate
	}
	chain, err := ParseChain(chainPEM)
	if err != nil {
		return ContractChainError
	}
	leaf := chain[0]
	if !strings.EqualFold(normalizeEMAID(leaf.Subject.CommonName), normalizeEMAID(emaid)) {
		return ContractChainError
	}
	pool, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	var invalid x509.CertificateInvalidError
	switch {
	case err == nil:
		return ContractAccepted
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return ContractExpired
	case errors.Is(err, x509.ErrUnsupportedAlgorithm), errors.As(err, new(x509.InsecureAlgorithmError)):
		return ContractSignatureErr
	}
	return ContractChainError
}

// normalizeEMAID drops the dashes eMAIDs are often written with (DE-8EO-C12345678-9).
func normalizeEMAID(s string) string { return strings.ReplaceAll(s, "-", "") }
