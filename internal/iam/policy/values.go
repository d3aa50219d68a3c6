package policy

import (
	"net/netip"
	"strconv"
	"time"
)

// Parsers for typed condition values. They validate the syntax before
// calling the standard library so that a mismatching value costs no
// allocation during evaluation.

// parseNumber accepts integers and decimals with an optional sign and exponent.
func parseNumber(s string) (float64, bool) {
	if !numberSyntax(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func numberSyntax(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseBool accepts "true" and "false" in any letter case.
func parseBool(s string) (bool, bool) {
	switch {
	case equalFoldASCII(s, "true"):
		return true, true
	case equalFoldASCII(s, "false"):
		return false, true
	}
	return false, false
}

// instant is a point in time with nanosecond precision over the full range of
// four-digit years (time.Duration would overflow).
type instant struct {
	sec  int64
	nsec int32
}

func (a instant) compare(b instant) int {
	switch {
	case a.sec < b.sec:
		return -1
	case a.sec > b.sec:
		return 1
	case a.nsec < b.nsec:
		return -1
	case a.nsec > b.nsec:
		return 1
	}
	return 0
}

func (a instant) String() string {
	return time.Unix(a.sec, int64(a.nsec)).UTC().Format(time.RFC3339Nano)
}

func parseEpoch(s string) (instant, bool) {
	f, ok := parseNumber(s)
	if !ok {
		return instant{}, false
	}
	// Whole seconds are parsed exactly; fractions go through float64.
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return instant{sec: n}, true
	}
	sec := int64(f)
	frac := f - float64(sec)
	if frac < 0 {
		sec--
		frac++
	}
	return instant{sec: sec, nsec: int32(frac * 1e9)}, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseIPAddr parses an IPv4 or IPv6 address (no zone).
func parseIPAddr(s string) (netip.Addr, bool) {
	if len(s) == 0 || len(s) > 45 {
		return netip.Addr{}, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':') {
			return netip.Addr{}, false
		}
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// parseIPPrefix parses a CIDR range; a bare address means /32 or /128, as the
// IP address operators document.
func parseIPPrefix(s string) (netip.Prefix, bool) {
	addr := s
	bits := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			addr = s[:i]
			n, err := strconv.Atoi(s[i+1:])
			if err != nil || n < 0 {
				return netip.Prefix{}, false
			}
			bits = n
			break
		}
	}
	a, ok := parseIPAddr(addr)
	if !ok {
		return netip.Prefix{}, false
	}
	if bits < 0 {
		bits = a.BitLen()
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p, true
}
