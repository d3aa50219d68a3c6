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
	alg, params, _ := strings.Cut(strings.TrimLeft(value, " "), " ")
	a.Algorithm = alg
	if alg != Algorithm {
		if strings.HasPrefix(alg, "AWS4-") {
			return a, incomplete("Unsupported AWS 'algorithm': '%s'.", alg)
		}
		// Not SigV4 at all: every parameter counts as missing.
		return a, nil
	}
	for params != "" {
		var part string
		part, params, _ = strings.Cut(params, ",")
		part = strings.Trim(part, " ")
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return a, incomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, value)
		}
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
	n := 0
	for i := 0; i < len(value); i++ {
		if value[i] == '/' {
			if n == len(cut) {
				n++ // a fifth slash
				break
			}
			cut[n] = i
			n++
		}
	}
	if n != len(cut) {
		return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", value)
	}
	*c = Credential{
		AccessKeyID: value[:cut[0]],
		Date:        value[cut[0]+1 : cut[1]],
		Region:      value[cut[1]+1 : cut[2]],
		Service:     value[cut[2]+1 : cut[3]],
		Terminator:  value[cut[3]+1:],
		Scope:       value[cut[0]+1:],
	}
	return nil
}
