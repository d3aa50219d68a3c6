package grpcsigv4

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"google.golang.org/grpc/credentials"
)

// Credentials is a credentials.PerRPCCredentials that signs every RPC with
// aws-sdk-go-v2's SigV4 signer.
type Credentials struct {
	provider    aws.CredentialsProvider
	region      string
	signingName string
	clock       func() time.Time
	signer      *v4.Signer
}

var _ credentials.PerRPCCredentials = (*Credentials)(nil)

// Option configures Credentials.
type Option func(*Credentials)

// WithSigningName overrides the signing name derived from the proto package.
// The server must expect the same name.
func WithSigningName(name string) Option { return func(c *Credentials) { c.signingName = name } }

// WithClock sets the signing clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *Credentials) { c.clock = now } }

// New returns per-RPC credentials signing for region with the credentials
// from provider. Like the SDK, it caches what the provider returns.
func New(provider aws.CredentialsProvider, region string, opts ...Option) *Credentials {
	if provider != nil {
		if _, cached := provider.(*aws.CredentialsCache); !cached {
			provider = aws.NewCredentialsCache(provider)
		}
	}
	c := &Credentials{provider: provider, region: region, clock: time.Now, signer: v4.NewSigner()}
	for _, o := range opts {
		o(c)
	}
	return c
}

// RequireTransportSecurity is false: the emulator listens on loopback
// without TLS. The signature still authenticates every call.
func (c *Credentials) RequireTransportSecurity() bool { return false }

// GetRequestMetadata signs the RPC described by ctx and returns the
// signature metadata.
func (c *Credentials) GetRequestMetadata(ctx context.Context, uri ...string) (map[string]string, error) {
	info, ok := credentials.RequestInfoFromContext(ctx)
	if !ok || info.Method == "" {
		return nil, errors.New("grpcsigv4: no RPC method in context")
	}
	if len(uri) == 0 {
		return nil, errors.New("grpcsigv4: no audience to take the authority from")
	}
	authority, err := authorityOf(uri[0])
	if err != nil {
		return nil, err
	}
	name := c.signingName
	if name == "" {
		if name = SigningName(info.Method); name == "" {
			return nil, fmt.Errorf("grpcsigv4: cannot derive a signing name from %q; use WithSigningName", info.Method)
		}
	}
	if c.provider == nil {
		return nil, errors.New("grpcsigv4: no credentials provider")
	}
	creds, err := c.provider.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("grpcsigv4: retrieve credentials: %w", err)
	}

	req := virtualRequest(authority, info.Method)
	// A signed random nonce makes every call's signature unique: the
	// server refuses a signature it has seen (the message is not signed).
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	req.Header.Set(MetadataNonce, hex.EncodeToString(nonce[:]))
	if err := c.signer.SignHTTP(ctx, creds, req, UnsignedPayload, name, c.region, c.clock()); err != nil {
		return nil, fmt.Errorf("grpcsigv4: sign: %w", err)
	}
	md := map[string]string{
		MetadataAuthorization: req.Header.Get("Authorization"),
		MetadataDate:          req.Header.Get("X-Amz-Date"),
		MetadataContentSHA256: UnsignedPayload,
		MetadataNonce:         req.Header.Get(MetadataNonce),
	}
	if tok := req.Header.Get("X-Amz-Security-Token"); tok != "" {
		md[MetadataSecurityToken] = tok
	}
	return md, nil
}

// virtualRequest is the HTTP request an RPC is signed as. The path goes in
// URL.Opaque so the signer takes it verbatim.
func virtualRequest(authority, fullMethod string) *http.Request {
	host := signedHost(authority)
	return &http.Request{
		Method: Method,
		URL:    &url.URL{Scheme: "https", Host: host, Opaque: "//" + host + fullMethod},
		Host:   host,
		Header: http.Header{"X-Amz-Content-Sha256": {UnsignedPayload}},
		// No Content-Length: the signer would sign one the server cannot see.
		ContentLength: 0,
	}
}

// authorityOf extracts the authority from gRPC's per-RPC audience
// "https://authority/package.Service".
func authorityOf(audience string) (string, error) {
	rest, ok := strings.CutPrefix(audience, "https://")
	if !ok {
		if _, rest, ok = strings.Cut(audience, "://"); !ok {
			return "", fmt.Errorf("grpcsigv4: unexpected audience %q", audience)
		}
	}
	authority, _, _ := strings.Cut(rest, "/")
	if authority == "" {
		return "", fmt.Errorf("grpcsigv4: no authority in audience %q", audience)
	}
	return authority, nil
}
