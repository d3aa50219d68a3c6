package main

import (
	"fmt"
	"go/format"
	"strconv"
	"strings"
)

// modelFile renders model.gen.go: the apimodel table the wire codecs walk,
// constructors for the modeled errors, and the Unsupported<Service>Server
// base that answers every operation not built yet with an explicit error.
func (s *service) modelFile(modulePath string) ([]byte, error) {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	grpcPrefix := "/" + s.cfg.ProtoPackage + "." + s.cfg.GRPCService + "/"

	p("// %s\n\npackage %s\n\n", generatedHeader, s.cfg.GoPackage)
	p("import (\n\t\"context\"\n\t\"sync\"\n\n\t%q\n\t%q\n)\n\n", modulePath+"/internal/apimodel", modulePath+"/internal/awserr")

	p("// Model describes the %s API for the wire codecs. It is linked to the\n// generated messages on first use.\n", s.SDKID)
	p("func Model() *apimodel.Service { return model().MustLink() }\n\n")
	p("// ModelIndex is Model before it is linked to the generated messages: its\n// lookups work, its descriptors (Shape.Message, Member.Field) are set by\n// Link. Servers register it and link a service on its first request.\n")
	p("func ModelIndex() *apimodel.Service { return model().Index() }\n\n")
	protocol := map[string]string{"restJson1": "RESTJSON1", "awsQuery": "AWSQuery", "restXml": "RESTXML", "awsJson1_1": "AWSJSON11"}[s.Protocol]
	targetPrefix := ""
	if s.Protocol == "awsJson1_1" {
		targetPrefix = s.Name
	}
	p("// Info identifies the API without its table: servers route requests by\n// it and build Model on the API's first request.\n")
	p("var Info = apimodel.ServiceInfo{Name: %q, SDKID: %q, SigningName: %q, Protocol: apimodel.%s, TargetPrefix: %q, GRPCService: %q}\n\n",
		s.Name, s.SDKID, s.SigningName, protocol, targetPrefix, s.cfg.ProtoPackage+"."+s.cfg.GRPCService)
	p("var shapes [%d]apimodel.Shape\n\n", len(s.Shapes))
	p("// model builds the table on its first use, so that a process pays only\n// for the services it uses.\n")
	p("var model = sync.OnceValue(func() *apimodel.Service {\n\ts := &shapes\n")
	for _, sh := range s.Shapes {
		p("\ts[%d] = apimodel.Shape{Index: %d, Name: %q, Kind: apimodel.%s", sh.Index, sh.Index, sh.Name, sh.Kind)
		if sh.Kind == "Structure" {
			p(", MessageName: %q", s.cfg.ProtoPackage+"."+sh.Name)
		}
		if sh.Elem != nil {
			p(", Elem: &s[%d]", sh.Elem.Index)
		}
		if sh.Key != nil {
			p(", Key: &s[%d]", sh.Key.Index)
		}
		if sh.MinLength != nil {
			p(", MinLength: apimodel.Limit(%d)", *sh.MinLength)
		}
		if sh.MaxLength != nil {
			p(", MaxLength: apimodel.Limit(%d)", *sh.MaxLength)
		}
		if sh.MinValue != nil {
			p(", MinValue: apimodel.Bound(%s)", strconv.FormatFloat(*sh.MinValue, 'g', -1, 64))
		}
		if sh.MaxValue != nil {
			p(", MaxValue: apimodel.Bound(%s)", strconv.FormatFloat(*sh.MaxValue, 'g', -1, 64))
		}
		if sh.Pattern != "" {
			p(", Pattern: %q, GoPattern: %q", sh.Pattern, sh.GoPattern)
			if len(sh.Excludes) > 0 {
				p(", PatternExcludes: %#v", sh.Excludes)
			}
		}
		if len(sh.EnumValues) > 0 {
			p(", EnumValues: %#v", sh.EnumValues)
		}
		if sh.Sensitive {
			p(", Sensitive: true")
		}
		if sh.XMLName != "" {
			p(", XMLName: %q", sh.XMLName)
		}
		if sh.ElemXMLName != "" {
			p(", ElemXMLName: %q", sh.ElemXMLName)
		}
		if sh.KeyXMLName != "" {
			p(", KeyXMLName: %q", sh.KeyXMLName)
		}
		if sh.ValueXMLName != "" {
			p(", ValueXMLName: %q", sh.ValueXMLName)
		}
		if sh.TimestampFormat != "" {
			p(", TimestampFormat: %q", sh.TimestampFormat)
		}
		if sh.Streaming {
			p(", Streaming: true")
		}
		p("}\n")
	}
	for _, sh := range s.Shapes {
		if len(sh.Members) == 0 {
			continue
		}
		p("\ts[%d].Members = []*apimodel.Member{\n", sh.Index)
		for _, m := range sh.Members {
			p("\t\t{Name: %q, FieldName: %q, Target: &s[%d]", m.Name, m.Field, m.Target.Index)
			if m.Location != "Body" {
				p(", Location: apimodel.%s", m.Location)
				if m.LocationName != "" {
					p(", LocationName: %q", m.LocationName)
				}
			}
			if m.XMLName != "" {
				p(", XMLName: %q", m.XMLName)
			}
			if m.XMLFlattened {
				p(", XMLFlattened: true")
			}
			if m.XMLAttribute {
				p(", XMLAttribute: true")
			}
			if m.XMLNamespace != "" {
				p(", XMLNamespace: %q, XMLPrefix: %q", m.XMLNamespace, m.XMLPrefix)
			}
			if m.TimestampFormat != "" {
				p(", TimestampFormat: %q", m.TimestampFormat)
			}
			if m.Required {
				p(", Required: true")
			}
			if m.IdempotencyToken {
				p(", IdempotencyToken: true")
			}
			if m.HasDefault {
				p(", HasDefault: true, Default: %q", m.Default)
			}
			if sentEmpty[s.cfg.Model][sh.Name+"."+m.Name] {
				p(", SentEmpty: true")
			}
			p("},\n")
		}
		p("\t}\n")
	}
	p("\treturn &apimodel.Service{\n")
	p("\t\tName: %q, SDKID: %q, SigningName: %q, Protocol: apimodel.%s, APIVersion: %q,\n",
		s.Name, s.SDKID, s.SigningName, protocol, s.Version)
	if s.XMLNamespace != "" {
		p("\t\tXMLNamespace: %q,\n", s.XMLNamespace)
	}
	if s.Protocol == "awsJson1_1" {
		p("\t\tTargetPrefix: %q,\n", s.Name)
	}
	p("\t\tGRPCService: %q,\n", s.cfg.ProtoPackage+"."+s.cfg.GRPCService)
	p("\t\tShapes: []*apimodel.Shape{")
	for i := range s.Shapes {
		if i%10 == 0 {
			p("\n\t\t\t")
		}
		p("&s[%d], ", i)
	}
	p("\n\t\t},\n\t\tOperations: []*apimodel.Operation{\n")
	for _, op := range s.Operations {
		p("\t\t\t{Name: %q, ", op.Name)
		if op.Method != "" {
			p("HTTPMethod: %q, HTTPURI: %q, ", op.Method, op.URI)
		}
		p("HTTPCode: %d, Input: &s[%d], Output: &s[%d], GRPCMethod: %q", op.Code, op.Input.Index, op.Output.Index, grpcPrefix+op.Name)
		if op.OutputUnit {
			p(", OutputUnit: true")
		}
		if op.UnwrappedOutput {
			p(", UnwrappedOutput: true")
		}
		if op.ChecksumRequired {
			p(", ChecksumRequired: true")
		}
		if len(op.Errors) > 0 {
			p(", Errors: %#v", op.Errors)
		}
		if pg := op.Pagination; pg != nil {
			p(", Paginated: &apimodel.Pagination{InputToken: %q, OutputToken: %q, Items: %q, PageSize: %q}", pg.InputToken, pg.OutputToken, pg.Items, pg.PageSize)
		}
		if op.Authz != nil {
			p(", Authz: authz%s", op.Authz.Var)
		}
		p("},\n")
	}
	p("\t\t},\n\t\tActions: authzActions,\n")
	p("\t\tErrors: []*apimodel.ErrorShape{\n")
	for _, e := range s.Errors {
		p("\t\t\t{Name: %q, Code: %q, HTTPStatus: %d, Server: %t},\n", e.Name, e.Code, e.Status, e.Server)
	}
	p("\t\t},\n\t}\n})\n\n")

	// Error constructors.
	seen := map[string]string{}
	for _, e := range s.Errors {
		fn := "Err" + strings.TrimSuffix(e.Name, "Exception")
		if prev, dup := seen[fn]; dup {
			return nil, fmt.Errorf("errors %s and %s both map to %s", prev, e.Name, fn)
		}
		seen[fn] = e.Name
		p("// %s returns the modeled error %s (HTTP %d).\n", fn, e.Code, e.Status)
		p("func %s(format string, args ...any) *awserr.Error {\n\treturn awserr.Newf(%q, %d, format, args...)\n}\n\n", fn, e.Code, e.Status)
	}

	// Unsupported server base.
	base := "Unsupported" + s.cfg.GRPCService + "Server"
	p("// %s answers every %s operation with an explicit UnsupportedOperation\n", base, s.SDKID)
	p("// error that names it. Services embed it and override what they implement.\n")
	p("type %s struct{ Unimplemented%sServer }\n\n", base, s.cfg.GRPCService)
	for _, op := range s.Operations {
		p("func (%s) %s(context.Context, *%s) (*%s, error) {\n\treturn nil, awserr.Unsupported(%q, %q)\n}\n\n",
			base, op.Name, op.Input.Name, op.Output.Name, s.SigningName, op.Name)
	}
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("format model file: %w", err)
	}
	return out, nil
}
