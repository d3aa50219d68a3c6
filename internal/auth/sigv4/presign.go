package sigv4

import "strings"

// Presigned query parameter names (case-sensitive, as AWS treats them).
const (
	queryKeyAlgorithm     = "X-Amz-Algorithm"
	queryKeyCredential    = "X-Amz-Credential"
	queryKeyDate          = "X-Amz-Date"
	queryKeyExpires       = "X-Amz-Expires"
	queryKeySignedHeaders = "X-Amz-SignedHeaders"
	queryKeySignature     = "X-Amz-Signature"
	queryKeySecurityToken = "X-Amz-Security-Token"
)

// Presigned holds the decoded presigned-URL parameters. Empty fields were not
// sent (HasExpires tells an absent X-Amz-Expires from an empty one).
type Presigned struct {
	Algorithm     string
	Credential    string
	Date          string
	Expires       string
	HasExpires    bool
	SignedHeaders string
	Signature     string
	SecurityToken string
}

// isPresigned reports whether the query carries presigned-URL parameters.
func isPresigned(params []queryParam) bool {
	for _, p := range params {
		switch p.key {
		case queryKeyAlgorithm, queryKeyCredential, queryKeySignature, queryKeySignedHeaders:
			return true
		}
	}
	return false
}

// ParsePresignedQuery extracts the presigned parameters from a raw query.
func ParsePresignedQuery(rawQuery string) (Presigned, *Failure) {
	return parsePresigned(parseQuery(nil, rawQuery))
}

// parsePresigned decodes the presigned parameters and reports every missing
// required one at once, the way AWS does.
func parsePresigned(params []queryParam) (Presigned, *Failure) {
	var p Presigned
	var seen uint8 // one bit per field below
	for _, q := range params {
		var field *string
		var bit uint8
		switch q.key {
		case queryKeyAlgorithm:
			field, bit = &p.Algorithm, 1<<0
		case queryKeyCredential:
			field, bit = &p.Credential, 1<<1
		case queryKeyDate:
			field, bit = &p.Date, 1<<2
		case queryKeyExpires:
			field, bit = &p.Expires, 1<<3
			p.HasExpires = true
		case queryKeySignedHeaders:
			field, bit = &p.SignedHeaders, 1<<4
		case queryKeySignature:
			field, bit = &p.Signature, 1<<5
		case queryKeySecurityToken:
			field, bit = &p.SecurityToken, 1<<6
		default:
			continue
		}
		if seen&bit != 0 {
			return p, incomplete("Duplicate '%s' query-string parameter.", q.key)
		}
		seen |= bit
		*field = decodeComponent(q.value)
	}
	var missing []string // only filled on failure
	for _, m := range []struct{ name, value string }{
		{queryKeyAlgorithm, p.Algorithm},
		{queryKeyCredential, p.Credential},
		{queryKeySignature, p.Signature},
		{queryKeySignedHeaders, p.SignedHeaders},
		{queryKeyDate, p.Date},
	} {
		if m.value == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return p, missingQueryParts(missing)
	}
	if p.Algorithm != Algorithm {
		return p, incomplete("Unsupported AWS 'algorithm': '%s'.", p.Algorithm)
	}
	return p, nil
}

// isSignatureV2 reports a request signed with Signature Version 2, which
// the emulator does not verify: an "AWS AKID:signature" Authorization
// header, or AWSAccessKeyId and Signature query parameters (S3's V2
// presigned URLs, which older boto3 versions still make). Such a request
// is not anonymous: it is refused as S3 refuses a mechanism it does not
// take (see UnsupportedSignatureVersion).
func isSignatureV2(authz []string, params []queryParam) bool {
	if len(authz) == 1 {
		alg, rest, _ := strings.Cut(strings.TrimLeft(authz[0], " "), " ")
		return alg == "AWS" && strings.Contains(rest, ":")
	}
	if len(authz) > 0 || isPresigned(params) {
		return false
	}
	var key, sig bool
	for _, p := range params {
		switch p.key {
		case "AWSAccessKeyId":
			key = true
		case "Signature":
			sig = true
		}
	}
	return key && sig
}
