package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP finds the address a request came from. X-Forwarded-For is
// believed only as far as it was written by trusted proxies: anyone can
// send the header, so only the hops appended by proxies of ours count.
type ClientIP struct {
	trusted []netip.Prefix
}

// NewClientIP takes the trusted proxies as IP addresses or CIDR prefixes
// (10.0.0.0/8, 127.0.0.1).
func NewClientIP(trustedProxies []string) (*ClientIP, error) {
	c := &ClientIP{}
	for _, s := range trustedProxies {
		p, err := ParseProxy(s)
		if err != nil {
			return nil, err
		}
		c.trusted = append(c.trusted, p)
	}
	return c, nil
}

// ParseProxy parses one trusted proxy: an IP address or a CIDR prefix.
func ParseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("trusted proxy %q: %w", s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("trusted proxy %q: want an IP address or CIDR prefix", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Of returns the client's address: the peer's, or, when the peer is a
// trusted proxy, the right-most X-Forwarded-For hop that is not one.
func (c *ClientIP) Of(r *http.Request) netip.Addr {
	peer := parseAddr(r.RemoteAddr)
	if !c.isTrusted(peer) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	addr := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop := parseAddr(strings.TrimSpace(hops[i]))
		if !hop.IsValid() {
			// Garbage where a proxy of ours should have written an
			// address: stop at the last hop we could believe.
			return addr
		}
		addr = hop
		if !c.isTrusted(hop) {
			return hop
		}
	}
	return addr
}

func (c *ClientIP) isTrusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseAddr accepts "ip", "ip:port" and "[ipv6]:port".
func parseAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}
