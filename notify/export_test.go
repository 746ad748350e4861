package notify

import (
	"crypto/tls"
	"net/netip"
)

// SetTLSConfig makes m verify the server with c instead of the system roots, so that tests can
// trust a certificate they made.
func SetTLSConfig(m *Mailer, c *tls.Config) { m.tlsConfig = c }

// PublicAddr exposes the address classifier of the dialer.
func PublicAddr(a netip.Addr) bool { return publicAddr(a) }
