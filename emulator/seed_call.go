package emulator

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ibemu/ibemu/internal/apimodel"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
)

// seedCaller sends a seed's requests in-process to the emulator's HTTP
// handler, as the listener would hand them over from the loopback address,
// signed with SigV4 as the root user of one account at the emulator's
// clock. The requests are those an AWS SDK sends, so they go through the
// same authentication, decoding, validation and authorization as any
// request over the wire; the server does not link an SDK's service
// clients to send them.
type seedCaller struct {
	e       *Emulator
	account string
	region  string
	signer  *v4.Signer
}

func (a *seeder) caller(account string) *seedCaller {
	return &seedCaller{e: a.e, account: account, region: a.seed.region(), signer: v4.NewSigner()}
}

// apiError is a service's error answer: its code and message.
type apiError struct {
	Code    string
	Message string
	Status  int
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// do signs and serves one request; a status other than 2xx is an
// *apiError. s3 marks an S3 request (payload hash header, no path
// escaping in the signature).
func (c *seedCaller) do(ctx context.Context, service, method, path, rawQuery string, header http.Header, body []byte) (*http.Response, []byte, error) {
	u := &url.URL{Scheme: "http", Host: "localhost", RawQuery: rawQuery}
	u.Path, _ = url.PathUnescape(path)
	u.RawPath = path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	s3 := service == "s3"
	if s3 {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	creds := aws.Credentials{AccessKeyID: RootAccessKeyID(c.account), SecretAccessKey: c.e.cfg.RootSecret}
	err = c.signer.SignHTTP(ctx, creds, req, hash, service, c.region, c.e.cfg.Clock(), func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = s3
	})
	if err != nil {
		return nil, nil, err
	}
	resp, err := handlerTransport{h: c.e.srv}.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		return resp, out, responseError(resp, out)
	}
	return resp, out, nil
}

// responseError reads the error of a restJson, awsJson, Query or restXml
// answer.
func responseError(resp *http.Response, body []byte) *apiError {
	e := &apiError{Status: resp.StatusCode}
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		var v struct {
			Type     string `json:"__type"`
			Code     string `json:"code"`
			Message  string `json:"message"`
			MessageU string `json:"Message"`
		}
		_ = json.Unmarshal(t, &v)
		e.Code, e.Message = v.Type, v.Message
		if e.Code == "" {
			e.Code = v.Code
		}
		if e.Message == "" {
			e.Message = v.MessageU
		}
	} else if len(t) > 0 && t[0] == '<' {
		d := xml.NewDecoder(bytes.NewReader(t))
		var name string
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				name = tok.Name.Local
			case xml.CharData:
				switch {
				case name == "Code" && e.Code == "":
					e.Code = string(tok)
				case name == "Message" && e.Message == "":
					e.Message = string(tok)
				}
			case xml.EndElement:
				name = ""
			}
		}
	}
	if h := resp.Header.Get("X-Amzn-ErrorType"); h != "" {
		e.Code = h
	}
	// restJson and awsJson codes may carry a namespace and a URL.
	if i := strings.LastIndexByte(e.Code, '#'); i >= 0 {
		e.Code = e.Code[i+1:]
	}
	e.Code, _, _ = strings.Cut(e.Code, ":")
	if e.Code == "" {
		switch resp.StatusCode {
		case http.StatusNotFound:
			e.Code = "NotFound"
		case http.StatusForbidden:
			e.Code = "Forbidden"
		default:
			e.Code = strconv.Itoa(resp.StatusCode)
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// imageBuilder calls an Image Builder operation (restJson1) with a JSON
// input whose members all travel in the body, and decodes the output into
// out (nil: discarded). A missing idempotency token is filled in, as the
// SDKs do.
func (c *seedCaller) imageBuilder(ctx context.Context, operation string, in map[string]any, out any) error {
	op, ok := ibv1.ModelIndex().Operation(operation)
	if !ok || strings.Contains(op.HTTPURI, "{") {
		return fmt.Errorf("seed: %s is not an operation a seed sends", operation)
	}
	for _, m := range op.Input.Members {
		if m.IdempotencyToken {
			if _, ok := in[m.Name]; !ok {
				in[m.Name] = newToken()
			}
		}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	h := http.Header{"Content-Type": {"application/json"}}
	_, resp, err := c.do(ctx, ibv1.ModelIndex().SigningName, op.HTTPMethod, op.HTTPURI, "", h, body)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(resp, out)
}

// kms calls a KMS operation (awsJson1_1).
func (c *seedCaller) kms(ctx context.Context, operation string, in map[string]any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	m := kmsv1.ModelIndex()
	h := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {m.TargetPrefix + "." + operation}}
	_, _, err = c.do(ctx, m.SigningName, http.MethodPost, "/", "", h, body)
	return err
}

// iam calls an IAM operation (Query) with its parameters and decodes the
// XML answer into out (nil: discarded).
func (c *seedCaller) iam(ctx context.Context, action string, params url.Values, out any) error {
	m := iamv1.ModelIndex()
	params.Set("Action", action)
	params.Set("Version", m.APIVersion)
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	_, resp, err := c.do(ctx, m.SigningName, http.MethodPost, "/", "", h, []byte(params.Encode()))
	if err != nil || out == nil {
		return err
	}
	return xml.Unmarshal(resp, out)
}

// s3 calls S3 in path style: PUT carries body with its Content-MD5.
func (c *seedCaller) s3(ctx context.Context, method, bucket, key, rawQuery string, header http.Header, body []byte) (*http.Response, error) {
	path := "/" + url.PathEscape(bucket)
	if key != "" {
		parts := strings.Split(key, "/")
		for i, p := range parts {
			parts[i] = s3Escape(p)
		}
		path += "/" + strings.Join(parts, "/")
	}
	if header == nil {
		header = http.Header{}
	}
	if method == http.MethodPut {
		sum := md5.Sum(body)
		header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	}
	resp, _, err := c.do(ctx, "s3", method, path, rawQuery, header, body)
	return resp, err
}

// s3Escape escapes a key segment as the SDKs do: everything but the
// unreserved characters.
func s3Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}

// newToken is a random version 4 UUID, the idempotency token the SDKs
// send when the caller gives none.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// inputJSON reads a seed's Image Builder input as the operation's JSON
// body: member names are matched to the model's ignoring case (as
// encoding/json matches struct fields), at every level of structures,
// lists and maps; a member the shape does not have is an error.
func inputJSON(in SeedInput, shape *apimodel.Shape) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(in.JSON))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	v, err := canonicalMembers(v, shape)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("an object with the members of the operation's input")
	}
	return m, nil
}

func canonicalMembers(v any, sh *apimodel.Shape) (any, error) {
	if sh == nil {
		return v, nil
	}
	switch sh.Kind {
	case apimodel.Structure:
		obj, ok := v.(map[string]any)
		if !ok {
			return v, nil
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			m := memberFold(sh, k)
			if m == nil {
				return nil, fmt.Errorf("unknown field %q", k)
			}
			c, err := canonicalMembers(e, m.Target)
			if err != nil {
				return nil, err
			}
			out[m.Name] = c
		}
		return out, nil
	case apimodel.List:
		list, ok := v.([]any)
		if !ok {
			return v, nil
		}
		for i, e := range list {
			c, err := canonicalMembers(e, sh.Elem)
			if err != nil {
				return nil, err
			}
			list[i] = c
		}
		return list, nil
	case apimodel.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return v, nil
		}
		for k, e := range obj {
			c, err := canonicalMembers(e, sh.Elem)
			if err != nil {
				return nil, err
			}
			obj[k] = c
		}
		return obj, nil
	}
	return v, nil
}

// memberFold is the member named name, exactly or else ignoring case.
func memberFold(sh *apimodel.Shape, name string) *apimodel.Member {
	var fold *apimodel.Member
	for _, m := range sh.Members {
		if m.Name == name {
			return m
		}
		if fold == nil && strings.EqualFold(m.Name, name) {
			fold = m
		}
	}
	return fold
}
