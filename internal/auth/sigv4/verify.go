package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
	"sync"
	"time"
)

// ErrUnknownAccessKey is what a KeyLookup returns for an access key id it
// does not know.
var ErrUnknownAccessKey = errors.New("sigv4: unknown access key id")

// KeyLookup resolves an access key id to its secret access key. It returns
// ErrUnknownAccessKey for unknown ids; a *Failure is passed through to the
// client; any other error is an internal failure.
type KeyLookup interface {
	SecretKey(accessKeyID string) (string, error)
}

// KeyLookupFunc adapts a function to KeyLookup.
type KeyLookupFunc func(accessKeyID string) (string, error)

// SecretKey calls f.
func (f KeyLookupFunc) SecretKey(accessKeyID string) (string, error) { return f(accessKeyID) }

// StaticKeys is a fixed map from access key id to secret.
type StaticKeys map[string]string

// SecretKey looks the id up in the map.
func (s StaticKeys) SecretKey(accessKeyID string) (string, error) {
	if secret, ok := s[accessKeyID]; ok {
		return secret, nil
	}
	return "", ErrUnknownAccessKey
}

// Result describes a verified request.
type Result struct {
	AccessKeyID string
	// SessionToken is X-Amz-Security-Token (header or query), if sent. The
	// verifier does not validate it; the credential source must.
	SessionToken string
	// SessionTokenSigned reports whether the token was covered by the
	// signature (always true when presigned).
	SessionTokenSigned bool
	Region             string
	Service            string
	SigningTime        time.Time
	// SignedHeaders is the signed header list as the client sent it: lower-case
	// names separated by ';' (SignedHeaderNames splits it).
	SignedHeaders string
	Presigned     bool
	// Expires is when a presigned request stops being valid (zero when it
	// carries no X-Amz-Expires).
	Expires time.Time
	// Chain verifies the chunk and trailer signatures of the body when the
	// payload hash is StreamingPayload or StreamingPayloadTrailer (nil
	// otherwise). Its seed is this request's signature.
	Chain *ChunkChain
}

// Defaults match AWS.
const (
	DefaultClockSkew        = 15 * time.Minute
	DefaultMaxPresignExpiry = 7 * 24 * time.Hour
	defaultKeyCacheSize     = 4096
)

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	clockSkew        time.Duration
	maxPresignExpiry time.Duration
	keys             *keyCache
	prefixes         prefixCache
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithClockSkew sets how far the request time may be from now (default 15
// minutes, both ways).
func WithClockSkew(d time.Duration) Option { return func(v *Verifier) { v.clockSkew = d } }

// WithMaxPresignExpiry caps X-Amz-Expires (default 7 days).
func WithMaxPresignExpiry(d time.Duration) Option {
	return func(v *Verifier) { v.maxPresignExpiry = d }
}

// WithKeyCacheSize bounds the derived-key cache; 0 disables it.
func WithKeyCacheSize(n int) Option { return func(v *Verifier) { v.keys = newKeyCache(n) } }

// NewVerifier returns a verifier with AWS's defaults.
func NewVerifier(opts ...Option) *Verifier {
	v := &Verifier{
		clockSkew:        DefaultClockSkew,
		maxPresignExpiry: DefaultMaxPresignExpiry,
		keys:             newKeyCache(defaultKeyCacheSize),
	}
	for _, o := range opts {
		o(v)
	}
	return v
}

var defaultVerifier = NewVerifier()

// SignedHeaderNames returns the signed header names, in the order signed.
func (r *Result) SignedHeaderNames() []string { return strings.Split(r.SignedHeaders, ";") }

// Verify checks req with a shared default verifier. The error is nil or a
// *Failure.
func Verify(req Request, now time.Time, keys KeyLookup) (*Result, error) {
	res, f := defaultVerifier.Verify(&req, now, keys)
	if f != nil {
		return nil, f
	}
	return res, nil
}

// scratch holds per-verification buffers, pooled so a verification does not
// allocate them.
type scratch struct {
	params []queryParam
	creq   []byte
	sts    []byte
	mac    []byte // hashes the secret on a key cache miss
	hmac   *macHash
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{params: make([]queryParam, 0, 16), creq: make([]byte, 0, 1024), sts: make([]byte, 0, 256), mac: make([]byte, 0, 128), hmac: newMACHash()}
}}

const maxPooledBuffer = 64 << 10

func putScratch(s *scratch) {
	if cap(s.creq) > maxPooledBuffer || cap(s.mac) > maxPooledBuffer || cap(s.params) > 1024 {
		return
	}
	// Drop references to request strings. Only the used part can hold any:
	// every scratch is put back with its whole array cleared, and a grown
	// array is zero past its length.
	clear(s.params)
	s.params, s.creq, s.sts, s.mac = s.params[:0], s.creq[:0], s.sts[:0], s.mac[:0]
	scratchPool.Put(s)
}

// claims is what the request says about itself before it is verified.
type claims struct {
	cred          Credential
	signedHeaders string
	signature     string
	time          time.Time
	amzDate       string // time in ISO 8601 basic format
	dateSource    string
	sessionToken  string
	tokenSigned   bool
	presigned     bool
	expires       time.Time
	// seen is a header already looked up, which the canonical headers
	// reuse.
	seen seenHeader
}

// Verify checks the request's signature as of now. On success it returns
// what the signature proves; otherwise a *Failure saying why, in AWS terms.
func (v *Verifier) Verify(req *Request, now time.Time, keys KeyLookup) (*Result, *Failure) {
	res := new(Result)
	if f := v.VerifyInto(req, now, keys, res); f != nil {
		return nil, f
	}
	return res, nil
}

// VerifyInto is Verify filling in res (on success only), for callers that
// keep the result in memory of their own.
func (v *Verifier) VerifyInto(req *Request, now time.Time, keys KeyLookup, res *Result) *Failure {
	// No defer: verify has too many returns for the compiler to open-code
	// one, and a deferred call on the heap chain costs more than the rest of
	// this function.
	sc := scratchPool.Get().(*scratch)
	fail, presigned := v.verify(sc, req, now, keys, res)
	putScratch(sc)
	if presigned && fail != nil && fail.Kind == KindIncompleteSignature {
		fail.Presigned = true
	}
	return fail
}

// verify is VerifyInto with the caller's scratch. presigned reports that the
// query carries presigned parameters (whatever the outcome).
func (v *Verifier) verify(sc *scratch, req *Request, now time.Time, keys KeyLookup, res *Result) (fail *Failure, presigned bool) {
	sc.params = parseQuery(sc.params[:0], req.RawQuery)
	authz := headerValues(req.Header, "authorization")
	presigned = isPresigned(sc.params)

	if isSignatureV2(authz, sc.params) {
		return UnsupportedSignatureVersion(), presigned
	}
	var c claims
	var f *Failure
	switch {
	case len(authz) > 0 && authz[0] != "" && presigned:
		return incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified"), presigned
	case len(authz) > 1:
		return incomplete("Only one Authorization header is allowed."), presigned
	case len(authz) == 1 && authz[0] != "":
		f = headerClaims(req, authz[0], &c)
	case presigned:
		f = v.queryClaims(sc.params, &c)
	default:
		return MissingAuthentication(), presigned
	}
	if f != nil {
		return f, presigned
	}
	if f := checkScope(req, &c); f != nil {
		return f, presigned
	}
	if f := v.checkTime(&c, now); f != nil {
		return f, presigned
	}

	secret, f := lookupSecret(keys, c.cred.AccessKeyID)
	if f != nil {
		return f, presigned
	}
	payloadHash := req.PayloadHash
	switch {
	case payloadHash == "":
		return Internal(errors.New("sigv4: Request.PayloadHash is empty")), presigned
	case payloadHash == UnsignedPayload && !req.AllowUnsignedPayload:
		return SignatureMismatch(), presigned
	}

	sortParams(sc.params)
	skip := ""
	if c.presigned {
		skip = queryKeySignature
	}
	sc.creq = appendCanonicalRequestSeen(sc.creq[:0], req, sc.params, skip, c.signedHeaders, payloadHash, c.cred.Service == "s3", &c.seen)
	sc.sts = appendStringToSignSum(sc.sts[:0], c.amzDate, c.cred.Scope, v.prefixes.sum(sc.hmac, sc.creq, now))
	key := v.keys.get(sc.mac, secret, c.cred.Scope, c.cred.Date, c.cred.Region, c.cred.Service)
	mac := key.sumStringToSign(sc.hmac, sc.sts)
	if !signatureEqual(&mac, c.signature) {
		mismatch := SignatureMismatch()
		mismatch.CanonicalRequest, mismatch.StringToSign = string(sc.creq), string(sc.sts)
		return mismatch, presigned
	}

	var chain *ChunkChain
	if payloadHash == StreamingPayload || payloadHash == StreamingPayloadTrailer {
		chain = newChunkChain(key, c.amzDate, c.cred.Scope, c.signature)
	}
	*res = Result{
		Chain:              chain,
		AccessKeyID:        c.cred.AccessKeyID,
		SessionToken:       c.sessionToken,
		SessionTokenSigned: c.tokenSigned,
		Region:             c.cred.Region,
		Service:            c.cred.Service,
		SigningTime:        c.time,
		SignedHeaders:      c.signedHeaders,
		Presigned:          c.presigned,
		Expires:            c.expires,
	}
	return nil, presigned
}

// headerClaims reads the Authorization header form into c.
func headerClaims(req *Request, header string, c *claims) *Failure {
	a, f := ParseAuthorization(header)
	if f != nil {
		return f
	}
	dateName, source, httpDate := "x-amz-date", "X-Amz-Date", false
	dates := headerValues(req.Header, dateName)
	if len(dates) == 0 || dates[0] == "" {
		dateName, source, httpDate = "date", "Date", true
		dates = headerValues(req.Header, dateName)
	}
	date := ""
	if len(dates) > 0 {
		date = dates[0]
	}
	if a.Credential == "" || a.Signature == "" || a.SignedHeaders == "" || date == "" {
		return missingHeaderParts(a.Credential == "", a.Signature == "", a.SignedHeaders == "", date == "", header)
	}
	// The canonical headers need the date header's values again.
	c.seen = seenHeader{name: dateName, values: dates}
	if c.time, c.amzDate, f = parseRequestTime(date, httpDate); f != nil {
		return f
	}
	if f = parseCredential(a.Credential, &c.cred); f != nil {
		return f
	}
	c.dateSource = source
	c.signedHeaders, c.signature = a.SignedHeaders, a.Signature
	c.sessionToken = firstHeader(req.Header, "x-amz-security-token")
	c.tokenSigned = c.sessionToken != "" && signsHeader(c.signedHeaders, "x-amz-security-token")
	return nil
}

// queryClaims reads the presigned query form into c.
func (v *Verifier) queryClaims(params []queryParam, c *claims) *Failure {
	p, f := parsePresigned(params)
	if f != nil {
		return f
	}
	if c.time, c.amzDate, f = parseRequestTime(p.Date, false); f != nil {
		return f
	}
	if f = parseCredential(p.Credential, &c.cred); f != nil {
		return f
	}
	c.dateSource = queryKeyDate
	c.signedHeaders, c.signature = p.SignedHeaders, p.Signature
	c.sessionToken, c.tokenSigned = p.SecurityToken, p.SecurityToken != ""
	c.presigned = true
	if p.HasExpires {
		ttl, f := parseExpires(p.Expires, v.maxPresignExpiry)
		if f != nil {
			return f
		}
		c.expires = c.time.Add(ttl)
	}
	return nil
}

// checkTime: a request must be within the clock skew of now, except that a
// presigned request with X-Amz-Expires stays valid until it expires.
func (v *Verifier) checkTime(c *claims, now time.Time) *Failure {
	if c.expires.IsZero() {
		return checkSkew(c.time, now, v.clockSkew)
	}
	if f := checkNotFuture(c.time, now, v.clockSkew); f != nil {
		return f
	}
	if now.After(c.expires) {
		return presignExpired()
	}
	return nil
}

// checkScope validates the credential scope against the request.
func checkScope(req *Request, c *claims) *Failure {
	if c.cred.Terminator != "aws4_request" {
		return incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", c.cred.Terminator)
	}
	if f := checkScopeDate(c.cred.Date, c.amzDate, c.dateSource); f != nil {
		return f
	}
	if !signsHeader(c.signedHeaders, "host") {
		return failure(KindIncompleteSignature, msgHostNotSigned)
	}
	if c.cred.Region == "" {
		return WrongRegion()
	}
	if c.cred.Service == "" || (req.ExpectedService != "" && c.cred.Service != req.ExpectedService) {
		return WrongService(req.ExpectedService)
	}
	return nil
}

// lookupSecret asks the key store, translating its answer into a failure.
func lookupSecret(keys KeyLookup, accessKeyID string) (string, *Failure) {
	if accessKeyID == "" || keys == nil {
		return "", UnknownAccessKey()
	}
	secret, err := keys.SecretKey(accessKeyID)
	if err == nil {
		return secret, nil
	}
	var f *Failure
	switch {
	case errors.As(err, &f):
		return "", f
	case errors.Is(err, ErrUnknownAccessKey):
		return "", UnknownAccessKey()
	default:
		return "", Internal(err)
	}
}

// signatureEqual compares the computed MAC with the hex signature sent, in
// constant time.
func signatureEqual(mac *[sha256.Size]byte, sent string) bool {
	var want, got [2 * sha256.Size]byte
	if len(sent) != len(got) {
		return false
	}
	encodeHex32(&want, mac)
	copy(got[:], sent)
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

const hexDigits = "0123456789abcdef"

// encodeHex32 is hex.Encode for a SHA-256 sum; fixed sizes let the compiler
// drop the bounds checks that make hex.Encode cost twice as much.
func encodeHex32(dst *[2 * sha256.Size]byte, src *[sha256.Size]byte) {
	for i, b := range src {
		dst[2*i] = hexDigits[b>>4]
		dst[2*i+1] = hexDigits[b&0x0f]
	}
}
