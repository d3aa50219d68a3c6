package emulator_test

// The bad-input matrix: a test generated from the model tables rather than
// written per operation. For every operation of every served model it
// synthesizes a plausible input from the shapes, then sends variants of it
// over the real HTTP endpoint, signed, in the operation's own protocol: each
// required member missing, members of the wrong wire type, strings over
// their length limit, numbers out of range, invalid enum values and
// malformed ARNs. Every answer must be a 4xx with a code the model lists for
// the operation or one of the protocol's generic validation codes, and the
// stored state must be the same afterwards.

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	bolt "go.etcd.io/bbolt"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/wire/restxml"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// genericCodes are the codes a protocol's front end answers for input it
// cannot read or that breaks a model constraint, whatever the operation
// models; AWS's services answer the same ones.
var genericCodes = map[apimodel.Protocol][]string{
	// Image Builder answers InvalidParameterValueException,
	// InvalidParameterCombinationException and ResourceNotFoundException
	// from operations whose model does not list them (the emulator follows
	// AWS's observed answers), and UnknownOperationException for a path no
	// operation has (a label left empty).
	apimodel.RESTJSON1: {"SerializationException", "ValidationException", "InvalidParameterValueException", "InvalidRequestException",
		"InvalidParameterCombinationException", "ResourceNotFoundException", "UnknownOperationException"},
	apimodel.AWSJSON11: {"SerializationException", "ValidationException"},
	apimodel.AWSQuery:  {"InvalidParameterValue", "InvalidInput", "MalformedInput", "MissingParameter", "ValidationError", "InvalidParameterCombination"},
	// S3 models almost none of its errors; these are its documented
	// common codes for bad requests and missing resources.
	apimodel.RESTXML: {"InvalidArgument", "MalformedXML", "MissingRequestBodyError", "InvalidRequest", "InvalidBucketName",
		"NoSuchBucket", "NoSuchKey", "NoSuchUpload", "InvalidDigest", "BadDigest", "MalformedPolicy", "InvalidPartOrder",
		"InvalidPart", "MissingContentLength", "InvalidTag", "MalformedACLError", "InvalidLocationConstraint", "InvalidRange",
		"NoSuchBucketPolicy", "NoSuchTagSet", "NoSuchLifecycleConfiguration", "NoSuchCORSConfiguration",
		"ServerSideEncryptionConfigurationNotFoundError", "NoSuchPublicAccessBlockConfiguration", "OwnershipControlsNotFoundError",
		"NoSuchWebsiteConfiguration", "ObjectLockConfigurationNotFoundError", "MethodNotAllowed", "NotImplemented",
		"InvalidBucketState", "IllegalLocationConstraintException", "PreconditionFailed", "InvalidStorageClass",
		"AccessControlListNotSupported", "InvalidBucketAclWithObjectOwnership"},
}

// matrixAllowed are answers the matrix accepts for one mutation although
// they are not a 4xx with a modeled or generic code, each with its reason.
// Keys are "Operation/mutation" ("*" matches any mutation).
var matrixAllowed = map[string]string{
	"ImportDiskImage/*":        "not implemented: 501 UnsupportedOperation once the input validates",
	"CreateSession/*":          "S3 Express sessions are not served: refused with 403 AccessDenied",
	"WriteGetObjectResponse/*": "no Service Authorization Reference entry: refused with 403 AccessDenied",
}

// unrefusedEnums are enum shapes whose unknown values AWS ignores rather
// than refuses, so the matrix sends none.
var unrefusedEnums = map[apimodel.Protocol]map[string]string{
	apimodel.RESTXML: {
		"RequestPayer": "S3 treats an x-amz-request-payer other than \"requester\" as absent",
		"ChecksumMode": "S3 treats an x-amz-checksum-mode other than ENABLED as absent",
	},
}

// unsendable are members the matrix cannot put a bad value in: Go's HTTP
// client writes Content-Length itself.
var unsendable = map[string]bool{"Content-Length": true}

// mutation is one bad variant of an operation's input.
type mutation struct {
	name  string
	input map[string]any
}

// Raw wire values put in place of a member's own encoding.
type (
	rawJSON string // a JSON value, verbatim
	rawText string // a query, header, label or XML text value, verbatim
	rawXML  string // XML content of the member's element, verbatim
)

// matrixFinding is one answer the matrix rejects.
type matrixFinding struct {
	service, op, mutation string
	status                int
	code                  string
	body                  string
}

func TestBadInputMatrix(t *testing.T) {
	emu := emulatortest.Start(t, func(c *emulator.Config) {
		c.DecisionLogInMemory = true
		c.ScheduleInterval = -1
	})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	adm := rootAdminClient(t, emu)
	matrixFixtures(t, emu)
	before := stateFingerprint(t, adm)

	var (
		mu       sync.Mutex
		findings []matrixFinding
		sent     int
		rerouted int
		unimpl   = map[string]bool{}
		perSvc   = map[string]int{}
	)
	services := []*apimodel.Service{ibv1.Model(), iamv1.Model(), stsv1.Model(), s3v1.Model(), kmsv1.Model()}
	t.Run("ops", func(t *testing.T) {
		for _, svc := range services {
			var router *restxml.Router
			if svc.Protocol == apimodel.RESTXML {
				router = restxml.NewRouter(svc)
			}
			for _, op := range svc.Operations {
				t.Run(svc.SigningName+"/"+op.Name, func(t *testing.T) {
					t.Parallel()
					for _, m := range mutations(svc, op) {
						req := buildRequest(t, emu, svc, op, m.input)
						if req == nil {
							continue
						}
						if router != nil {
							// A request without a member that selects the
							// operation is another operation's request.
							got, _, _ := router.Match(req.Method, req.URL.EscapedPath(), req.URL.Query(), req.Header)
							if got != nil && got != op {
								mu.Lock()
								rerouted++
								mu.Unlock()
								continue
							}
						}
						status, code, body := sendMatrix(t, hc, req)
						mu.Lock()
						sent++
						perSvc[svc.SigningName]++
						if status == http.StatusNotImplemented {
							unimpl[svc.SigningName+":"+op.Name] = true
						}
						mu.Unlock()
						if f, bad := judge(svc, op, m, status, code); bad {
							f.body = body
							mu.Lock()
							findings = append(findings, f)
							mu.Unlock()
						}
					}
				})
			}
		}
	})

	after := stateFingerprint(t, adm)
	for _, d := range diffFingerprints(before, after) {
		t.Errorf("state changed by the matrix: %s", d)
	}
	sort.Slice(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		return a.service+a.op+a.mutation < b.service+b.op+b.mutation
	})
	for _, f := range findings {
		t.Errorf("%s %s [%s]: HTTP %d %q: %.200s", f.service, f.op, f.mutation, f.status, f.code, f.body)
	}
	t.Logf("bad-input matrix: %d requests (%v), %d findings; %d variants not sent (another operation's request); %d operations answered 501 (not implemented)",
		sent, perSvc, len(findings), rerouted, len(unimpl))
	names := make([]string, 0, len(unimpl))
	for n := range unimpl {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("not implemented: %s", strings.Join(names, ", "))
}

// matrixFixtures creates the resources the synthesized inputs name, so
// that bad variants of an input naming them reach past "not found" to
// validation: a bucket and object, IAM entities, a KMS key with an alias
// and a component, all "matrix".
func matrixFixtures(t *testing.T, emu *emulator.Emulator) {
	t.Helper()
	ctx := testContext(t)
	putS3Object(t, emu, accountA, "matrix", "matrix", "matrix")
	cfg := emu.AWSConfig(accountA)
	ic := iamClient(t, cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`
	steps := []func() error{
		func() error {
			_, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("matrix")})
			return err
		},
		func() error {
			_, err := ic.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("matrix")})
			return err
		},
		func() error {
			_, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("matrix"), AssumeRolePolicyDocument: aws.String(trust)})
			return err
		},
		func() error {
			_, err := ic.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("matrix"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
			return err
		},
		func() error {
			_, err := ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("matrix")})
			return err
		},
		func() error {
			kc := kmsClient(t, cfg)
			k := mustKey(t, kc, "")
			_, err := kc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/matrix"), TargetKeyId: k.KeyId})
			return err
		},
		func() error {
			_, err := client(t, emu, accountA).CreateComponent(ctx, createInput("matrix", "1.0.0"))
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("fixture %d: %v", i, err)
		}
	}
}

// judge reports whether an answer breaks the matrix's rules.
func judge(svc *apimodel.Service, op *apimodel.Operation, m mutation, status int, code string) (matrixFinding, bool) {
	f := matrixFinding{service: svc.SigningName, op: op.Name, mutation: m.name, status: status, code: code}
	if _, ok := matrixAllowed[op.Name+"/"+m.name]; ok {
		return f, false
	}
	if _, ok := matrixAllowed[op.Name+"/*"]; ok {
		return f, false
	}
	if status == http.StatusNotImplemented && code == "UnsupportedOperation" {
		// An operation the emulator does not implement, refused after
		// its input validated: documented, and changes nothing.
		return f, false
	}
	if status < 400 || status >= 500 {
		return f, true
	}
	if code == "" {
		// HEAD answers carry no body, so no code.
		return f, op.HTTPMethod != http.MethodHead
	}
	if slices.Contains(genericCodes[svc.Protocol], code) {
		return f, false
	}
	for _, name := range op.Errors {
		if e, ok := svc.ErrorByShape(name); ok && e.Code == code {
			return f, false
		}
	}
	return f, true
}

// mutations are the bad variants of op's input.
func mutations(svc *apimodel.Service, op *apimodel.Operation) []mutation {
	base := synthStructure(svc, op.Input, 0)
	with := func(name string, v any) map[string]any {
		in := cloneInput(base)
		in[name] = v
		return in
	}
	var out []mutation
	for _, mem := range op.Input.Members {
		if mem.Required {
			in := cloneInput(base)
			delete(in, mem.Name)
			out = append(out, mutation{name: "missing " + mem.Name, input: in})
		}
		sh := mem.Target
		if unsendable[mem.LocationName] {
			continue
		}
		for _, w := range wrongValues(svc.Protocol, mem) {
			out = append(out, mutation{name: "wrong type " + mem.Name, input: with(mem.Name, w)})
		}
		switch sh.Kind {
		case apimodel.String:
			if sh.MaxLength != nil && *sh.MaxLength < 70000 && !(mem.Location == apimodel.Header && *sh.MaxLength > 4000) {
				out = append(out, mutation{name: "too long " + mem.Name, input: with(mem.Name, strings.Repeat("a", int(*sh.MaxLength)+1))})
			}
			if strings.Contains(sh.Pattern, "arn:") {
				for _, bad := range []string{"not-an-arn", "arn:aws:bogus"} {
					if sh.MatchPattern(bad) {
						continue // the pattern also admits names
					}
					out = append(out, mutation{name: "malformed ARN " + mem.Name + "=" + bad, input: with(mem.Name, bad)})
				}
			}
		case apimodel.Enum:
			if _, ignored := unrefusedEnums[svc.Protocol][sh.Name]; !ignored {
				out = append(out, mutation{name: "invalid enum " + mem.Name, input: with(mem.Name, "NOT_A_VALID_VALUE")})
			}
		case apimodel.Integer, apimodel.Long, apimodel.Float, apimodel.Double:
			if sh.MaxValue != nil && *sh.MaxValue < 1e15 {
				out = append(out, mutation{name: "above range " + mem.Name, input: with(mem.Name, *sh.MaxValue+1)})
			}
			if sh.MinValue != nil && *sh.MinValue > -1e15 {
				out = append(out, mutation{name: "below range " + mem.Name, input: with(mem.Name, *sh.MinValue-1)})
			}
		}
		// One level down: the members of a structure member, or of the
		// structures of a list member, each given a bad value in turn.
		if mem.Location == apimodel.Body || mem.Location == apimodel.Payload {
			out = append(out, nestedMutations(svc, mem, base, with)...)
		}
	}
	return out
}

// nestedMutations are bad variants of the members one level inside mem (a
// structure, or a list of structures): wrong types, nested XML elements
// where text belongs, over-long strings, out-of-range numbers and invalid
// enums.
func nestedMutations(svc *apimodel.Service, mem *apimodel.Member, base map[string]any, with func(string, any) map[string]any) []mutation {
	sh, inList := mem.Target, false
	if sh.Kind == apimodel.List && sh.Elem.Kind == apimodel.Structure {
		sh, inList = sh.Elem, true
	}
	if sh.Kind != apimodel.Structure {
		return nil
	}
	inner := synthStructure(svc, sh, 1)
	if inList {
		if l, ok := base[mem.Name].([]any); ok && len(l) > 0 {
			if m, ok := l[0].(map[string]any); ok {
				inner = m
			}
		}
	} else if m, ok := base[mem.Name].(map[string]any); ok {
		inner = m
	}
	wrap := func(v map[string]any) any {
		if inList {
			return []any{v}
		}
		return v
	}
	var out []mutation
	add := func(what string, im *apimodel.Member, bad any) {
		v := cloneInput(inner)
		v[im.Name] = bad
		out = append(out, mutation{name: what + " " + mem.Name + "." + im.Name, input: with(mem.Name, wrap(v))})
	}
	for _, im := range sh.Members {
		if im.XMLAttribute {
			continue
		}
		t := im.Target
		scalar := t.Kind != apimodel.Structure && t.Kind != apimodel.List && t.Kind != apimodel.Map
		switch svc.Protocol {
		case apimodel.RESTXML:
			if scalar {
				add("nested element", im, rawXML("<Nested>x</Nested>"))
			}
		case apimodel.AWSQuery:
			switch t.Kind {
			case apimodel.Integer, apimodel.Long, apimodel.Float, apimodel.Double, apimodel.Boolean, apimodel.Timestamp:
				add("wrong type", im, rawText("not-a-"+t.Kind.String()))
			}
		default:
			if scalar && t.Kind != apimodel.String && t.Kind != apimodel.Enum && t.Kind != apimodel.Blob {
				add("wrong type", im, rawJSON(`"matrix"`))
			} else if scalar {
				add("wrong type", im, rawJSON("42"))
			} else {
				add("wrong type", im, rawJSON(`"matrix"`))
			}
		}
		switch t.Kind {
		case apimodel.String:
			if t.MaxLength != nil && *t.MaxLength < 70000 {
				add("too long", im, strings.Repeat("a", int(*t.MaxLength)+1))
			}
		case apimodel.Enum:
			if _, ignored := unrefusedEnums[svc.Protocol][t.Name]; !ignored {
				add("invalid enum", im, "NOT_A_VALID_VALUE")
			}
		case apimodel.Integer, apimodel.Long, apimodel.Float, apimodel.Double:
			if t.MaxValue != nil && *t.MaxValue < 1e15 {
				add("above range", im, *t.MaxValue+1)
			}
			if t.MinValue != nil && *t.MinValue > -1e15 {
				add("below range", im, *t.MinValue-1)
			}
		}
	}
	return out
}

// wrongValues are values of another wire type for mem in protocol p.
func wrongValues(p apimodel.Protocol, mem *apimodel.Member) []any {
	k := mem.Target.Kind
	jsonBody := (p == apimodel.AWSJSON11) || (p == apimodel.RESTJSON1 && mem.Location == apimodel.Body)
	if jsonBody {
		switch k {
		case apimodel.String, apimodel.Enum, apimodel.Blob:
			return []any{rawJSON("42")}
		case apimodel.Timestamp:
			return []any{rawJSON(`"not a time"`)}
		default:
			return []any{rawJSON(`"matrix"`)}
		}
	}
	if p == apimodel.RESTXML && mem.Location == apimodel.Payload {
		return nil
	}
	if mem.Location == apimodel.Payload || mem.Location == apimodel.PrefixHeaders {
		return nil
	}
	switch k {
	case apimodel.Integer, apimodel.Long, apimodel.Float, apimodel.Double, apimodel.Boolean, apimodel.Timestamp:
		return []any{rawText("not-a-" + k.String())}
	}
	return nil
}

func cloneInput(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// stringCandidates are tried in order for a string shape: the first that
// satisfies its pattern and length is the synthesized value.
var stringCandidates = []string{
	"matrix", "matrix-1", "1.0.0", "111122223333", "us-east-1", "alias/matrix", "/", "/matrix/", "a",
	"AKIAIOSFODNN7EXAMPLE", "1234abcd-12ab-34cd-56ef-1234567890ab", "Linux", "x.y", "2024-01-01",
	"arn:aws:imagebuilder:us-east-1:111122223333:component/matrix/1.0.0/1",
	"arn:aws:imagebuilder:us-east-1:111122223333:component/matrix/1.0.0",
	"arn:aws:imagebuilder:us-east-1:111122223333:image-recipe/matrix/1.0.0",
	"arn:aws:imagebuilder:us-east-1:111122223333:container-recipe/matrix/1.0.0",
	"arn:aws:imagebuilder:us-east-1:111122223333:image/matrix/1.0.0/1",
	"arn:aws:imagebuilder:us-east-1:111122223333:image/matrix/1.0.0",
	"arn:aws:imagebuilder:us-east-1:111122223333:image-pipeline/matrix",
	"arn:aws:imagebuilder:us-east-1:111122223333:infrastructure-configuration/matrix",
	"arn:aws:imagebuilder:us-east-1:111122223333:distribution-configuration/matrix",
	"arn:aws:imagebuilder:us-east-1:111122223333:lifecycle-policy/matrix",
	"arn:aws:imagebuilder:us-east-1:111122223333:workflow/build/matrix/1.0.0/1",
	"arn:aws:imagebuilder:us-east-1:111122223333:workflow/build/matrix/1.0.0",
	"arn:aws:imagebuilder:us-east-1:111122223333:workflow-execution/wf-12345678-1234-1234-1234-123456789012",
	"arn:aws:imagebuilder:us-east-1:111122223333:lifecycle-execution/lce-12345678-1234-1234-1234-123456789012",
	"arn:aws:iam::111122223333:role/matrix", "arn:aws:iam::111122223333:policy/matrix",
	"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	"wf-12345678-1234-1234-1234-123456789012", "lce-12345678-1234-1234-1234-123456789012",
	"ami-12345678", "i-1234567890abcdef0", "subnet-12345678", "sg-12345678", "AROAEXAMPLEEXAMPLE",
	"ABCDEFGHIJKLMNOP", "123456",
}

// synthString is a value of sh satisfying its constraints where a
// candidate does, else "matrix" padded to the minimum length.
func synthString(sh *apimodel.Shape) string {
	fits := func(s string) bool {
		if sh.MinLength != nil && int64(len(s)) < *sh.MinLength {
			return false
		}
		if sh.MaxLength != nil && int64(len(s)) > *sh.MaxLength {
			return false
		}
		return sh.MatchPattern(s)
	}
	for _, c := range stringCandidates {
		if fits(c) {
			return c
		}
		if sh.MinLength != nil && int64(len(c)) < *sh.MinLength {
			padded := c + strings.Repeat("a", int(*sh.MinLength)-len(c))
			if fits(padded) {
				return padded
			}
		}
	}
	s := "matrix"
	if sh.MinLength != nil && int64(len(s)) < *sh.MinLength {
		s += strings.Repeat("a", int(*sh.MinLength)-len(s))
	}
	return s
}

// synthValue is a plausible value of sh; structures get their required
// members only.
func synthValue(svc *apimodel.Service, sh *apimodel.Shape, depth int) any {
	switch sh.Kind {
	case apimodel.String:
		return synthString(sh)
	case apimodel.Enum:
		if len(sh.EnumValues) > 0 {
			return sh.EnumValues[0]
		}
		return "matrix"
	case apimodel.Boolean:
		return false
	case apimodel.Integer, apimodel.Long, apimodel.Float, apimodel.Double:
		v := 1.0
		if sh.MinValue != nil && *sh.MinValue > v {
			v = *sh.MinValue
		}
		if sh.MaxValue != nil && *sh.MaxValue < v {
			v = *sh.MaxValue
		}
		return v
	case apimodel.Timestamp:
		return float64(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	case apimodel.Blob:
		return base64.StdEncoding.EncodeToString([]byte("matrix"))
	case apimodel.List:
		n := 1
		if sh.MinLength != nil && *sh.MinLength > 1 {
			n = int(*sh.MinLength)
		}
		out := make([]any, n)
		for i := range out {
			out[i] = synthValue(svc, sh.Elem, depth+1)
		}
		return out
	case apimodel.Map:
		k := "matrix"
		if sh.Key != nil {
			k = synthString(sh.Key)
		}
		return map[string]any{k: synthValue(svc, sh.Elem, depth+1)}
	case apimodel.Structure:
		if depth > 5 {
			return map[string]any{}
		}
		return synthStructure(svc, sh, depth)
	}
	return "matrix"
}

func synthStructure(svc *apimodel.Service, sh *apimodel.Shape, depth int) map[string]any {
	out := map[string]any{}
	for _, m := range sh.Members {
		if !m.Required {
			continue
		}
		out[m.Name] = synthValue(svc, m.Target, depth+1)
		if svc.Protocol == apimodel.AWSJSON11 && m.Target.Name == "KeyIdType" {
			out[m.Name] = "alias/matrix" // the fixture key
		}
	}
	return out
}

// --- encoding -------------------------------------------------------------

func appendJSON(b []byte, sh *apimodel.Shape, v any) []byte {
	switch x := v.(type) {
	case rawJSON:
		return append(b, x...)
	case rawText, rawXML:
		return strconv.AppendQuote(b, fmt.Sprint(x))
	}
	switch sh.Kind {
	case apimodel.Structure:
		in, _ := v.(map[string]any)
		b = append(b, '{')
		first := true
		for _, m := range sh.Members {
			mv, ok := in[m.Name]
			if !ok {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = strconv.AppendQuote(b, m.Name)
			b = append(b, ':')
			b = appendJSON(b, m.Target, mv)
		}
		return append(b, '}')
	case apimodel.List:
		b = append(b, '[')
		for i, e := range v.([]any) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, sh.Elem, e)
		}
		return append(b, ']')
	case apimodel.Map:
		b = append(b, '{')
		i := 0
		for k, e := range v.(map[string]any) {
			if i > 0 {
				b = append(b, ',')
			}
			i++
			b = strconv.AppendQuote(b, k)
			b = append(b, ':')
			b = appendJSON(b, sh.Elem, e)
		}
		return append(b, '}')
	}
	j, _ := json.Marshal(v)
	return append(b, j...)
}

// scalarText is a scalar's text for query strings, headers, labels and XML.
func scalarText(sh *apimodel.Shape, v any, header bool) string {
	switch x := v.(type) {
	case rawText:
		return string(x)
	case rawJSON:
		return string(x)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if sh.Kind == apimodel.Timestamp {
			ts := time.Unix(int64(x), 0).UTC()
			if header {
				return ts.Format(http.TimeFormat)
			}
			return ts.Format(time.RFC3339)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func flattenQuery(q url.Values, prefix string, sh *apimodel.Shape, v any) {
	switch v.(type) {
	case rawText, rawJSON, rawXML:
		q.Set(prefix, scalarText(sh, v, false))
		return
	}
	switch sh.Kind {
	case apimodel.Structure:
		in, _ := v.(map[string]any)
		for _, m := range sh.Members {
			if mv, ok := in[m.Name]; ok {
				flattenQuery(q, prefix+"."+m.Name, m.Target, mv)
			}
		}
	case apimodel.List:
		for i, e := range v.([]any) {
			flattenQuery(q, fmt.Sprintf("%s.member.%d", prefix, i+1), sh.Elem, e)
		}
	case apimodel.Map:
		i := 0
		for k, e := range v.(map[string]any) {
			i++
			q.Set(fmt.Sprintf("%s.entry.%d.key", prefix, i), k)
			flattenQuery(q, fmt.Sprintf("%s.entry.%d.value", prefix, i), sh.Elem, e)
		}
	default:
		q.Set(prefix, scalarText(sh, v, false))
	}
}

func appendXML(b *bytes.Buffer, name string, sh *apimodel.Shape, v any) {
	b.WriteString("<" + name + ">")
	writeXMLContent(b, sh, v)
	b.WriteString("</" + name + ">")
}

func writeXMLContent(b *bytes.Buffer, sh *apimodel.Shape, v any) {
	if x, ok := v.(rawXML); ok {
		b.WriteString(string(x))
		return
	}
	switch sh.Kind {
	case apimodel.Structure:
		in, _ := v.(map[string]any)
		for _, m := range sh.Members {
			mv, ok := in[m.Name]
			if !ok || m.XMLAttribute {
				continue
			}
			if m.Target.Kind == apimodel.List && m.XMLFlattened {
				for _, e := range mv.([]any) {
					appendXML(b, m.ElementName(), m.Target.Elem, e)
				}
				continue
			}
			appendXML(b, m.ElementName(), m.Target, mv)
		}
	case apimodel.List:
		name := sh.ElemXMLName
		if name == "" {
			name = "member"
		}
		if l, ok := v.([]any); ok {
			for _, e := range l {
				appendXML(b, name, sh.Elem, e)
			}
		}
	case apimodel.Map:
		if mv, ok := v.(map[string]any); ok {
			for k, e := range mv {
				b.WriteString("<entry>")
				appendXML(b, "key", sh.Key, k)
				appendXML(b, "value", sh.Elem, e)
				b.WriteString("</entry>")
			}
		}
	default:
		_ = xml.EscapeText(b, []byte(scalarText(sh, v, false)))
	}
}

// buildRequest encodes input as op's request in svc's protocol, signed as
// accountA's root user.
func buildRequest(t *testing.T, emu *emulator.Emulator, svc *apimodel.Service, op *apimodel.Operation, input map[string]any) *http.Request {
	t.Helper()
	var (
		method = http.MethodPost
		path   = "/"
		query  = url.Values{}
		header = http.Header{}
		body   []byte
	)
	switch svc.Protocol {
	case apimodel.AWSJSON11:
		header.Set("X-Amz-Target", svc.TargetPrefix+"."+op.Name)
		header.Set("Content-Type", "application/x-amz-json-1.1")
		body = appendJSON(nil, op.Input, input)
	case apimodel.AWSQuery:
		form := url.Values{"Action": {op.Name}, "Version": {svc.APIVersion}}
		for _, m := range op.Input.Members {
			if v, ok := input[m.Name]; ok {
				flattenQuery(form, m.Name, m.Target, v)
			}
		}
		header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		body = []byte(form.Encode())
	case apimodel.RESTJSON1, apimodel.RESTXML:
		method = op.HTTPMethod
		uri, lit, _ := strings.Cut(op.HTTPURI, "?")
		if lit != "" {
			for _, kv := range strings.Split(lit, "&") {
				k, v, _ := strings.Cut(kv, "=")
				query.Add(k, v)
			}
		}
		bodyMembers := map[string]any{}
		var bodyShape []*apimodel.Member
		for _, m := range op.Input.Members {
			v, present := input[m.Name]
			switch m.Location {
			case apimodel.Label:
				text := ""
				if present {
					text = scalarText(m.Target, v, false)
				}
				esc := url.PathEscape(text)
				if strings.Contains(uri, "{"+m.LocationName+"+}") {
					esc = strings.ReplaceAll(esc, "%2F", "/")
					uri = strings.Replace(uri, "{"+m.LocationName+"+}", esc, 1)
				} else {
					uri = strings.Replace(uri, "{"+m.LocationName+"}", esc, 1)
				}
			case apimodel.Query:
				if !present {
					continue
				}
				if l, ok := v.([]any); ok {
					for _, e := range l {
						query.Add(m.LocationName, scalarText(m.Target.Elem, e, false))
					}
				} else {
					query.Set(m.LocationName, scalarText(m.Target, v, false))
				}
			case apimodel.Header:
				if !present {
					continue
				}
				if l, ok := v.([]any); ok {
					parts := make([]string, len(l))
					for i, e := range l {
						parts[i] = scalarText(m.Target.Elem, e, true)
					}
					header.Set(m.LocationName, strings.Join(parts, ","))
				} else {
					header.Set(m.LocationName, scalarText(m.Target, v, true))
				}
			case apimodel.PrefixHeaders:
				if mv, ok := v.(map[string]any); ok {
					for k, e := range mv {
						header.Set(m.LocationName+k, fmt.Sprint(e))
					}
				}
			case apimodel.Payload:
				if !present {
					continue
				}
				switch m.Target.Kind {
				case apimodel.Structure:
					if svc.Protocol == apimodel.RESTXML {
						name := m.ElementName()
						if m.Target.XMLName != "" && m.XMLName == "" {
							name = m.Target.XMLName
						}
						var b bytes.Buffer
						fmt.Fprintf(&b, `<%s xmlns="%s">`, name, svc.XMLNamespace)
						writeXMLContent(&b, m.Target, v)
						b.WriteString("</" + name + ">")
						body = b.Bytes()
					} else {
						body = appendJSON(nil, m.Target, v)
					}
				case apimodel.Blob:
					if s, ok := v.(string); ok {
						raw, err := base64.StdEncoding.DecodeString(s)
						if err == nil {
							body = raw
							break
						}
					}
					body = []byte(scalarText(m.Target, v, false))
				default:
					body = []byte(scalarText(m.Target, v, false))
				}
			case apimodel.Body:
				if present {
					bodyMembers[m.Name] = v
					bodyShape = append(bodyShape, m)
				}
			}
		}
		if svc.Protocol == apimodel.RESTJSON1 && (len(bodyShape) > 0 || hasBodyMembers(op.Input)) {
			header.Set("Content-Type", "application/json")
			body = appendJSON(nil, op.Input, bodyMembers)
		}
		path = uri
		if op.ChecksumRequired && header.Get("Content-MD5") == "" {
			sum := md5.Sum(body)
			header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		}
	}
	full := emu.HTTPURL() + path
	if len(query) > 0 {
		full += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(testContext(t), method, full, bytes.NewReader(body))
	if err != nil {
		// A synthesized label no URL can hold: not a request to send.
		return nil
	}
	req.ContentLength = int64(len(body))
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if svc.Protocol == apimodel.RESTXML {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	creds := aws.Credentials{AccessKeyID: emulator.RootAccessKeyID(accountA), SecretAccessKey: emulator.DefaultRootSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, svc.SigningName, region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

func hasBodyMembers(sh *apimodel.Shape) bool {
	for _, m := range sh.Members {
		if m.Location == apimodel.Body {
			return true
		}
	}
	return false
}

// sendMatrix sends req and returns the status, the error code and the body.
func sendMatrix(t *testing.T, hc *http.Client, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", req.Method, req.URL, err)
	}
	return resp.StatusCode, errorCode(resp.Header, body), string(body)
}

// errorCode is the AWS error code of a response in any of the protocols.
func errorCode(h http.Header, body []byte) string {
	if c := h.Get("X-Amzn-ErrorType"); c != "" {
		c, _, _ = strings.Cut(c, ":")
		return c
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var e struct {
			Type string `json:"__type"`
			Code string `json:"code"`
		}
		if json.Unmarshal(trimmed, &e) == nil {
			c := e.Type
			if c == "" {
				c = e.Code
			}
			if i := strings.LastIndexByte(c, '#'); i >= 0 {
				c = c[i+1:]
			}
			return c
		}
	}
	if i := bytes.Index(trimmed, []byte("<Code>")); i >= 0 {
		rest := trimmed[i+len("<Code>"):]
		if j := bytes.Index(rest, []byte("</Code>")); j >= 0 {
			return string(rest[:j])
		}
	}
	return ""
}

// stateFingerprint reads a snapshot through the admin API and returns a
// digest of every stored key and value outside the emulator's journals.
func stateFingerprint(t *testing.T, adm adminv1.AdminClient) map[string]string {
	t.Helper()
	stream, err := adm.Snapshot(testContext(t), &adminv1.SnapshotRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for {
		c, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, c.GetData()...)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("snap-%d.db", time.Now().UnixNano()))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			key := prefix + "/" + strconv.Quote(string(k))
			if v == nil {
				return walk(key, b.Bucket(k))
			}
			sum := sha256.Sum256(v)
			out[key] = hex.EncodeToString(sum[:8])
			return nil
		})
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) == "journals" {
				return nil
			}
			return walk(strconv.Quote(string(name)), b)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diffFingerprints(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		if w, ok := before[k]; !ok {
			out = append(out, "added "+k)
		} else if w != v {
			out = append(out, "changed "+k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, "removed "+k)
		}
	}
	sort.Strings(out)
	return out
}
