package query

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

const timestampName protoreflect.FullName = "google.protobuf.Timestamp"

// scalar converts the text of p to the protobuf value fd holds (for lists
// and maps, fd's element kind). The proto kind decides the conversion; the
// shape supplies the name for messages and whether the value is secret.
func scalar(t *apimodel.Shape, fd protoreflect.FieldDescriptor, p *param) (protoreflect.Value, *awserr.Error) {
	s := p.value
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(s), nil
	case protoreflect.BoolKind:
		// Java's Boolean.parseBoolean, which Query services use, ignores
		// case; anything but true or false is refused rather than read as
		// false.
		switch {
		case strings.EqualFold(s, "true"):
			return protoreflect.ValueOfBool(true), nil
		case strings.EqualFold(s, "false"):
			return protoreflect.ValueOfBool(false), nil
		}
		return protoreflect.Value{}, badValue(p.name, s, t.Sensitive, "a boolean (true or false)")
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return protoreflect.Value{}, intError(p, t, err, "a 32-bit integer")
		}
		return protoreflect.ValueOfInt32(int32(n)), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return protoreflect.Value{}, intError(p, t, err, "a 64-bit integer")
		}
		return protoreflect.ValueOfInt64(n), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return protoreflect.Value{}, intError(p, t, err, "an unsigned 32-bit integer")
		}
		return protoreflect.ValueOfUint32(uint32(n)), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return protoreflect.Value{}, intError(p, t, err, "an unsigned 64-bit integer")
		}
		return protoreflect.ValueOfUint64(n), nil
	case protoreflect.FloatKind:
		f, ok := parseFloat(s, 32)
		if !ok {
			return protoreflect.Value{}, badValue(p.name, s, t.Sensitive, "a number")
		}
		return protoreflect.ValueOfFloat32(float32(f)), nil
	case protoreflect.DoubleKind:
		f, ok := parseFloat(s, 64)
		if !ok {
			return protoreflect.Value{}, badValue(p.name, s, t.Sensitive, "a number")
		}
		return protoreflect.ValueOfFloat64(f), nil
	case protoreflect.BytesKind:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return protoreflect.Value{}, badValue(p.name, s, t.Sensitive, "valid base64")
		}
		return protoreflect.ValueOfBytes(b), nil
	case protoreflect.MessageKind:
		if fd.Message().FullName() == timestampName {
			tm, ok := parseTimestamp(s)
			if !ok {
				return protoreflect.Value{}, badValue(p.name, s, t.Sensitive,
					"a timestamp (ISO 8601 such as 2024-01-01T00:00:00Z, or epoch seconds)")
			}
			return protoreflect.ValueOfMessage(timestamppb.New(tm).ProtoReflect()), nil
		}
	}
	return protoreflect.Value{}, internalf("%s: no Query conversion for %s field %s", t.Name, fd.Kind(), fd.FullName())
}

func intError(p *param, t *apimodel.Shape, err error, what string) *awserr.Error {
	if errors.Is(err, strconv.ErrRange) {
		return badValue(p.name, p.value, t.Sensitive, "in range for "+what)
	}
	return badValue(p.name, p.value, t.Sensitive, what)
}

// parseFloat reads a decimal number or the NaN, Infinity and -Infinity the
// SDKs send for non-finite values. Go's extra spellings (hex floats, "inf",
// underscores) are refused.
func parseFloat(s string, bits int) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, bits)
	return f, err == nil
}

// Timestamps the protobuf Timestamp can hold: years 1 to 9999.
const (
	minEpoch = -62135596800
	maxEpoch = 253402300799
)

// parseTimestamp reads the date-time form the SDKs send
// (2024-01-01T00:00:00.123Z, RFC 3339 with any offset, or without one meaning
// UTC) and, leniently, epoch seconds with an optional fraction.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) >= 19 && s[4] == '-' {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, inRange(t)
		}
		if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
			return t, inRange(t)
		}
		return time.Time{}, false
	}
	return parseEpoch(s)
}

// parseEpoch reads [-]seconds[.fraction] exactly, without float rounding.
func parseEpoch(s string) (time.Time, bool) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	digits := strings.TrimPrefix(whole, "-")
	if digits == "" || len(digits) > 12 || !allDigits(digits) {
		return time.Time{}, false
	}
	if hasFrac && (frac == "" || len(frac) > 9 || !allDigits(frac)) {
		return time.Time{}, false
	}
	sec, _ := strconv.ParseInt(digits, 10, 64) // at most 12 digits: fits
	nsec := int64(0)
	if hasFrac {
		n, _ := strconv.ParseInt(frac, 10, 64)
		for i := len(frac); i < 9; i++ {
			n *= 10
		}
		nsec = n
	}
	if neg {
		sec, nsec = -sec, -nsec
	}
	t := time.Unix(sec, nsec).UTC()
	return t, inRange(t)
}

func inRange(t time.Time) bool {
	u := t.Unix()
	return u >= minEpoch && u <= maxEpoch
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
