package simulate

import (
	"sort"
	"strconv"
	"strings"
)

// The AWS CLI prints responses with Python's json.dumps(indent=4,
// ensure_ascii=False): four-space indentation, ", " and ": " separators,
// members in the order of the response shape, non-ASCII text as is. This
// small ordered writer reproduces that byte for byte.

type jsonNode interface {
	write(b *strings.Builder, depth int)
}

type jsonObject []jsonMember

type jsonMember struct {
	key   string
	value jsonNode
}

type jsonArray []jsonNode

type jsonString string

type jsonInt int

type jsonBool bool

func (o jsonObject) write(b *strings.Builder, depth int) {
	if len(o) == 0 {
		b.WriteString("{}")
		return
	}
	b.WriteString("{\n")
	for i, m := range o {
		indent(b, depth+1)
		jsonString(m.key).write(b, depth+1)
		b.WriteString(": ")
		m.value.write(b, depth+1)
		if i < len(o)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	indent(b, depth)
	b.WriteByte('}')
}

func (a jsonArray) write(b *strings.Builder, depth int) {
	if len(a) == 0 {
		b.WriteString("[]")
		return
	}
	b.WriteString("[\n")
	for i, v := range a {
		indent(b, depth+1)
		v.write(b, depth+1)
		if i < len(a)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	indent(b, depth)
	b.WriteByte(']')
}

func (s jsonString) write(b *strings.Builder, _ int) {
	b.WriteByte('"')
	for _, r := range string(s) {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[r>>4])
				b.WriteByte("0123456789abcdef"[r&0xf])
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func (n jsonInt) write(b *strings.Builder, _ int) { b.WriteString(strconv.Itoa(int(n))) }

func (v jsonBool) write(b *strings.Builder, _ int) {
	if v {
		b.WriteString("true")
	} else {
		b.WriteString("false")
	}
}

func indent(b *strings.Builder, depth int) {
	for i := 0; i < depth; i++ {
		b.WriteString("    ")
	}
}

func renderJSON(n jsonNode) string {
	var b strings.Builder
	n.write(&b, 0)
	b.WriteByte('\n')
	return b.String()
}

// The response shapes, members in the IAM model's order.

func (o *Output) cliJSON() jsonNode {
	results := jsonArray{}
	for i := range o.EvaluationResults {
		results = append(results, o.EvaluationResults[i].json())
	}
	return jsonObject{{"EvaluationResults", results}}
}

func (r *EvaluationResult) json() jsonNode {
	o := jsonObject{
		{"EvalActionName", jsonString(r.EvalActionName)},
		{"EvalResourceName", jsonString(r.EvalResourceName)},
		{"EvalDecision", jsonString(r.EvalDecision)},
		{"MatchedStatements", statementsJSON(r.MatchedStatements)},
		{"MissingContextValues", stringsJSON(r.MissingContextValues)},
	}
	if r.PermissionsBoundaryDecisionDetail != nil {
		o = append(o, jsonMember{"PermissionsBoundaryDecisionDetail", r.PermissionsBoundaryDecisionDetail.json()})
	}
	if r.EvalDecisionDetails != nil {
		o = append(o, jsonMember{"EvalDecisionDetails", detailsJSON(r.EvalDecisionDetails)})
	}
	if len(r.ResourceSpecificResults) > 0 {
		rs := jsonArray{}
		for i := range r.ResourceSpecificResults {
			rs = append(rs, r.ResourceSpecificResults[i].json())
		}
		o = append(o, jsonMember{"ResourceSpecificResults", rs})
	}
	return o
}

func (r *ResourceSpecificResult) json() jsonNode {
	o := jsonObject{
		{"EvalResourceName", jsonString(r.EvalResourceName)},
		{"EvalResourceDecision", jsonString(r.EvalResourceDecision)},
		{"MatchedStatements", statementsJSON(r.MatchedStatements)},
		{"MissingContextValues", stringsJSON(r.MissingContextValues)},
	}
	if r.EvalDecisionDetails != nil {
		o = append(o, jsonMember{"EvalDecisionDetails", detailsJSON(r.EvalDecisionDetails)})
	}
	if r.PermissionsBoundaryDecisionDetail != nil {
		o = append(o, jsonMember{"PermissionsBoundaryDecisionDetail", r.PermissionsBoundaryDecisionDetail.json()})
	}
	return o
}

func (d *PermissionsBoundaryDecisionDetail) json() jsonNode {
	return jsonObject{{"AllowedByPermissionsBoundary", jsonBool(d.AllowedByPermissionsBoundary)}}
}

func statementsJSON(sts []Statement) jsonNode {
	a := jsonArray{}
	for _, s := range sts {
		a = append(a, jsonObject{
			{"SourcePolicyId", jsonString(s.SourcePolicyId)},
			{"SourcePolicyType", jsonString(s.SourcePolicyType)},
			{"StartPosition", jsonObject{{"Line", jsonInt(s.StartPosition.Line)}, {"Column", jsonInt(s.StartPosition.Column)}}},
			{"EndPosition", jsonObject{{"Line", jsonInt(s.EndPosition.Line)}, {"Column", jsonInt(s.EndPosition.Column)}}},
		})
	}
	return a
}

func stringsJSON(ss []string) jsonNode {
	a := jsonArray{}
	for _, s := range ss {
		a = append(a, jsonString(s))
	}
	return a
}

func detailsJSON(m map[string]string) jsonNode {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := jsonObject{}
	for _, k := range keys {
		o = append(o, jsonMember{k, jsonString(m[k])})
	}
	return o
}
