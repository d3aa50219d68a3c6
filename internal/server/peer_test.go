package server

import (
	"net/netip"
	"testing"
)

func TestParseHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:54321":            "127.0.0.1",
		"[::1]:443":                  "::1",
		"[::ffff:10.1.2.3]:80":       "10.1.2.3", // IPv4-mapped: aws:SourceIp compares it as IPv4
		"[2001:db8::7]:8080":         "2001:db8::7",
		"192.0.2.9":                  "192.0.2.9",
		"[fe80::1%eth0]:9":           "fe80::1%eth0",
		"":                           "invalid IP",
		"@":                          "invalid IP", // an abstract Unix socket
		"/run/ibemu.sock":            "invalid IP",
		"example.com:443":            "invalid IP",
		"not an address at all:port": "invalid IP",
	} {
		if got := parseHostPort(in).String(); got != want {
			t.Errorf("parseHostPort(%q) = %s, want %s", in, got, want)
		}
	}
	if parseHostPort("") != (netip.Addr{}) {
		t.Error("an empty address is not the zero Addr")
	}
}
