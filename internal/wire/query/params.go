package query

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
)

// DefaultMaxBodyBytes bounds a request body when ReadParams is given no
// limit. IAM's largest parameters are policy documents (at most 131,072
// characters for a managed policy), which percent-encoding can triple.
const DefaultMaxBodyBytes = 1 << 20

const formType = "application/x-www-form-urlencoded"

// ReadParams reads the body of a Query protocol request (up to maxBodyBytes,
// DefaultMaxBodyBytes when zero or less) and returns its parameters with the
// body, which SigV4 verification hashes. See ParseParams for which parts of
// the request hold parameters.
func ReadParams(r *http.Request, maxBodyBytes int64) (url.Values, []byte, *awserr.Error) {
	body, err := ReadBody(r, maxBodyBytes)
	if err != nil {
		return nil, nil, err
	}
	params, err := ParseParams(r, body)
	if err != nil {
		return nil, nil, err
	}
	return params, body, nil
}

// ReadBody reads the whole request body, refusing one larger than
// maxBodyBytes (DefaultMaxBodyBytes when zero or less). A body already
// capped with http.MaxBytesReader is refused the same way.
func ReadBody(r *http.Request, maxBodyBytes int64) ([]byte, *awserr.Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if maxBodyBytes <= 0 {
		maxBodyBytes = DefaultMaxBodyBytes
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, bodyTooLarge(tooLarge.Limit)
		}
		return nil, awserr.New(CodeMalformedQueryString, http.StatusBadRequest, "The request body could not be read.")
	}
	if int64(len(b)) > maxBodyBytes {
		return nil, bodyTooLarge(maxBodyBytes)
	}
	return b, nil
}

// ParseParams returns the parameters of a Query protocol request: those of
// the URL query string and, for a POST whose Content-Type is
// application/x-www-form-urlencoded (any charset parameter is ignored), those
// of body. The SDKs POST a form; GET with a query string works as it does
// against AWS.
//
// Unlike url.ParseQuery, a semicolon is an ordinary character, as it is in
// the Java servers AWS runs; the SDKs percent-encode it anyway.
func ParseParams(r *http.Request, body []byte) (url.Values, *awserr.Error) {
	var form string
	if r.Method == http.MethodPost && isForm(r.Header.Get("Content-Type")) {
		form = string(body)
	}
	count := countParams(form) + countParams(r.URL.RawQuery)
	if count > MaxParams {
		return nil, tooManyParams(count)
	}
	params := make(url.Values, count)
	if err := parseForm(params, form); err != nil {
		return nil, err
	}
	if err := parseForm(params, r.URL.RawQuery); err != nil {
		return nil, err
	}
	return params, nil
}

func isForm(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == formType
}

func bodyTooLarge(limit int64) *awserr.Error {
	return awserr.Newf(CodeRequestEntityTooLarge, http.StatusRequestEntityTooLarge,
		"The request body is larger than %d bytes.", limit)
}

// countParams is an upper bound on the pairs in a form string, so that an
// oversized request is refused before anything is allocated for it.
func countParams(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, "&") + 1
}

// parseForm adds the name=value pairs of an x-www-form-urlencoded string to
// params. Empty pairs are skipped; a pair without '=' has an empty value.
func parseForm(params url.Values, s string) *awserr.Error {
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return badEscape(rawName)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return badEscape(rawName)
		}
		params[name] = append(params[name], value)
	}
	return nil
}

// badEscape answers with the status AWS documents for MalformedQueryString.
func badEscape(rawName string) *awserr.Error {
	return awserr.Newf(CodeMalformedQueryString, http.StatusNotFound,
		"Parameter %s is not valid percent-encoding.", echo(rawName))
}
