package simulate

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// listFlags are the AWS CLI's list parameters of simulate-custom-policy
// and simulate-principal-policy and the request members they fill; each takes one or more values (up to
// the next option), each value may be file://, fileb:// or "-".
var listFlags = map[string]string{
	"--policy-input-list":                      "PolicyInputList",
	"--permissions-boundary-policy-input-list": "PermissionsBoundaryPolicyInputList",
	"--action-names":                           "ActionNames",
	"--resource-arns":                          "ResourceArns",
}

// scalarFlags take one value.
var scalarFlags = map[string]string{
	"--policy-source-arn":        "PolicySourceArn",
	"--resource-policy":          "ResourcePolicy",
	"--resource-owner":           "ResourceOwner",
	"--caller-arn":               "CallerArn",
	"--resource-handling-option": "ResourceHandlingOption",
	"--max-items":                "MaxItems",
	"--starting-token":           "Marker",
}

// flagName is the CLI's flag for a request member.
func flagName(member string) string {
	for _, flags := range []map[string]string{listFlags, scalarFlags} {
		for f, m := range flags {
			if m == member {
				return f
			}
		}
	}
	return "--" + strings.ToLower(member)
}

// takeFlag consumes args[i] if it is one of the CLI's parameter flags of
// a command whose request has members, storing its values in doc, and
// returns how many arguments it used (0: not a parameter flag).
func takeFlag(args []string, i int, doc map[string]any, stdin io.Reader, members []string) (int, error) {
	name, inline, hasInline := strings.Cut(args[i], "=")
	if m, ok := listFlags[name]; ok && !contains(members, m) {
		return 0, nil
	}
	if m, ok := scalarFlags[name]; ok && !contains(members, m) {
		return 0, nil
	}
	values := func() []string {
		if hasInline {
			return []string{inline}
		}
		var vs []string
		for j := i + 1; j < len(args) && !strings.HasPrefix(args[j], "--"); j++ {
			vs = append(vs, args[j])
		}
		return vs
	}
	used := func(n int) int {
		if hasInline {
			return 1
		}
		return n + 1
	}
	if member, ok := listFlags[name]; ok {
		vs := values()
		if len(vs) == 0 {
			return 0, fmt.Errorf("argument %s: expected at least one argument", name)
		}
		var list []any
		for _, v := range vs {
			text, err := loadParam(v, stdin)
			if err != nil {
				return 0, fmt.Errorf("Error parsing parameter '%s': %v", strings.TrimPrefix(name, "--"), err)
			}
			list = append(list, text)
		}
		doc[member] = append(asList(doc[member]), list...)
		return used(len(vs)), nil
	}
	if member, ok := scalarFlags[name]; ok {
		vs := values()
		if len(vs) != 1 {
			return 0, fmt.Errorf("argument %s: expected one argument", name)
		}
		text, err := loadParam(vs[0], stdin)
		if err != nil {
			return 0, fmt.Errorf("Error parsing parameter '%s': %v", strings.TrimPrefix(name, "--"), err)
		}
		if member == "MaxItems" {
			n, err := strconv.Atoi(strings.TrimSpace(text))
			if err != nil {
				return 0, fmt.Errorf("argument --max-items: invalid int value: '%s'", text)
			}
			doc[member] = json.Number(strconv.Itoa(n))
		} else {
			doc[member] = text
		}
		return used(1), nil
	}
	if name == "--context-entries" {
		vs := values()
		if len(vs) == 0 {
			return 0, fmt.Errorf("argument --context-entries: expected at least one argument")
		}
		for _, v := range vs {
			text, err := loadParam(v, stdin)
			if err != nil {
				return 0, fmt.Errorf("Error parsing parameter 'context-entries': %v", err)
			}
			entries, err := parseContextEntries(text)
			if err != nil {
				return 0, fmt.Errorf("Error parsing parameter 'context-entries': %v", err)
			}
			doc["ContextEntries"] = append(asList(doc["ContextEntries"]), entries...)
		}
		return used(len(vs)), nil
	}
	return 0, nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// parseContextEntries reads one --context-entries value: JSON (an object
// or a list of objects) or the CLI's shorthand
// ContextKeyName=k,ContextKeyValues=v1,v2,ContextKeyType=string.
func parseContextEntries(text string) ([]any, error) {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		dec := json.NewDecoder(strings.NewReader(t))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("Invalid JSON: %v", err)
		}
		if l, ok := v.([]any); ok {
			return l, nil
		}
		return []any{v}, nil
	}
	entry := map[string]any{}
	var key string
	for _, part := range splitShorthand(t) {
		k, v, ok := strings.Cut(part, "=")
		if ok && (k == "ContextKeyName" || k == "ContextKeyValues" || k == "ContextKeyType") {
			key = k
			if k == "ContextKeyValues" {
				entry[k] = []any{}
				if v != "" {
					entry[k] = []any{v}
				}
			} else {
				entry[k] = v
			}
			continue
		}
		if key != "ContextKeyValues" {
			return nil, fmt.Errorf("Expected: '=', received: '%s' for input: %s", part, t)
		}
		entry[key] = append(asList(entry[key]), part)
	}
	return []any{entry}, nil
}

// splitShorthand splits shorthand at commas outside [brackets], and drops
// the brackets of a bracketed value list.
func splitShorthand(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	out = append(out, s[start:])
	for i, p := range out {
		if k, v, ok := strings.Cut(p, "="); ok && strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
			vals := strings.Split(strings.Trim(v, "[]"), ",")
			out[i] = k + "=" + vals[0]
			rest := append([]string{}, out[i+1:]...)
			out = append(append(out[:i+1], vals[1:]...), rest...)
		}
	}
	return out
}
