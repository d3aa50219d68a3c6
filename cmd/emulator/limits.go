package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/internal/server"
)

// limitFlags declares the serve flags of the HTTP endpoint's timeouts and
// limits and the decision page switch. The returned function checks them
// after parsing and stores them in cfg.
func limitFlags(fs *flag.FlagSet, cfg *emulator.Config, getenv func(string) string) func() error {
	readHeader := fs.Duration("read-header-timeout", envDurationOr(getenv, "IBEMU_READ_HEADER_TIMEOUT", emulator.DefaultReadHeaderTimeout), "longest wait for a request's headers (env IBEMU_READ_HEADER_TIMEOUT)")
	bodyRead := fs.Duration("body-read-timeout", envDurationOr(getenv, "IBEMU_BODY_READ_TIMEOUT", server.DefaultBodyReadTimeout), "longest silence while a request body arrives; the request is answered RequestTimeout (env IBEMU_BODY_READ_TIMEOUT)")
	idle := fs.Duration("idle-timeout", envDurationOr(getenv, "IBEMU_IDLE_TIMEOUT", emulator.DefaultIdleTimeout), "close keep-alive connections idle this long (env IBEMU_IDLE_TIMEOUT)")
	maxHeader := fs.Int("max-header-bytes", envInt(getenv, "IBEMU_MAX_HEADER_BYTES", emulator.DefaultMaxHeaderBytes), "largest request line and headers, in `bytes`; larger requests get 431 (env IBEMU_MAX_HEADER_BYTES)")
	page := fs.String("decisions-page", envOr(getenv, "IBEMU_DECISIONS_PAGE", string(emulator.DecisionsPageAuto)), "serve the unsigned decision pages under /_emulator/decisions: auto (only on a loopback listener), on or off (env IBEMU_DECISIONS_PAGE)")
	return func() error {
		if *readHeader <= 0 || *bodyRead <= 0 || *idle <= 0 {
			return fmt.Errorf("-read-header-timeout, -body-read-timeout and -idle-timeout are positive durations")
		}
		if *maxHeader < 1024 {
			return fmt.Errorf("bad -max-header-bytes %d: at least 1024", *maxHeader)
		}
		switch p := emulator.DecisionsPage(*page); p {
		case emulator.DecisionsPageAuto, emulator.DecisionsPageOn, emulator.DecisionsPageOff:
			cfg.DecisionsPage = p
		default:
			return fmt.Errorf("bad -decisions-page %q: use auto, on or off", *page)
		}
		cfg.ReadHeaderTimeout, cfg.BodyReadTimeout, cfg.IdleTimeout = *readHeader, *bodyRead, *idle
		cfg.MaxHeaderBytes = *maxHeader
		return nil
	}
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// envDurationOr reads a duration default from the environment; an
// unparsable value yields 0, refused after parsing.
func envDurationOr(getenv func(string) string, name string, def time.Duration) time.Duration {
	if v := getenv(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0
		}
		return d
	}
	return def
}
