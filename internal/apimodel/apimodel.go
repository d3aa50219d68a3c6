// Package apimodel describes an AWS service API as the emulator's wire codecs
// need it: operations with their HTTP bindings, shapes with their members,
// wire names, locations and constraints, and the modeled errors.
//
// The descriptions are generated from the official Smithy models (see
// internal/codegen) next to the protobuf types they describe, so the codecs
// never carry per-operation code: they walk these tables and set fields of
// the generated messages by reflection.
package apimodel

import (
	"fmt"
	"hash/maphash"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Protocol is the AWS wire protocol a service speaks.
type Protocol uint8

const (
	RESTJSON1 Protocol = iota + 1 // aws.protocols#restJson1
	AWSQuery                      // aws.protocols#awsQuery
	RESTXML                       // aws.protocols#restXml (S3)
	AWSJSON11                     // aws.protocols#awsJson1_1 (KMS)
)

func (p Protocol) String() string {
	switch p {
	case RESTJSON1:
		return "restJson1"
	case AWSQuery:
		return "awsQuery"
	case RESTXML:
		return "restXml"
	case AWSJSON11:
		return "awsJson1_1"
	}
	return fmt.Sprintf("Protocol(%d)", p)
}

// Kind is the Smithy type of a shape.
type Kind uint8

const (
	String Kind = iota + 1
	Enum
	Boolean
	Integer
	Long
	Float
	Double
	Timestamp
	Blob
	List
	Map
	Structure
)

var kindNames = [...]string{"", "string", "enum", "boolean", "integer", "long", "float", "double", "timestamp", "blob", "list", "map", "structure"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Location says where a member of an operation input travels on the wire.
type Location uint8

const (
	Body   Location = iota // JSON body member, or Query parameter for awsQuery
	Label                  // URI path label: /tags/{resourceArn}
	Query                  // URI query string parameter
	Header                 // HTTP header
	// Payload is smithy.api#httpPayload: the member is the whole body (a
	// blob or string as raw bytes, a structure as one XML or JSON document).
	Payload
	// PrefixHeaders is smithy.api#httpPrefixHeaders: a map whose entries
	// travel as headers named LocationName+key (S3's x-amz-meta-*).
	PrefixHeaders
	// ResponseCode is smithy.api#httpResponseCode: an output member holding
	// the HTTP status.
	ResponseCode
)

// Service describes one AWS service.
type Service struct {
	Name         string   // Smithy service shape name, e.g. "imagebuilder"
	SDKID        string   // e.g. "imagebuilder", "IAM"
	SigningName  string   // SigV4 service name, e.g. "imagebuilder"
	Protocol     Protocol //
	APIVersion   string   // e.g. "2019-12-02"
	XMLNamespace string   // awsQuery and restXml
	// TargetPrefix is the X-Amz-Target prefix of an awsJson1_1 service, the
	// Smithy service shape's name: "TrentService" for KMS.
	TargetPrefix string
	GRPCService  string // full protobuf service name
	Operations   []*Operation
	Shapes       []*Shape // every shape, indexed by Shape.Index
	Errors       []*ErrorShape
	// Actions is every action of the service's Service Authorization
	// Reference entry, sorted by name: the Operations' Authz, and the
	// actions IAM evaluates that no operation is named after (iam:PassRole,
	// sts:TagSession). Those have no request bindings.
	Actions []*Authz

	index       sync.Once
	link        sync.Once
	linkErr     error
	opsByName   map[string]*Operation
	errByCode   map[string]*ErrorShape
	errByShape  map[string]*ErrorShape
	shapeByName map[string]*Shape
	actionIndex map[string]*Authz // by lower-case action, "iam:passrole"
}

// Operation is one API operation.
type Operation struct {
	Name       string // e.g. "CreateComponent"
	HTTPMethod string // restJson1 and restXml
	// HTTPURI is the smithy.api#http URI: {label} and greedy {label+}
	// segments, and for restXml literal query parameters ("?policy",
	// "?list-type=2", "?x-id=GetObject") that select the operation.
	HTTPURI  string
	HTTPCode int // success status
	Input    *Shape
	Output   *Shape
	// OutputUnit marks an operation the model declares without output
	// (smithy.api#Unit); Output is then an empty synthesized structure.
	// Query responses of such operations carry no <OpResult> element.
	OutputUnit bool
	Errors     []string // error shape names
	Paginated  *Pagination
	// UnwrappedOutput is aws.customizations#s3UnwrappedXmlOutput: the output
	// body is its one member's element, not wrapped in the output's
	// (GetBucketLocation's <LocationConstraint>).
	UnwrappedOutput bool
	// ChecksumRequired is aws.protocols#httpChecksum's requestChecksumRequired:
	// the request must carry Content-MD5 or an x-amz-checksum-* value.
	ChecksumRequired bool
	// GRPCMethod is the full gRPC method name, e.g.
	// "/ibemu.imagebuilder.v1.Imagebuilder/CreateComponent".
	GRPCMethod string
	// Authz is how IAM authorizes the operation; nil when the Service
	// Authorization Reference has no entry for it (the call is refused).
	Authz *Authz
}

// Pagination mirrors smithy.api#paginated.
type Pagination struct {
	InputToken, OutputToken, Items, PageSize string
}

// Shape is a Smithy shape.
type Shape struct {
	Index int
	Name  string // shape name without namespace
	Kind  Kind
	// Structure
	Members     []*Member
	MessageName protoreflect.FullName // protobuf message of a structure
	Message     protoreflect.MessageDescriptor
	// List element / map value (and key)
	Elem *Shape
	Key  *Shape
	// Constraints (Smithy length, pattern, range, enum)
	MinLength, MaxLength *int64
	// Pattern is the model's pattern (ECMA 262) as AWS quotes it in errors.
	// GoPattern is its RE2 translation; PatternExcludes are RE2 expressions
	// that must not match, standing in for ECMA lookaheads RE2 lacks.
	Pattern            string
	GoPattern          string
	PatternExcludes    []string
	MinValue, MaxValue *float64
	EnumValues         []string
	Sensitive          bool
	// XMLName is the shape's smithy.api#xmlName: the element name of a
	// structure serialized as a whole body (S3's "ListBucketResult").
	XMLName string
	// ElemXMLName is a list's member element name ("member" when the model
	// names none); KeyXMLName and ValueXMLName name a map's entries.
	ElemXMLName, KeyXMLName, ValueXMLName string
	// TimestampFormat is the shape's smithy.api#timestampFormat
	// ("date-time", "http-date", "epoch-seconds"); "" for the protocol's
	// default.
	TimestampFormat string
	// Streaming marks a smithy.api#streaming blob (S3 object bodies).
	Streaming bool

	patternOnce sync.Once
	patternRe   *regexp.Regexp
	excludeRes  []*regexp.Regexp
	// matched holds values that satisfied the pattern (copies), in slots
	// chosen by their hash: a test suite names the same few ARNs and
	// names call after call, and running the regexp again costs 1–2 µs
	// (the ARN patterns' alternatives make Go's regexp backtrack).
	// Allocated with the regexp.
	matched     *matchedValues
	memberIndex map[string]*Member // structures: by wire name
}

// maxMemoMatch bounds the length of a value MatchPattern remembers.
const maxMemoMatch = 2048

// matchedValues is a fixed table of values known to satisfy one pattern:
// a value's slot is its hash modulo the size, and a newer match replaces
// the slot's value. Matching is a pure function of the value, so a value
// found here needs no regexp; a miss costs the hash and, after a match,
// the copy it keeps. Its size bounds the memory: at most
// len(slots) × maxMemoMatch bytes per pattern.
type matchedValues struct {
	seed  maphash.Seed
	slots [128]atomic.Pointer[string]
}

func (m *matchedValues) slot(v string) *atomic.Pointer[string] {
	return &m.slots[maphash.String(m.seed, v)%uint64(len(m.slots))]
}

// Member is a member of a structure.
type Member struct {
	Name             string // Smithy member name: the wire name in JSON and Query
	Target           *Shape
	Field            protoreflect.FieldDescriptor
	FieldName        protoreflect.Name // protobuf field name
	Location         Location
	LocationName     string // query parameter or header name
	Required         bool
	IdempotencyToken bool
	HasDefault       bool
	Default          string // JSON text of smithy.api#default, when HasDefault
	// SentEmpty marks an output list or map AWS sends even when empty; the
	// codecs write it as an empty list (required ones are written too).
	SentEmpty bool
	// XMLName is the member's element name in XML ("" for Name).
	XMLName string
	// XMLFlattened is smithy.api#xmlFlattened: list items repeat as
	// elements named after the member, without a wrapper.
	XMLFlattened bool
	// XMLAttribute is smithy.api#xmlAttribute: the member is an attribute
	// of its structure's element.
	XMLAttribute bool
	// XMLNamespace and XMLPrefix are the member's smithy.api#xmlNamespace.
	XMLNamespace, XMLPrefix string
	// TimestampFormat is the member's smithy.api#timestampFormat ("" when
	// the member does not override its target's).
	TimestampFormat string
}

// ElementName is the member's XML element (or attribute) name.
func (m *Member) ElementName() string {
	if m.XMLName != "" {
		return m.XMLName
	}
	return m.Name
}

// ErrorShape is a modeled error.
type ErrorShape struct {
	Name       string // shape name, e.g. "NoSuchEntityException"
	Code       string // wire code: the awsQueryError code when present, else Name
	HTTPStatus int
	Server     bool // smithy error "server" (vs "client")
}

// Index builds the service's lookup indexes (operations, errors, actions
// and shapes by name) without resolving protobuf descriptors: Operation,
// ErrorByCode, ErrorByShape, Action and Shape work, but Shape.Message,
// Member.Field and Shape.Member are set only by Link. It is cheap and safe to
// call many times.
func (s *Service) Index() *Service {
	s.index.Do(s.doIndex)
	return s
}

func (s *Service) doIndex() {
	s.opsByName = make(map[string]*Operation, len(s.Operations))
	for _, op := range s.Operations {
		s.opsByName[op.Name] = op
	}
	s.errByCode = make(map[string]*ErrorShape, len(s.Errors))
	s.errByShape = make(map[string]*ErrorShape, len(s.Errors))
	for _, e := range s.Errors {
		s.errByCode[e.Code] = e
		s.errByShape[e.Name] = e
	}
	s.actionIndex = make(map[string]*Authz, len(s.Actions))
	for _, a := range s.Actions {
		s.actionIndex[strings.ToLower(a.Action)] = a
	}
	s.shapeByName = make(map[string]*Shape, len(s.Shapes))
	for _, sh := range s.Shapes {
		s.shapeByName[sh.Name] = sh
	}
}

// Link builds the indexes (Index) and resolves every structure's protobuf
// message descriptor and its members' field descriptors. Resolving them
// makes protobuf build the full descriptors of the service's messages (a
// few MiB for the larger services), so servers link a service when it is
// first used rather than at start. It is safe to call many times and
// concurrently; generated packages call it lazily on first use.
func (s *Service) Link() error {
	s.Index()
	s.link.Do(func() { s.linkErr = s.doLink() })
	return s.linkErr
}

func (s *Service) doLink() error {
	for _, sh := range s.Shapes {
		if sh.Kind != Structure {
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(sh.MessageName)
		if err != nil {
			return fmt.Errorf("apimodel: %s: message %s: %w", s.Name, sh.MessageName, err)
		}
		md, ok := d.(protoreflect.MessageDescriptor)
		if !ok {
			return fmt.Errorf("apimodel: %s: %s is not a message", s.Name, sh.MessageName)
		}
		sh.Message = md
		sh.memberIndex = make(map[string]*Member, len(sh.Members))
		for _, m := range sh.Members {
			fd := md.Fields().ByName(m.FieldName)
			if fd == nil {
				return fmt.Errorf("apimodel: %s: field %s.%s not found", s.Name, sh.MessageName, m.FieldName)
			}
			m.Field = fd
			sh.memberIndex[m.Name] = m
		}
	}
	return nil
}

// MustLink is Link for generated code: a model that does not match its
// generated messages is a build defect.
func (s *Service) MustLink() *Service {
	if err := s.Link(); err != nil {
		panic(err)
	}
	return s
}

// Operation returns the operation with the given name.
func (s *Service) Operation(name string) (*Operation, bool) {
	op, ok := s.opsByName[name]
	return op, ok
}

// ErrorByCode returns the modeled error with the given wire code.
func (s *Service) ErrorByCode(code string) (*ErrorShape, bool) {
	e, ok := s.errByCode[code]
	return e, ok
}

// ErrorByShape returns the modeled error with the given shape name.
func (s *Service) ErrorByShape(name string) (*ErrorShape, bool) {
	e, ok := s.errByShape[name]
	return e, ok
}

// Action returns the authorization spec of an action, "service:Action",
// matched ignoring case as IAM matches action names.
func (s *Service) Action(action string) (*Authz, bool) {
	a, ok := s.actionIndex[strings.ToLower(action)]
	return a, ok
}

// Shape returns a shape by name.
func (s *Service) Shape(name string) (*Shape, bool) {
	sh, ok := s.shapeByName[name]
	return sh, ok
}

// Member returns the member of a structure by its wire name.
func (sh *Shape) Member(name string) (*Member, bool) {
	m, ok := sh.memberIndex[name]
	return m, ok
}

// MemberFold returns the member whose wire name equals name ignoring case.
// The Query protocol's SDK decoders match element names this way.
func (sh *Shape) MemberFold(name string) (*Member, bool) {
	if m, ok := sh.memberIndex[name]; ok {
		return m, true
	}
	for _, m := range sh.Members {
		if strings.EqualFold(m.Name, name) {
			return m, true
		}
	}
	return nil, false
}

// MatchPattern reports whether v satisfies the shape's pattern constraint
// (true when there is none). Smithy patterns are not implicitly anchored.
func (sh *Shape) MatchPattern(v string) bool {
	if sh.GoPattern == "" {
		return true
	}
	sh.patternOnce.Do(func() {
		// The generator compiled every pattern, so these cannot fail.
		sh.patternRe = regexp.MustCompile(sh.GoPattern)
		for _, x := range sh.PatternExcludes {
			sh.excludeRes = append(sh.excludeRes, regexp.MustCompile(x))
		}
		sh.matched = &matchedValues{seed: maphash.MakeSeed()}
	})
	slot := sh.matched.slot(v)
	if known := slot.Load(); known != nil && *known == v {
		return true
	}
	if !sh.patternRe.MatchString(v) {
		return false
	}
	for _, x := range sh.excludeRes {
		if x.MatchString(v) {
			return false
		}
	}
	if len(v) <= maxMemoMatch {
		// A copy: v may share memory with a whole request body.
		c := strings.Clone(v)
		slot.Store(&c)
	}
	return true
}

// Limit and Bound return pointers for generated length and range literals.
func Limit(v int64) *int64     { return &v }
func Bound(v float64) *float64 { return &v }

// ServiceInfo is what identifies a service and routes its requests,
// without its table: generated packages declare it (Info) as a statically
// initialized variable, so that a server can register a service and pick
// it for a request before it builds the service's Service.
type ServiceInfo struct {
	Name         string
	SDKID        string
	SigningName  string
	Protocol     Protocol
	TargetPrefix string // awsJson1_1 only
	GRPCService  string
}

// Info returns the service's ServiceInfo.
func (s *Service) Info() ServiceInfo {
	return ServiceInfo{Name: s.Name, SDKID: s.SDKID, SigningName: s.SigningName, Protocol: s.Protocol, TargetPrefix: s.TargetPrefix, GRPCService: s.GRPCService}
}
