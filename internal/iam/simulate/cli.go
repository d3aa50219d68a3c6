package simulate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/awserr"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

// Exit statuses of the AWS CLI (version 2).
const (
	exitOK            = 0
	exitParamError    = 252
	exitServiceError  = 254
	operationName     = "SimulateCustomPolicy"
	commandName       = "simulate-custom-policy"
	usageText         = "usage: emulator simulate-custom-policy --cli-input-json <value>\n\n  <value> is file://PATH, - (standard input) or the JSON text itself: the input\n  that `aws iam simulate-custom-policy --cli-input-json` takes.\n"
	cliInputJSONParam = "--cli-input-json"
)

// Main runs `simulate-custom-policy --cli-input-json VALUE` offline and
// prints what the AWS CLI prints for the call. args are the command-line
// arguments after the program name (a leading "simulate-custom-policy" is
// accepted). It returns the process exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == commandName {
		args = args[1:]
	}
	var input string
	haveInput := false
	var unknown []string
	paginate := true
	flagDoc := map[string]any{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		n, ferr := takeFlag(args, i, flagDoc, stdin)
		if ferr != nil {
			fmt.Fprintf(stderr, "%s\naws: error: %v\n", usageText, ferr)
			return exitParamError
		}
		if n > 0 {
			i += n - 1
			continue
		}
		switch {
		case a == "-h" || a == "--help" || a == "help":
			fmt.Fprint(stdout, usageText)
			return exitOK
		case a == cliInputJSONParam:
			if i+1 >= len(args) {
				fmt.Fprintf(stderr, "%s\naws: error: argument --cli-input-json: expected one argument\n", usageText)
				return exitParamError
			}
			input, haveInput = args[i+1], true
			i++
		case strings.HasPrefix(a, cliInputJSONParam+"="):
			input, haveInput = strings.TrimPrefix(a, cliInputJSONParam+"="), true
		case a == "--output" && i+1 < len(args) && args[i+1] == "json":
			i++
		case a == "--no-paginate":
			paginate = false
		default:
			unknown = append(unknown, a)
		}
	}
	if len(unknown) > 0 {
		fmt.Fprintf(stderr, "%s\nUnknown options: %s\n", usageText, strings.Join(unknown, ", "))
		return exitParamError
	}
	if len(flagDoc) > 0 {
		// The CLI's own flags: they fill the request (over
		// --cli-input-json, as the CLI lets explicit parameters win).
		base := map[string]any{}
		if haveInput {
			text, err := loadParam(input, stdin)
			if err != nil {
				fmt.Fprintf(stderr, "\nError parsing parameter '%s': %s\n", cliInputJSONParam, err)
				return exitParamError
			}
			dec := json.NewDecoder(strings.NewReader(text))
			dec.UseNumber()
			if err := dec.Decode(&base); err != nil {
				fmt.Fprintf(stderr, "\nError parsing parameter '%s': Invalid JSON received.\n", cliInputJSONParam)
				return exitParamError
			}
		}
		for k, v := range flagDoc {
			base[k] = v
		}
		raw, err := json.Marshal(base)
		if err != nil {
			fmt.Fprintf(stderr, "\n%v\n", err)
			return exitParamError
		}
		input, haveInput, stdin = string(raw), true, strings.NewReader(string(raw))
		input = "-"
	}
	if !haveInput {
		fmt.Fprintf(stderr, "%s\naws: error: the following arguments are required: --policy-input-list, --action-names\n", usageText)
		return exitParamError
	}
	text, err := loadParam(input, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "\nError parsing parameter '%s': %s\n", cliInputJSONParam, err)
		return exitParamError
	}
	in, problems, err := decodeCLIInput(text)
	if err != nil {
		fmt.Fprintf(stderr, "\nError parsing parameter '%s': Invalid JSON received.\n", cliInputJSONParam)
		return exitParamError
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "\nParameter validation failed:\n%s\n", strings.Join(problems, "\n"))
		return exitParamError
	}
	// Like the CLI, follow the pages unless told not to or given a paging
	// member (MaxItems or Marker): then print the one page as answered,
	// IsTruncated and Marker included.
	var out jsonNode
	if paginate && in.MaxItems == nil && in.Marker == nil {
		var results []*iamv1.EvaluationResult
		if results, err = simulateAllPages(in); err == nil {
			out = cliOutput(results)
		}
	} else {
		var resp *iamv1.SimulatePolicyResponse
		if resp, err = SimulateCustomPolicy(in); err == nil {
			out = messageJSON(resp.ProtoReflect())
		}
	}
	if err != nil {
		code, msg := "ServiceFailure", err.Error()
		var e *awserr.Error
		if errors.As(err, &e) {
			code, msg = e.Code, e.Message
		}
		fmt.Fprintf(stderr, "\nAn error occurred (%s) when calling the %s operation: %s\n", code, operationName, msg)
		return exitServiceError
	}
	fmt.Fprint(stdout, renderJSON(out))
	return exitOK
}

// loadParam reads a parameter value the way the CLI does: file:// paths,
// "-" for standard input, otherwise the text itself.
func loadParam(v string, stdin io.Reader) (string, error) {
	switch {
	case v == "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("Unable to read standard input: %v", err)
		}
		return string(b), nil
	case strings.HasPrefix(v, "file://"):
		path := strings.TrimPrefix(v, "file://")
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("Unable to load paramfile %s: [Errno 2] No such file or directory: '%s'", v, path)
		}
		return string(b), nil
	}
	return v, nil
}

// simulateAllPages follows Marker like the CLI's automatic pagination and
// returns all results.
func simulateAllPages(req *iamv1.SimulateCustomPolicyRequest) ([]*iamv1.EvaluationResult, error) {
	var all []*iamv1.EvaluationResult
	for {
		page, err := SimulateCustomPolicy(req)
		if err != nil {
			return nil, err
		}
		all = append(all, page.EvaluationResults...)
		if !page.GetIsTruncated() {
			return all, nil
		}
		req.Marker = page.Marker
	}
}

// The members botocore accepts, in model order (the order its messages
// list them): the generated messages' fields carry the model's names.
// Computed on first use: reading a message's descriptor builds the whole
// IAM file descriptor, which a server that never decodes CLI input should
// not pay for at start.
var (
	inputMembers        = sync.OnceValue(func() []string { return MemberNames(&iamv1.SimulateCustomPolicyRequest{}) })
	contextEntryMembers = sync.OnceValue(func() []string { return MemberNames(&iamv1.ContextEntry{}) })
)

// MemberNames are the model names of a shape's members in model order:
// the generated message's fields, by JSON name.
func MemberNames(m proto.Message) []string {
	fs := m.ProtoReflect().Descriptor().Fields()
	out := make([]string, fs.Len())
	for i := range out {
		out[i] = fs.Get(i).JSONName()
	}
	return out
}

// decodeCLIInput parses the --cli-input-json document into the request
// message and validates it the way botocore does before sending (required
// members, unknown members, types, minimum lengths). problems are
// botocore's messages.
func decodeCLIInput(text string) (*iamv1.SimulateCustomPolicyRequest, []string, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, err
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("trailing data")
	}
	v := &validator{}
	for _, req := range []string{"PolicyInputList", "ActionNames"} {
		if _, ok := raw[req]; !ok {
			v.add("Missing required parameter in input: %q", req)
		}
	}
	for _, k := range sortedKeys(raw) {
		if !contains(inputMembers(), k) {
			v.add("Unknown parameter in input: %q, must be one of: %s", k, strings.Join(inputMembers(), ", "))
		}
	}
	in := &iamv1.SimulateCustomPolicyRequest{}
	in.PolicyInputList = v.stringList(raw, "PolicyInputList", "", 1)
	in.PermissionsBoundaryPolicyInputList = v.stringList(raw, "PermissionsBoundaryPolicyInputList", "", 1)
	in.ActionNames = v.stringList(raw, "ActionNames", "", 3)
	in.ResourceArns = v.stringList(raw, "ResourceArns", "", 1)
	in.ResourcePolicy = v.str(raw, "ResourcePolicy", "", 1)
	in.ResourceOwner = v.str(raw, "ResourceOwner", "", 1)
	in.CallerArn = v.str(raw, "CallerArn", "", 1)
	in.ResourceHandlingOption = v.str(raw, "ResourceHandlingOption", "", 1)
	in.Marker = v.str(raw, "Marker", "", 1)
	if n := v.integer(raw, "MaxItems", 1); n != nil {
		in.MaxItems = ptr(int32(*n))
	}
	if ce, ok := raw["ContextEntries"]; ok {
		list, ok := ce.([]any)
		if !ok {
			v.typeError("ContextEntries", ce, "<class 'list'>, <class 'tuple'>")
		}
		for i, item := range list {
			path := "ContextEntries[" + strconv.Itoa(i) + "]"
			m, ok := item.(map[string]any)
			if !ok {
				v.typeError(path, item, "<class 'dict'>")
				continue
			}
			for _, k := range sortedKeys(m) {
				if !contains(contextEntryMembers(), k) {
					v.add("Unknown parameter in %s: %q, must be one of: %s", path, k, strings.Join(contextEntryMembers(), ", "))
				}
			}
			in.ContextEntries = append(in.ContextEntries, &iamv1.ContextEntry{
				ContextKeyName:   v.str(m, "ContextKeyName", path+".", 5),
				ContextKeyValues: v.stringList(m, "ContextKeyValues", path+".", 0),
				ContextKeyType:   v.str(m, "ContextKeyType", path+".", 0),
			})
		}
	}
	return in, v.problems, nil
}

type validator struct{ problems []string }

func (v *validator) add(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func (v *validator) typeError(path string, val any, valid string) {
	v.add("Invalid type for parameter %s, value: %s, type: %s, valid types: %s", path, pyRepr(val, false), pyType(val), valid)
}

func (v *validator) str(m map[string]any, key, prefix string, min int) *string {
	val, ok := m[key]
	if !ok {
		return nil
	}
	s, ok := val.(string)
	if !ok {
		v.typeError(prefix+key, val, "<class 'str'>")
		return nil
	}
	if n := len([]rune(s)); n < min {
		v.add("Invalid length for parameter %s, value: %d, valid min length: %d", prefix+key, n, min)
	}
	return &s
}

func (v *validator) stringList(m map[string]any, key, prefix string, min int) []string {
	val, ok := m[key]
	if !ok {
		return nil
	}
	list, ok := val.([]any)
	if !ok {
		v.typeError(prefix+key, val, "<class 'list'>, <class 'tuple'>")
		return nil
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		path := prefix + key + "[" + strconv.Itoa(i) + "]"
		s, ok := item.(string)
		if !ok {
			v.typeError(path, item, "<class 'str'>")
			continue
		}
		if n := len([]rune(s)); n < min {
			v.add("Invalid length for parameter %s, value: %d, valid min length: %d", path, n, min)
		}
		out = append(out, s)
	}
	return out
}

func (v *validator) integer(m map[string]any, key string, min int) *int {
	val, ok := m[key]
	if !ok {
		return nil
	}
	num, ok := val.(json.Number)
	n, err := strconv.Atoi(string(num))
	if !ok || err != nil {
		v.typeError(key, val, "<class 'int'>")
		return nil
	}
	if n < min {
		v.add("Invalid value for parameter %s, value: %d, valid min value: %d", key, n, min)
	}
	return &n
}

func pyType(v any) string {
	switch v.(type) {
	case string:
		return "<class 'str'>"
	case json.Number:
		if strings.ContainsAny(v.(json.Number).String(), ".eE") {
			return "<class 'float'>"
		}
		return "<class 'int'>"
	case bool:
		return "<class 'bool'>"
	case []any:
		return "<class 'list'>"
	case map[string]any:
		return "<class 'dict'>"
	}
	return "<class 'NoneType'>"
}

// pyRepr renders a JSON value as Python prints it (str() at the top level,
// repr() inside containers), as botocore's messages show values.
func pyRepr(v any, quoted bool) string {
	switch t := v.(type) {
	case string:
		if quoted {
			return "'" + strings.ReplaceAll(t, "'", `\'`) + "'"
		}
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "True"
		}
		return "False"
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = pyRepr(x, true)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, pyRepr(k, true)+": "+pyRepr(t[k], true))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "None"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
