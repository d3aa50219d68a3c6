package sigv4

import "strings"

// Authorization holds the parts of an "AWS4-HMAC-SHA256 Credential=…,
// SignedHeaders=…, Signature=…" header. Empty fields were not sent.
type Authorization struct {
	Algorithm     string
	Credential    string
	SignedHeaders string
	Signature     string
}

// ParseAuthorization splits an Authorization header value. It fails only on
// syntax (an unsupported AWS4 algorithm, or a parameter without '='); missing
// parameters are left empty for the verifier to report all at once, as AWS
// does. A non-AWS scheme (e.g. "Bearer x") parses to an Authorization with no
// parameters.
func ParseAuthorization(value string) (Authorization, *Failure) {
	var a Authorization
	alg, params := trimLeftSpaces(value), ""
	if i := strings.IndexByte(alg, ' '); i >= 0 {
		alg, params = alg[:i], alg[i+1:]
	}
	a.Algorithm = alg
	if alg != Algorithm {
		if strings.HasPrefix(alg, "AWS4-") {
			return a, incomplete("Unsupported AWS 'algorithm': '%s'.", alg)
		}
		// Not SigV4 at all: every parameter counts as missing.
		return a, nil
	}
	for params != "" {
		part := params
		if i := strings.IndexByte(params, ','); i >= 0 {
			part, params = params[:i], params[i+1:]
		} else {
			params = ""
		}
		part = trimRightSpaces(trimLeftSpaces(part))
		eq := strings.IndexByte(part, '=')
		if eq < 0 {
			return a, incomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, value)
		}
		key, val := part[:eq], part[eq+1:]
		var field *string
		switch key {
		case "Credential":
			field = &a.Credential
		case "SignedHeaders":
			field = &a.SignedHeaders
		case "Signature":
			field = &a.Signature
		default:
			continue // AWS ignores parameters it does not know.
		}
		if *field != "" {
			return a, incomplete("Authorization header has duplicate '%s' parameter: '%s'.", key, value)
		}
		*field = val
	}
	return a, nil
}

// trimLeftSpaces is strings.TrimLeft(s, " ").
func trimLeftSpaces(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

// trimRightSpaces is strings.TrimRight(s, " ").
func trimRightSpaces(s string) string {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// Credential is the parsed "AKID/DATE/REGION/SERVICE/aws4_request" value.
type Credential struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
	Terminator  string
	// Scope is everything after the access key id, as signed.
	Scope string
}

// ParseCredential splits a Credential value into its five elements.
func ParseCredential(value string) (Credential, *Failure) {
	var c Credential
	if f := parseCredential(value, &c); f != nil {
		return Credential{}, f
	}
	return c, nil
}

// parseCredential is ParseCredential filling in c (left unchanged on
// failure).
func parseCredential(value string, c *Credential) *Failure {
	var cut [4]int // positions of the four slashes
	from := 0
	for n := range cut {
		i := strings.IndexByte(value[from:], '/')
		if i < 0 {
			return badCredential(value)
		}
		cut[n] = from + i
		from += i + 1
	}
	if strings.IndexByte(value[from:], '/') >= 0 {
		return badCredential(value)
	}
	*c = Credential{
		AccessKeyID: value[:cut[0]],
		Date:        value[cut[0]+1 : cut[1]],
		Region:      value[cut[1]+1 : cut[2]],
		Service:     value[cut[2]+1 : cut[3]],
		Terminator:  value[from:],
		Scope:       value[cut[0]+1:],
	}
	return nil
}

func badCredential(value string) *Failure {
	return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", value)
}
