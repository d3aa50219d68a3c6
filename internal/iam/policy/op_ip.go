package policy

import "net/netip"

// IP address operators test whether the request address lies in one of the
// policy's IPv4 or IPv6 CIDR ranges (a bare address is /32 or /128).

var ipOperators = []opDef{
	{name: "IpAddress", build: buildIP},
	{name: "NotIpAddress", negated: true, build: buildIP},
}

type ipMatcher struct {
	prefixes []netip.Prefix
}

func buildIP(values []string, _ bool) matcher {
	m := &ipMatcher{}
	for _, v := range values {
		if p, ok := parseIPPrefix(v); ok {
			m.prefixes = append(m.prefixes, p.Masked())
		}
	}
	return m
}

func (m *ipMatcher) matches(v *Value, _ *Context) bool {
	a, ok := v.addr()
	if !ok || v.Type != TypeIP {
		if a, ok = parseIPAddr(v.Raw); !ok {
			return false
		}
	}
	for _, p := range m.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
