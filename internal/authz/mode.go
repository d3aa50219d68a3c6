package authz

import "fmt"

// Mode is how the enforcer applies its decisions.
type Mode uint8

const (
	// ModeOn enforces: a denied request fails with AccessDenied. The default.
	ModeOn Mode = iota
	// ModeSoft evaluates and records every decision but allows every
	// request: a decision the policies deny is recorded with the outcome
	// softDeny (its engine outcome in Decision.WouldDeny) and its action is
	// noted on the call (callctx.Call.NoteWouldDeny) for the transports'
	// response header. Dependent, forward-access, per-item and build checks
	// follow it: a soft-denied build check does not fail the build.
	ModeSoft
	// ModeOff makes no decision at all: requests are still authenticated,
	// resources are still resolved for the handlers, but no policy is
	// evaluated and nothing is recorded. The credential rules of STS
	// (session credentials calling GetSessionToken, root users assuming
	// roles) still apply in every mode: they are not policy decisions.
	ModeOff
)

// SoftDeny is the outcome recorded for a request allowed only because
// enforcement is soft.
const SoftDeny = "softDeny"

// String is the mode as --enforce names it: on, soft or off.
func (m Mode) String() string {
	switch m {
	case ModeSoft:
		return "soft"
	case ModeOff:
		return "off"
	}
	return "on"
}

// ParseMode reads "on", "soft" or "off" ("" is on). Anything else is an
// error naming the accepted values.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "on":
		return ModeOn, nil
	case "soft":
		return ModeSoft, nil
	case "off":
		return ModeOff, nil
	}
	return ModeOn, fmt.Errorf("enforcement mode %q: use on, soft or off", s)
}
