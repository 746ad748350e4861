package notify

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/ladda-csms/ladda"
)

// MaxURLLength is the longest webhook URL Ladda accepts.
const MaxURLLength = 2048

// ValidateURL checks a webhook URL when a user registers it. The error is of kind
// ladda.Invalid with a message for the user.
//
// Rules: the URL is absolute, at most MaxURLLength long, its scheme is http or https, it has a
// host and no user name or password (secrets belong in the signing secret, not in the URL),
// and a port, if any, is 1-65535. Unless allowPrivate is set (tests and on-premise installations
// whose receivers live on the local network):
//   - the scheme must be https: deliveries carry charging and account data, and the signature
//     proves who sent them but does not hide them;
//   - a literal IP address must be public (see the address rules of WebhookSender), and the
//     names "localhost" and "*.localhost" are refused.
//
// Other host names cannot be judged before they are resolved, and may resolve differently
// later; WebhookSender checks every address it connects to.
func ValidateURL(raw string, allowPrivate bool) error {
	const op = "notify.ValidateURL"
	u, err := checkURL(op, raw, allowPrivate)
	if err != nil || allowPrivate {
		return err
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(ip) {
			return ladda.Errorf(ladda.Invalid, op, "webhook URL: %s is not a public IP address", host)
		}
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ladda.Errorf(ladda.Invalid, op, "webhook URL: %s is not a public host", host)
	}
	return nil
}

// checkURL applies the rules of ValidateURL that do not depend on addresses.
func checkURL(op, raw string, allowPrivate bool) (*url.URL, error) {
	invalid := func(format string, args ...any) error {
		return ladda.Errorf(ladda.Invalid, op, "webhook URL: "+format, args...)
	}
	if raw == "" {
		return nil, invalid("is empty")
	}
	if len(raw) > MaxURLLength {
		return nil, invalid("is longer than %d characters", MaxURLLength)
	}
	for _, c := range raw {
		if c <= ' ' || c == 0x7f {
			return nil, invalid("contains a space or control character")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, invalid("cannot be parsed")
	}
	switch {
	case u.Scheme != "https" && !allowPrivate:
		return nil, invalid("must use https")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, invalid("must use http or https")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, invalid("has no host")
	case u.User != nil:
		return nil, invalid("may not contain a user name or password")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, invalid("port %q is out of range", p)
		}
	}
	return u, nil
}

// errNotPublic is the dialer's refusal to connect to an address that is not public.
var errNotPublic = errors.New("not a public address")

// dialGuard is a net.Dialer ControlContext that refuses connections to addresses that are not
// public. It runs after DNS resolution, for every address tried, so a name that resolves to a
// private address (or starts to, as in DNS rebinding) is refused too.
func dialGuard(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", errNotPublic, address)
	}
	if !publicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", errNotPublic, ap.Addr().WithZone(""))
	}
	return nil
}

// The ranges that publicAddr refuses beyond those netip classifies (loopback, RFC 1918 and
// fc00::/7 private, link-local, multicast, unspecified).
var nonPublic = func() []netip.Prefix {
	var list []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // carrier-grade NAT (RFC 6598)
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"240.0.0.0/4",     // reserved, and the broadcast address
		"::/96",           // IPv4-compatible (deprecated), with :: and ::1
		"::ffff:0:0:0/96", // IPv4-translated (SIIT)
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments, with Teredo
		"2001:db8::/32",   // documentation
		"3fff::/20",       // documentation
		"5f00::/16",       // segment routing
		"fec0::/10",       // site-local (deprecated)
	} {
		list = append(list, netip.MustParsePrefix(s))
	}
	return list
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // embeds an IPv4 address in its last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // embeds an IPv4 address in bits 16-47
)

// publicAddr reports whether a is an address on the public internet: not loopback, private,
// link-local, carrier-grade NAT, unique-local, multicast, unspecified, reserved or
// documentation, also when written as an IPv4-mapped IPv6 address (::ffff:127.0.0.1) or
// embedded in NAT64 or 6to4 addresses.
func publicAddr(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("").Unmap()
	if a.IsUnspecified() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	b := a.As16()
	switch {
	case a.Is6() && nat64.Contains(a):
		return publicAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case a.Is6() && sixToFour.Contains(a):
		return publicAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return true
}
