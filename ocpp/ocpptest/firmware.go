package ocpptest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// maxFirmwareSize bounds a firmware file: a bigger one is a failed download.
const maxFirmwareSize = 64 << 20

// FirmwareState is the station's firmware and what its updates reported.
type FirmwareState struct {
	// Version is the firmware version the station reports in BootNotification:
	// Config.FirmwareVersion until an update is installed, then "sim-" and the first 8 hex
	// digits of the SHA-256 of the installed file.
	Version string
	// LastSHA256 is the SHA-256 of the last firmware file downloaded, in hex; "" before any.
	// A file whose signature then fails still counts.
	LastSHA256 string
	// Statuses are the status of every FirmwareStatusNotification (or, for a 1.6
	// SignedUpdateFirmware, SignedFirmwareStatusNotification) the station sent, in order,
	// over all updates.
	Statuses []string
}

// Firmware returns the station's firmware and the statuses its updates reported.
func (s *Station) Firmware() FirmwareState {
	s.mu.Lock()
	defer s.mu.Unlock()
	fw := s.firmware
	fw.Statuses = slices.Clone(fw.Statuses)
	return fw
}

// firmwareKind tells which request asked for an update, and so how it is reported.
type firmwareKind int

const (
	firmware16       firmwareKind = iota // 1.6 UpdateFirmware: FirmwareStatusNotification, no requestId
	signedFirmware16                     // 1.6 security extension SignedUpdateFirmware: SignedFirmwareStatusNotification
	firmware201                          // 2.0.1 UpdateFirmware: FirmwareStatusNotification with requestId
)

// firmwareUpdate is a firmware update the CSMS asked for, in version-neutral words.
type firmwareUpdate struct {
	kind          firmwareKind
	requestID     int
	location      string        // where the file is: http or https
	retrieve      time.Time     // when to download it, by the station's clock
	install       *time.Time    // when to install it; nil: once downloaded (and verified)
	retries       int           // extra download attempts
	retryInterval time.Duration // between attempts
	certificate   string        // PEM X.509 certificate of the signing key; "" when none
	signature     string        // base64 signature of the file's SHA-256; "" when none
}

// updateFirmware answers an UpdateFirmware or SignedUpdateFirmware (1.6 and 2.0.1 L01):
//   - Rejected when refused (1.6 UpdateFirmware, which has no status, is not started then);
//   - InvalidCertificate when a signing certificate is given that is not a PEM X.509
//     certificate valid now by the station's clock;
//   - else Accepted, or in 2.0.1 AcceptedCanceled when another update was running, which is
//     cancelled (in 1.6 it stops too, but the answer stays Accepted).
//
// The update then runs in the background (see runFirmware).
func (s *Station) updateFirmware(u firmwareUpdate, refuse bool) string {
	if refuse {
		return "Rejected"
	}
	var cert *x509.Certificate
	if u.certificate != "" {
		c, err := parseCertificate(u.certificate, s.clock.Now())
		if err != nil {
			s.log.Debug("firmware update: signing certificate refused", "err", err)
			return "InvalidCertificate"
		}
		cert = c
	}
	action := "UpdateFirmware"
	var requestID *int
	if u.kind != firmware16 {
		id := u.requestID
		requestID = &id
		if u.kind == signedFirmware16 {
			action = "SignedUpdateFirmware"
		}
	}
	s.log.Debug("firmware update accepted", "location", u.location, "retrieve", u.retrieve, "request", requestID)
	replaced := s.startJob(&s.firmwareJob, action, requestID, func(j *job) { s.runFirmware(j, u, cert) })
	if replaced && u.kind == firmware201 {
		return "AcceptedCanceled"
	}
	return "Accepted"
}

// runFirmware does an accepted update, reporting each step:
//   - DownloadScheduled (signed 1.6 and 2.0.1) when the retrieve time is still ahead, then
//     waiting for it by the station's clock (looking at it at least every expiryCheck);
//   - Downloading, then the HTTP GET of the location (up to 1+retries attempts, retryInterval
//     apart); Downloaded, or DownloadFailed when no attempt got a 2xx answer, which ends it;
//   - with a signature or a certificate: SignatureVerified, or InvalidSignature (which ends
//     it) when the signature is not one of the file's SHA-256 by the certificate's key;
//   - InstallScheduled (signed 1.6 and 2.0.1) when the install time is still ahead, then
//     waiting for it;
//   - Installing, the new Version, Installed.
//
// The station does not reboot: the new version goes into its next BootNotification (after a
// Reset, a TriggerMessage or Up). A newer update or Close stops it between steps; once
// Installing is sent it completes.
func (s *Station) runFirmware(j *job, u firmwareUpdate, cert *x509.Certificate) {
	report := func(status string) bool {
		if j.ctx.Err() != nil {
			return false
		}
		s.firmwareStatus(j, u, status)
		return true
	}
	if u.kind != firmware16 && u.retrieve.After(s.clock.Now()) && !report("DownloadScheduled") {
		return
	}
	if !s.waitUntil(j.ctx, u.retrieve, 0) || !report("Downloading") {
		return
	}
	var file []byte
	err := s.retrying(j.ctx, u.retries, u.retryInterval, func(ctx context.Context) error {
		var err error
		file, err = s.download(ctx, u.location)
		return err
	})
	if j.ctx.Err() != nil {
		return
	}
	if err != nil {
		s.log.Debug("firmware download failed", "location", u.location, "err", err)
		report("DownloadFailed")
		return
	}
	sum := sha256.Sum256(file)
	hexSum := hex.EncodeToString(sum[:])
	s.mu.Lock()
	s.firmware.LastSHA256 = hexSum
	s.mu.Unlock()
	if !report("Downloaded") {
		return
	}
	if u.signature != "" || cert != nil {
		if err := verifySignature(cert, u.signature, sum[:]); err != nil {
			s.log.Debug("firmware signature refused", "location", u.location, "err", err)
			report("InvalidSignature")
			return
		}
		if !report("SignatureVerified") {
			return
		}
	}
	if u.kind != firmware16 && u.install != nil && u.install.After(s.clock.Now()) {
		if !report("InstallScheduled") || !s.waitUntil(j.ctx, *u.install, 0) {
			return
		}
	}
	if !report("Installing") {
		return
	}
	s.mu.Lock()
	s.firmware.Version = "sim-" + hexSum[:8]
	s.mu.Unlock()
	s.log.Debug("firmware installed", "version", "sim-"+hexSum[:8], "sha256", hexSum)
	s.firmwareStatus(j, u, "Installed")
}

// finalFirmwareStatuses end an update: once one is reported another update is not a
// cancellation.
var finalFirmwareStatuses = []string{"DownloadFailed", "InvalidSignature", "Installed"}

// firmwareStatus records status and sends it in the notification of u's kind.
func (s *Station) firmwareStatus(j *job, u firmwareUpdate, status string) {
	s.mu.Lock()
	s.firmware.Statuses = append(s.firmware.Statuses, status)
	j.status = status
	j.over = slices.Contains(finalFirmwareStatuses, status)
	s.mu.Unlock()
	id := u.requestID
	var err error
	switch u.kind {
	case firmware16:
		err = s.call(s.bg, "FirmwareStatusNotification", &v16.FirmwareStatusNotificationRequest{Status: v16.FirmwareStatus(status)}, nil)
	case signedFirmware16:
		err = s.call(s.bg, "SignedFirmwareStatusNotification",
			&v16.SignedFirmwareStatusNotificationRequest{Status: v16.FirmwareStatusEnum(status), RequestID: &id}, nil)
	default:
		err = s.call(s.bg, "FirmwareStatusNotification",
			&v201.FirmwareStatusNotificationRequest{Status: v201.FirmwareStatus(status), RequestID: &id}, nil)
	}
	if err != nil {
		s.log.Debug("firmware status notification failed", "status", status, "err", err)
	}
}

// firmwareNow returns what a triggered FirmwareStatusNotification reports: the last status of
// the UpdateFirmware running and its requestId (2.0.1), or Idle when none runs. A 1.6
// SignedUpdateFirmware does not count: its status is not a FirmwareStatusNotification's.
func (s *Station) firmwareNow() (string, *int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.firmwareJob; j.running() && j.action == "UpdateFirmware" && j.status != "" {
		return j.status, j.requestID
	}
	return "Idle", nil
}

// download GETs a firmware file.
func (s *Station) download(ctx context.Context, location string) ([]byte, error) {
	if err := checkLocation(location); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return nil, err
	}
	res, err := s.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = res.Body.Close() }()
	if err := statusOK(res); err != nil {
		return nil, err
	}
	file, err := io.ReadAll(io.LimitReader(res.Body, maxFirmwareSize+1))
	if err != nil {
		return nil, err
	}
	if len(file) > maxFirmwareSize {
		return nil, fmt.Errorf("firmware file is bigger than %d bytes", maxFirmwareSize)
	}
	return file, nil
}

// parseCertificate reads a PEM X.509 certificate and checks that it is valid at now.
func parseCertificate(text string, now time.Time) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, fmt.Errorf("certificate valid from %v to %v, not at %v", cert.NotBefore, cert.NotAfter, now)
	}
	return cert, nil
}

// verifySignature checks that signature (base64) is cert's key's signature of digest, a
// SHA-256: ECDSA (ASN.1), or RSA PKCS #1 v1.5 or PSS.
func verifySignature(cert *x509.Certificate, signature string, digest []byte) error {
	if cert == nil {
		return errors.New("no signing certificate")
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	switch pub := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return errors.New("the ECDSA signature does not verify")
		}
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest, sig); err != nil {
			if rsa.VerifyPSS(pub, crypto.SHA256, digest, sig, nil) != nil {
				return fmt.Errorf("the RSA signature does not verify: %w", err)
			}
		}
	default:
		return fmt.Errorf("unsupported signing key %T", pub)
	}
	return nil
}
