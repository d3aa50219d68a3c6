package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// serviceConfig names what the generator produces for one Smithy model.
type serviceConfig struct {
	Model        string // file under the models directory
	Dir          string // output directory under the proto root, e.g. "imagebuilder/v1"
	ProtoPackage string // e.g. "ibemu.imagebuilder.v1"
	GoPackage    string // e.g. "imagebuilderv1"
	GRPCService  string // e.g. "Imagebuilder"
	Authz        string // Service Authorization Reference data under the authz directory
}

// service is the generator's intermediate form of one API.
type service struct {
	cfg          serviceConfig
	Name         string
	SDKID        string
	SigningName  string
	Protocol     string // "restJson1" or "awsQuery"
	Version      string
	XMLNamespace string
	Operations   []*operation
	Shapes       []*shape // sorted by name; Index is the position
	Errors       []*errorShape
	Actions      []*authzSpec // every action of the reference, sorted by name
	byID         map[string]*shape
}

type operation struct {
	Name       string
	OutputUnit bool
	Method     string
	URI        string
	Code       int
	Input      *shape
	Output     *shape
	Errors     []string
	Pagination *pagination
	Authz      *authzSpec // nil when the reference has no action for it
	// UnwrappedOutput and ChecksumRequired: see apimodel.Operation.
	UnwrappedOutput  bool
	ChecksumRequired bool
}

type pagination struct {
	InputToken  string `json:"inputToken"`
	OutputToken string `json:"outputToken"`
	Items       string `json:"items"`
	PageSize    string `json:"pageSize"`
}

type shape struct {
	Index      int
	ID         string
	Name       string
	Kind       string // apimodel.Kind constant name
	Members    []*member
	Elem, Key  *shape
	MinLength  *int64
	MaxLength  *int64
	Pattern    string
	GoPattern  string
	Excludes   []string
	MinValue   *float64
	MaxValue   *float64
	EnumValues []string
	Sensitive  bool
	Error      *errorShape
	// XML and timestamp bindings (restXml; see apimodel.Shape).
	XMLName, ElemXMLName, KeyXMLName, ValueXMLName string
	TimestampFormat                                string
	Streaming                                      bool
	// ReservedNumbers and ReservedNames are the field numbers and names of
	// members that left the model (see fieldlock.go).
	ReservedNumbers []int
	ReservedNames   []string
	raw             *smithyShape
}

type member struct {
	Name             string
	Field            string // protobuf field name
	Number           int    // protobuf field number, from the lock file (fieldlock.go)
	Target           *shape
	Location         string // apimodel.Location constant name
	LocationName     string
	Required         bool
	IdempotencyToken bool
	HasDefault       bool
	Default          string
	XMLName          string
	XMLFlattened     bool
	XMLAttribute     bool
	XMLNamespace     string
	XMLPrefix        string
	TimestampFormat  string
}

// sentEmpty lists, per model file, the output members ("Shape.member") AWS
// sends even when empty, which a protobuf message cannot tell from absent:
// the wire codecs write them as empty lists. IAM's simulation results carry
// their MatchedStatements and MissingContextValues as [] (the AWS CLI's
// documented simulate-custom-policy output), and GetAccountAuthorizationDetails
// every list of its entries (dumps of real accounts show "GroupList": [],
// "Tags": [] and the like).
var sentEmpty = map[string]map[string]bool{
	// S3 answers ListBuckets with <Buckets/> when there are none; the AWS
	// CLI's `aws s3 ls` and boto3's list_buckets()["Buckets"] rely on it.
	"s3.json": {"ListBucketsOutput.Buckets": true},
	// Image Builder answers an untagged resource's ListTagsForResource with
	// "tags": {} (the SDKs then hand callers an empty map, not nil).
	"imagebuilder.json": {"ListTagsForResourceResponse.tags": true},
	"iam.json": {
		"EvaluationResult.MatchedStatements":          true,
		"EvaluationResult.MissingContextValues":       true,
		"ResourceSpecificResult.MatchedStatements":    true,
		"ResourceSpecificResult.MissingContextValues": true,
		"UserDetail.UserPolicyList":                   true,
		"UserDetail.GroupList":                        true,
		"UserDetail.AttachedManagedPolicies":          true,
		"UserDetail.Tags":                             true,
		"RoleDetail.InstanceProfileList":              true,
		"RoleDetail.RolePolicyList":                   true,
		"RoleDetail.AttachedManagedPolicies":          true,
		"RoleDetail.Tags":                             true,
		"GroupDetail.GroupPolicyList":                 true,
		"GroupDetail.AttachedManagedPolicies":         true,
		"ManagedPolicyDetail.PolicyVersionList":       true,
	},
}

type errorShape struct {
	Name   string
	Code   string
	Status int
	Server bool
}

var kindByType = map[string]string{
	"string": "String", "enum": "Enum", "boolean": "Boolean", "integer": "Integer",
	"long": "Long", "float": "Float", "double": "Double", "timestamp": "Timestamp",
	"blob": "Blob", "list": "List", "map": "Map", "structure": "Structure",
	// A union is a structure of which one member is set; the codecs need
	// nothing more, and a proto3 message of optional members carries it.
	"union": "Structure",
}

// buildService turns a Smithy model into the intermediate form, keeping
// every shape reachable from the service's operations.
func buildService(cfg serviceConfig, m *smithyModel) (*service, error) {
	var svcID string
	for _, id := range sortedKeys(m.Shapes) {
		if m.Shapes[id].Type == "service" {
			if svcID != "" {
				return nil, fmt.Errorf("%s: more than one service shape", cfg.Model)
			}
			svcID = id
		}
	}
	if svcID == "" {
		return nil, fmt.Errorf("%s: no service shape", cfg.Model)
	}
	raw := m.Shapes[svcID]
	s := &service{cfg: cfg, Name: localName(svcID), Version: raw.Version, byID: map[string]*shape{}}
	var awsService struct {
		SDKID string `json:"sdkId"`
	}
	if _, err := traitInto(raw.Traits, "aws.api#service", &awsService); err != nil {
		return nil, err
	}
	s.SDKID = awsService.SDKID
	var sigv4 struct {
		Name string `json:"name"`
	}
	if _, err := traitInto(raw.Traits, "aws.auth#sigv4", &sigv4); err != nil {
		return nil, err
	}
	s.SigningName = sigv4.Name
	switch {
	case raw.hasTrait("aws.protocols#restJson1"):
		s.Protocol = "restJson1"
	case raw.hasTrait("aws.protocols#awsQuery"):
		s.Protocol = "awsQuery"
	case raw.hasTrait("aws.protocols#restXml"):
		s.Protocol = "restXml"
	case raw.hasTrait("aws.protocols#awsJson1_1"):
		s.Protocol = "awsJson1_1"
	default:
		return nil, fmt.Errorf("%s: unsupported protocol", cfg.Model)
	}
	var ns struct {
		URI string `json:"uri"`
	}
	if _, err := traitInto(raw.Traits, "smithy.api#xmlNamespace", &ns); err != nil {
		return nil, err
	}
	s.XMLNamespace = ns.URI

	// Collect reachable shapes.
	var visit func(id string) error
	visit = func(id string) error {
		if strings.HasPrefix(id, "smithy.api#") {
			return fmt.Errorf("prelude shape %s as a member target is not supported", id)
		}
		if _, ok := s.byID[id]; ok {
			return nil
		}
		rs, ok := m.Shapes[id]
		if !ok {
			return fmt.Errorf("shape %s not found", id)
		}
		sh := &shape{ID: id, Name: localName(id), raw: rs}
		s.byID[id] = sh
		switch rs.Type {
		case "structure", "union":
			for _, mem := range rs.Members {
				if err := visit(mem.Target); err != nil {
					return err
				}
			}
		case "list":
			return visit(rs.Member.Target)
		case "map":
			if err := visit(rs.Key.Target); err != nil {
				return err
			}
			return visit(rs.Value.Target)
		}
		return nil
	}
	var opIDs []string
	for _, ref := range raw.Operations {
		opIDs = append(opIDs, ref.Target)
	}
	sort.Strings(opIDs)
	for _, id := range opIDs {
		op := m.Shapes[id]
		if op == nil || op.Type != "operation" {
			return nil, fmt.Errorf("%s: operation %s not found", cfg.Model, id)
		}
		// Operations without input or output (smithy.api#Unit) get an empty
		// message named after the operation, as gRPC needs one.
		for _, side := range []struct {
			ref    **smithyRef
			suffix string
		}{{&op.Input, "Request"}, {&op.Output, "Response"}} {
			if *side.ref != nil && (*side.ref).Target != "smithy.api#Unit" {
				continue
			}
			synthetic := id + side.suffix
			if _, exists := m.Shapes[synthetic]; exists {
				return nil, fmt.Errorf("%s: cannot synthesize %s: the name is taken", cfg.Model, synthetic)
			}
			m.Shapes[synthetic] = &smithyShape{Type: "structure", synthetic: true}
			*side.ref = &smithyRef{Target: synthetic}
		}
		for _, t := range []string{op.Input.Target, op.Output.Target} {
			if err := visit(t); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", cfg.Model, id, err)
			}
		}
		for _, e := range op.Errors {
			if err := visit(e.Target); err != nil {
				return nil, err
			}
		}
	}
	// Stable order and indexes; names must be unique.
	names := map[string]string{}
	for _, id := range sortedKeys(s.byID) {
		sh := s.byID[id]
		if prev, dup := names[sh.Name]; dup {
			return nil, fmt.Errorf("%s: shapes %s and %s share a name", cfg.Model, prev, id)
		}
		names[sh.Name] = id
		sh.Index = len(s.Shapes)
		s.Shapes = append(s.Shapes, sh)
	}
	for _, sh := range s.Shapes {
		if err := s.fillShape(sh); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", cfg.Model, sh.ID, err)
		}
	}
	for _, id := range opIDs {
		op, err := s.buildOperation(id, m.Shapes[id])
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", cfg.Model, id, err)
		}
		s.Operations = append(s.Operations, op)
	}
	for _, sh := range s.Shapes {
		if sh.Error != nil {
			s.Errors = append(s.Errors, sh.Error)
		}
	}
	return s, nil
}

func (s *service) fillShape(sh *shape) error {
	rs := sh.raw
	kind, ok := kindByType[rs.Type]
	if !ok {
		return fmt.Errorf("unsupported shape type %q", rs.Type)
	}
	sh.Kind = kind
	sh.Sensitive = rs.hasTrait("smithy.api#sensitive")
	var length struct{ Min, Max *int64 }
	if _, err := traitInto(rs.Traits, "smithy.api#length", &length); err != nil {
		return err
	}
	sh.MinLength, sh.MaxLength = length.Min, length.Max
	var rng struct{ Min, Max *float64 }
	if _, err := traitInto(rs.Traits, "smithy.api#range", &rng); err != nil {
		return err
	}
	sh.MinValue, sh.MaxValue = rng.Min, rng.Max
	if _, err := traitInto(rs.Traits, "smithy.api#pattern", &sh.Pattern); err != nil {
		return err
	}
	if _, err := traitInto(rs.Traits, "smithy.api#xmlName", &sh.XMLName); err != nil {
		return err
	}
	if _, err := traitInto(rs.Traits, "smithy.api#timestampFormat", &sh.TimestampFormat); err != nil {
		return err
	}
	sh.Streaming = rs.hasTrait("smithy.api#streaming")
	if sh.Pattern != "" {
		var err error
		if sh.GoPattern, sh.Excludes, err = translatePattern(sh.Pattern); err != nil {
			return err
		}
	}
	switch rs.Type {
	case "enum":
		for _, em := range rs.Members {
			var v string
			if ok, err := traitInto(em.Traits, "smithy.api#enumValue", &v); err != nil {
				return err
			} else if !ok {
				v = em.Name
			}
			sh.EnumValues = append(sh.EnumValues, v)
		}
	case "list":
		sh.Elem = s.byID[rs.Member.Target]
		if _, err := traitInto(rs.Member.Traits, "smithy.api#xmlName", &sh.ElemXMLName); err != nil {
			return err
		}
		if sh.Elem.raw.Type == "list" || sh.Elem.raw.Type == "map" {
			return fmt.Errorf("nested collections are not supported")
		}
	case "map":
		sh.Key = s.byID[rs.Key.Target]
		sh.Elem = s.byID[rs.Value.Target]
		if _, err := traitInto(rs.Key.Traits, "smithy.api#xmlName", &sh.KeyXMLName); err != nil {
			return err
		}
		if _, err := traitInto(rs.Value.Traits, "smithy.api#xmlName", &sh.ValueXMLName); err != nil {
			return err
		}
		if sh.Key.raw.Type != "string" && sh.Key.raw.Type != "enum" {
			return fmt.Errorf("map keys must be strings")
		}
		if sh.Elem.raw.Type == "list" || sh.Elem.raw.Type == "map" {
			return fmt.Errorf("nested collections are not supported")
		}
	case "structure", "union":
		fields := map[string]string{}
		for _, rm := range rs.Members {
			mem := &member{
				Name:     rm.Name,
				Field:    snakeCase(rm.Name),
				Target:   s.byID[rm.Target],
				Location: "Body",
				Required: rm.hasTrait("smithy.api#required"),
			}
			if prev, dup := fields[mem.Field]; dup {
				return fmt.Errorf("members %s and %s map to the same field %s", prev, rm.Name, mem.Field)
			}
			fields[mem.Field] = rm.Name
			mem.IdempotencyToken = rm.hasTrait("smithy.api#idempotencyToken")
			if raw, ok := rm.Traits["smithy.api#default"]; ok {
				mem.HasDefault, mem.Default = true, string(raw)
			}
			if rm.hasTrait("smithy.api#httpLabel") {
				mem.Location, mem.LocationName = "Label", rm.Name
			}
			var q string
			if ok, err := traitInto(rm.Traits, "smithy.api#httpQuery", &q); err != nil {
				return err
			} else if ok {
				mem.Location, mem.LocationName = "Query", q
			}
			var h string
			if ok, err := traitInto(rm.Traits, "smithy.api#httpHeader", &h); err != nil {
				return err
			} else if ok {
				mem.Location, mem.LocationName = "Header", h
			}
			if rm.hasTrait("smithy.api#httpPayload") {
				mem.Location = "Payload"
			}
			var prefix string
			if ok, err := traitInto(rm.Traits, "smithy.api#httpPrefixHeaders", &prefix); err != nil {
				return err
			} else if ok {
				mem.Location, mem.LocationName = "PrefixHeaders", prefix
			}
			if rm.hasTrait("smithy.api#httpResponseCode") {
				mem.Location = "ResponseCode"
			}
			if _, err := traitInto(rm.Traits, "smithy.api#xmlName", &mem.XMLName); err != nil {
				return err
			}
			mem.XMLFlattened = rm.hasTrait("smithy.api#xmlFlattened")
			mem.XMLAttribute = rm.hasTrait("smithy.api#xmlAttribute")
			var ns struct {
				URI    string `json:"uri"`
				Prefix string `json:"prefix"`
			}
			if _, err := traitInto(rm.Traits, "smithy.api#xmlNamespace", &ns); err != nil {
				return err
			}
			mem.XMLNamespace, mem.XMLPrefix = ns.URI, ns.Prefix
			if _, err := traitInto(rm.Traits, "smithy.api#timestampFormat", &mem.TimestampFormat); err != nil {
				return err
			}
			for _, t := range []string{"smithy.api#httpQueryParams", "smithy.api#jsonName"} {
				if rm.hasTrait(t) {
					return fmt.Errorf("member %s: trait %s is not supported yet", rm.Name, t)
				}
			}
			sh.Members = append(sh.Members, mem)
		}
		var fault string
		if ok, err := traitInto(rs.Traits, "smithy.api#error", &fault); err != nil {
			return err
		} else if ok {
			e := &errorShape{Name: sh.Name, Code: sh.Name, Server: fault == "server"}
			if fault == "server" {
				e.Status = 500
			} else {
				e.Status = 400
			}
			if _, err := traitInto(rs.Traits, "smithy.api#httpError", &e.Status); err != nil {
				return err
			}
			var qe struct {
				Code   string `json:"code"`
				Status int    `json:"httpResponseCode"`
			}
			// awsQueryError is the code of the awsQuery protocol (and of
			// awsQueryCompatible JSON services, which send it in a header
			// besides the shape name); KMS's awsJson1_1 answers the shape
			// name ("NotFoundException") as __type.
			if ok, err := traitInto(rs.Traits, "aws.protocols#awsQueryError", &qe); err != nil {
				return err
			} else if ok && s.Protocol == "awsQuery" {
				e.Code, e.Status = qe.Code, qe.Status
			}
			sh.Error = e
		}
	}
	return nil
}

func (s *service) buildOperation(id string, rs *smithyShape) (*operation, error) {
	op := &operation{Name: localName(id), Input: s.byID[rs.Input.Target], Output: s.byID[rs.Output.Target], Code: 200}
	op.OutputUnit = op.Output.raw.synthetic
	if op.Input.Kind != "Structure" || op.Output.Kind != "Structure" {
		return nil, fmt.Errorf("input and output must be structures")
	}
	var http struct {
		Method string `json:"method"`
		URI    string `json:"uri"`
		Code   int    `json:"code"`
	}
	if ok, err := traitInto(rs.Traits, "smithy.api#http", &http); err != nil {
		return nil, err
	} else if ok {
		op.Method, op.URI = http.Method, http.URI
		if http.Code != 0 {
			op.Code = http.Code
		}
	} else if s.Protocol == "restJson1" || s.Protocol == "restXml" {
		return nil, fmt.Errorf("%s operation without an http trait", s.Protocol)
	}
	for _, e := range rs.Errors {
		op.Errors = append(op.Errors, localName(e.Target))
	}
	op.UnwrappedOutput = rs.hasTrait("aws.customizations#s3UnwrappedXmlOutput")
	var checksum struct {
		Required bool `json:"requestChecksumRequired"`
	}
	if _, err := traitInto(rs.Traits, "aws.protocols#httpChecksum", &checksum); err != nil {
		return nil, err
	}
	op.ChecksumRequired = checksum.Required
	var p pagination
	if ok, err := traitInto(rs.Traits, "smithy.api#paginated", &p); err != nil {
		return nil, err
	} else if ok {
		op.Pagination = &p
	}
	return op, nil
}

// snakeCase turns a Smithy member name into a protobuf field name:
// componentBuildVersionArn → component_build_version_arn,
// SAMLProviderArn → saml_provider_arn, s3Logs → s3_logs.
func snakeCase(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			prevLower := i > 0 && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]))
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			prevUpper := i > 0 && unicode.IsUpper(r[i-1])
			if i > 0 && (prevLower || (prevUpper && nextLower)) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
