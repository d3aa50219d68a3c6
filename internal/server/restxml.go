package server

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/wire/restxml"
)

// S3 answers carry its request id in x-amz-request-id (what the S3 SDKs
// read) and an extended id in x-amz-id-2 (the SDKs' HostID).
const (
	s3RequestIDHeader = "X-Amz-Request-Id"
	s3HostIDHeader    = "X-Amz-Id-2"
)

// serveRESTXMLStreaming serves a request to a restXml API (S3): it is
// authenticated before its body is read, routed, and only then is the body
// read and verified, under the limit of the operation (objects or
// documents).
func (rc *httpCall) serveRESTXMLStreaming(api *API) {
	s, r := rc.s, rc.r
	start := s.now()
	ident, payload, failure := s.opts.Auth.AuthenticateHTTPStreaming(r)
	if failure != nil {
		rc.noteAuthFailure(failure)
		rc.fail(failure.AWSError(rc.protocol()))
		return
	}
	if ident.Service != api.Info.SigningName {
		// The scope read before verification named this API; a verified
		// scope cannot differ, and a body verified only through
		// x-amz-content-sha256 is never handed to another codec.
		rc.fail(unrecognizedService(s, ident.Service))
		return
	}
	c := rc.newCall(start, ident)
	c.S3 = s3Transport(r, ident, payload, start)

	path := r.URL.EscapedPath()
	if bucket := s.virtualHostBucket(r.Host); bucket != "" {
		path = "/" + url.PathEscape(bucket) + path
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		rc.fail(awserr.Newf("InvalidArgument", http.StatusBadRequest, "The query string is malformed: %v", err))
		return
	}
	op, labels, aerr := api.restXML.Match(r.Method, path, query, r.Header)
	rc.labels = labels
	if aerr != nil {
		rc.fail(aerr)
		return
	}
	limit := s.opts.MaxBodyBytes
	if restxml.RawPayload(op) {
		limit = s.opts.MaxObjectBytes
	}
	body, aerr := payload.ReadAll(limit)
	if aerr != nil {
		rc.fail(aerr)
		return
	}
	// net/http keeps Content-Length out of the map; the modeled
	// ContentLength is the decoded payload's length (aws-chunked bodies are
	// longer on the wire).
	header := r.Header.Clone()
	header.Set("Content-Length", strconv.Itoa(len(body)))
	payloadFacts(header, payload)
	out, err := rc.invoke(c, op, func(msg proto.Message) error {
		return decoded(restxml.DecodeInput(op, restxml.Request{Labels: labels, Query: query, Header: header, Body: body}, msg))
	})
	if err != nil {
		rc.fail(awserr.From(err))
	} else {
		rc.writeRESTXML(op, out)
	}
}

// writeRESTXML writes an operation's output: headers from the message,
// the raw payload or XML document, and Content-Length — for HEAD the
// modeled one (the object's size), for others the body's.
func (rc *httpCall) writeRESTXML(op *apimodel.Operation, msg proto.Message) {
	h := rc.w.Header()
	res := restxml.EncodeOutput(h, rc.api.Model(), op, msg)
	rc.setCommonHeaders()
	if rc.r.Method != http.MethodHead || h.Get("Content-Length") == "" {
		h.Set("Content-Length", strconv.Itoa(len(res.Body)))
	}
	rc.w.WriteHeader(res.Status)
	if rc.r.Method != http.MethodHead {
		_, _ = rc.w.Write(res.Body)
	}
	rc.written, rc.status = true, res.Status
}

// writeRESTXMLError writes S3's <Error> document (no body for HEAD, whose
// errors the SDKs read from the status alone), with the error's Fields as
// further elements (<Region>) and its Headers (x-amz-bucket-region).
func (rc *httpCall) writeRESTXMLError(e *awserr.Error) {
	var extra []string
	if b := rc.labels["Bucket"]; b != "" && bucketErrors[e.Code] {
		extra = append(extra, "BucketName", b)
	}
	if k := rc.labels["Key"]; k != "" && e.Code == "NoSuchKey" {
		extra = append(extra, "Key", k)
	}
	for _, f := range e.Fields {
		extra = append(extra, f.Name, f.Value)
	}
	for _, f := range e.Headers {
		rc.w.Header().Set(f.Name, f.Value)
	}
	body := restxml.AppendError(nil, e, rc.requestID, hostID(rc.requestID), extra...)
	rc.write(e.HTTPStatus, restxml.ContentType, body)
}

// bucketErrors are the S3 error codes whose document names the bucket
// (<BucketName>), as S3 writes them.
var bucketErrors = map[string]bool{
	"NoSuchBucket": true, "BucketAlreadyExists": true, "BucketAlreadyOwnedByYou": true,
	"BucketNotEmpty": true, "NoSuchBucketPolicy": true, "InvalidBucketName": true,
	"ServerSideEncryptionConfigurationNotFoundError": true, "OwnershipControlsNotFoundError": true,
	"NoSuchTagSet": true, "NoSuchLifecycleConfiguration": true, "NoSuchCORSConfiguration": true,
	"NoSuchWebsiteConfiguration": true, "NoSuchPublicAccessBlockConfiguration": true,
}

// hostID derives S3's x-amz-id-2 from the request id: an opaque base64
// token, distinct per request.
func hostID(requestID string) string {
	sum := sha256.Sum256([]byte("ibemu-host:" + requestID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// s3Transport collects the values of S3's transport condition keys.
func s3Transport(r *http.Request, ident *auth.Identity, payload *auth.Payload, now time.Time) *callctx.S3Transport {
	t := &callctx.S3Transport{AuthType: "REST-HEADER", SignatureVersion: "AWS4-HMAC-SHA256", ContentSHA256: payload.Mode()}
	if ident.Presigned {
		t.AuthType = "REST-QUERY-STRING"
		t.HasSignatureAge = true
		t.SignatureAge = max(0, now.UnixMilli()-ident.RequestTime.UnixMilli())
	}
	if r.TLS != nil {
		switch r.TLS.Version {
		case tls.VersionTLS10:
			t.TLSVersion = "1.0"
		case tls.VersionTLS11:
			t.TLSVersion = "1.1"
		case tls.VersionTLS12:
			t.TLSVersion = "1.2"
		case tls.VersionTLS13:
			t.TLSVersion = "1.3"
		}
	}
	return t
}

// virtualHostBucket returns the bucket a virtual-hosted-style Host names:
// the labels in front of the longest configured base host it ends with. IP
// literals and hosts under no base are path style ("").
func (s *Server) virtualHostBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return ""
	}
	labels := strings.Split(host, ".")
	best := ""
	bestLen := -1
	for _, base := range s.opts.S3BaseHosts {
		bl := strings.Split(strings.ToLower(base), ".")
		if len(bl) >= len(labels) || len(bl) <= bestLen {
			continue
		}
		tail := labels[len(labels)-len(bl):]
		ok := true
		for i := range bl {
			if bl[i] != "*" && bl[i] != tail[i] {
				ok = false
				break
			}
		}
		if ok {
			best, bestLen = strings.Join(labels[:len(labels)-len(bl)], "."), len(bl)
		}
	}
	return best
}

// payloadFacts puts what reading the payload established into the headers
// the input is decoded from: flexible checksums that came as trailers (the
// x-amz-checksum-* members) and the Content-Encoding without aws-chunked,
// which only describes the transfer.
func payloadFacts(h http.Header, payload *auth.Payload) {
	for name, v := range payload.Checksums() {
		h.Set(name, v)
	}
	if payload.Streaming() {
		if enc := payload.ContentEncoding(); enc != "" {
			h.Set("Content-Encoding", enc)
		} else {
			h.Del("Content-Encoding")
		}
	}
}
