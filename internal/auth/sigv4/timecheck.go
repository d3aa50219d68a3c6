package sigv4

import (
	"net/http"
	"strconv"
	"time"
)

// parseRequestTime reads X-Amz-Date (ISO 8601 basic format) or, for the Date
// header, any HTTP date format as well. It also returns the time in basic
// format, as the string to sign needs it.
func parseRequestTime(value string, httpDate bool) (time.Time, string, *Failure) {
	if t, ok := parseISOBasic(value); ok {
		return t, value, nil
	}
	if httpDate {
		if t, err := http.ParseTime(value); err == nil {
			return t.UTC(), formatBasic(t), nil
		}
	}
	return time.Time{}, "", incomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", value)
}

// parseISOBasic parses exactly "YYYYMMDDTHHMMSSZ" without allocating.
func parseISOBasic(s string) (time.Time, bool) {
	if len(s) != len(isoBasic) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(4, 6)
	day, ok3 := num(6, 8)
	hour, ok4 := num(9, 11)
	minute, ok5 := num(11, 13)
	sec, ok6 := num(13, 15)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // e.g. February 30, which time.Date makes March 1 or 2
		return time.Time{}, false
	}
	return t, true
}

// checkScopeDate: the credential scope must name the request's UTC date.
// amzDate is the request time in basic format.
func checkScopeDate(scopeDate, amzDate, source string) *Failure {
	if amzDate[:8] != scopeDate {
		return incomplete("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", scopeDate, amzDate[:8], source)
	}
	return nil
}

// checkSkew: the request time must be within skew of now, both ways.
func checkSkew(reqTime, now time.Time, skew time.Duration) *Failure {
	if f := checkNotFuture(reqTime, now, skew); f != nil {
		return f
	}
	if reqTime.Before(now.Add(-skew)) {
		return signatureExpired(reqTime, now, skew)
	}
	return nil
}

func checkNotFuture(reqTime, now time.Time, skew time.Duration) *Failure {
	if reqTime.After(now.Add(skew)) {
		return signatureNotYetCurrent(reqTime, now, skew)
	}
	return nil
}

// parseExpires validates X-Amz-Expires: whole seconds, 0 ≤ n ≤ max.
func parseExpires(value string, max time.Duration) (time.Duration, *Failure) {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			if value[0] == '-' {
				return 0, incomplete("X-Amz-Expires must be non-negative")
			}
			return 0, expiresTooLarge(max)
		}
		return 0, incomplete("X-Amz-Expires should be a number")
	}
	if n < 0 {
		return 0, incomplete("X-Amz-Expires must be non-negative")
	}
	if n > int64(max/time.Second) {
		return 0, expiresTooLarge(max)
	}
	return time.Duration(n) * time.Second, nil
}

func expiresTooLarge(max time.Duration) *Failure {
	secs := int64(max / time.Second)
	if max == 7*24*time.Hour {
		return incomplete("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than %d seconds", secs)
	}
	return incomplete("X-Amz-Expires must be less than %d seconds", secs)
}
