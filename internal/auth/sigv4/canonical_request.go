package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Algorithm is the only signing algorithm SigV4 verifies.
const Algorithm = "AWS4-HMAC-SHA256"

// appendCanonicalRequest appends the canonical request:
//
//	METHOD \n URI \n QUERY \n HEADERS \n SIGNEDHEADERS \n PAYLOADHASH
//
// params must already be sorted; skip names the query parameter left out;
// s3 selects S3's canonical URI (the path is not normalized).
func appendCanonicalRequest(dst []byte, req *Request, params []queryParam, skip, signedHeaders, payloadHash string, s3 bool) []byte {
	return appendCanonicalRequestSeen(dst, req, params, skip, signedHeaders, payloadHash, s3, nil)
}

// appendCanonicalRequestSeen is appendCanonicalRequest reusing the values of
// a header already looked up (seen may be nil).
func appendCanonicalRequestSeen(dst []byte, req *Request, params []queryParam, skip, signedHeaders, payloadHash string, s3 bool, seen *seenHeader) []byte {
	dst = append(dst, req.Method...)
	dst = append(dst, '\n')
	if s3 {
		dst = appendS3CanonicalURI(dst, req.Path)
	} else {
		dst = appendCanonicalURI(dst, req.Path)
	}
	dst = append(dst, '\n')
	dst = appendCanonicalQuery(dst, params, skip)
	dst = append(dst, '\n')
	dst = appendCanonicalHeadersSeen(dst, req, signedHeaders, seen)
	dst = append(dst, '\n')
	dst = append(dst, signedHeaders...)
	dst = append(dst, '\n')
	dst = append(dst, payloadHash...)
	return dst
}

// appendStringToSign appends the string to sign for a canonical request:
//
//	AWS4-HMAC-SHA256 \n TIME \n SCOPE \n HEX(SHA256(CANONICALREQUEST))
//
// amzDate is the signing time in ISO 8601 basic format.
func appendStringToSign(dst []byte, amzDate, scope string, canonicalRequest []byte) []byte {
	return appendStringToSignSum(dst, amzDate, scope, sha256.Sum256(canonicalRequest))
}

// appendStringToSignSum is appendStringToSign given the canonical request's
// SHA-256.
func appendStringToSignSum(dst []byte, amzDate, scope string, sum [sha256.Size]byte) []byte {
	var hexSum [2 * sha256.Size]byte
	encodeHex32(&hexSum, &sum)
	dst = append(dst, Algorithm...)
	dst = append(dst, '\n')
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, scope...)
	dst = append(dst, '\n')
	dst = append(dst, hexSum[:]...)
	return dst
}

// CanonicalRequest returns the canonical request of req for the given
// ';'-separated signed headers; presigned requests leave out X-Amz-Signature.
// S3's canonical URI is used when req.ExpectedService is "s3".
func CanonicalRequest(req *Request, signedHeaders string, presigned bool) string {
	params := parseQuery(nil, req.RawQuery)
	sortParams(params)
	skip := ""
	if presigned {
		skip = queryKeySignature
	}
	return string(appendCanonicalRequest(nil, req, params, skip, signedHeaders, req.PayloadHash, req.ExpectedService == "s3"))
}

// StringToSign returns the string to sign for a canonical request.
func StringToSign(signingTime time.Time, scope, canonicalRequest string) string {
	return string(appendStringToSign(nil, formatBasic(signingTime), scope, []byte(canonicalRequest)))
}

// Signature returns the hex signature of a string to sign.
func Signature(secret, date, region, service, stringToSign string) string {
	k := deriveSigningKey(secret, date, region, service)
	mac := k.sum(newMACHash(), []byte(stringToSign))
	return hex.EncodeToString(mac[:])
}
