package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ibemu/ibemu/internal/authz"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// policyCmd runs "emulator policy suggest" and "emulator policy impact".
func policyCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: emulator policy suggest|impact [flags]")
		return 2
	}
	switch args[0] {
	case "suggest":
		return policySuggest(ctx, args[1:], stdout, stderr, getenv)
	case "impact":
		return policyImpact(ctx, args[1:], stdout, stderr, getenv)
	}
	fmt.Fprintf(stderr, "emulator policy: unknown subcommand %q: use suggest or impact\n", args[0])
	return 2
}

// timeFlags parses --since and --until (RFC 3339 or a duration back from
// now) into nanoseconds since the epoch (0: unbounded).
func timeFlags(since, until string) (int64, int64, error) {
	f, err := authz.ParseFilter("", "", "", since, until, time.Now())
	if err != nil {
		return 0, 0, err
	}
	var s, u int64
	if !f.Since.IsZero() {
		s = f.Since.UnixNano()
	}
	if !f.Until.IsZero() {
		u = f.Until.UnixNano()
	}
	return s, u, nil
}

// policySuggest prints the suggested policy: one JSON document, or a JSON
// array of documents when it had to be split. Notes go to stderr.
func policySuggest(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("policy suggest", stderr)
	var a adminFlags
	a.register(fs, getenv)
	principal := fs.String("principal", "", "`ARN` of the user or role whose recorded decisions are used (required)")
	since := fs.String("since", "", "use decisions from this `time` (RFC 3339, or a duration back from now such as 1h)")
	until := fs.String("until", "", "use decisions before this `time`")
	threshold := fs.Int("wildcard-threshold", 0, "collapse more than `N` ARNs under one bucket or Image Builder resource into a wildcard (default 5; -1 never)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *principal == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: emulator policy suggest --principal ARN [--since T] [--until T] [--wildcard-threshold N]")
		return 2
	}
	s, u, err := timeFlags(*since, *until)
	if err != nil {
		fmt.Fprintf(stderr, "emulator policy suggest: %v\n", err)
		return 2
	}
	c, closeConn, err := a.dial(getenv)
	if err != nil {
		return cliError(stderr, "policy suggest", err)
	}
	defer closeConn()
	resp, err := c.SuggestPolicy(ctx, &adminv1.SuggestPolicyRequest{Principal: *principal, SinceUnixNano: s, UntilUnixNano: u, WildcardThreshold: int32(*threshold)})
	if err != nil {
		return cliError(stderr, "policy suggest", err)
	}
	for _, n := range resp.GetNotes() {
		fmt.Fprintln(stderr, "note: "+n)
	}
	fmt.Fprintf(stderr, "%d decisions, %d actions, %d policies\n", resp.GetDecisions(), resp.GetActions(), len(resp.GetPolicies()))
	switch ps := resp.GetPolicies(); len(ps) {
	case 0:
		return 1
	case 1:
		fmt.Fprintln(stdout, ps[0])
	default:
		raw := make([]json.RawMessage, len(ps))
		for i, p := range ps {
			raw[i] = json.RawMessage(p)
		}
		out, _ := json.MarshalIndent(raw, "", "  ")
		fmt.Fprintln(stdout, string(out))
	}
	return 0
}

// policyImpact prints the recorded requests whose decision the policy
// would change.
func policyImpact(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("policy impact", stderr)
	var a adminFlags
	a.register(fs, getenv)
	principal := fs.String("principal", "", "`ARN` whose recorded requests are re-evaluated (required for identity and boundary)")
	file := fs.String("policy", "", "policy document `FILE` (file://FILE also accepted; - for stdin)")
	kind := fs.String("kind", "identity", "what the policy is: identity, boundary or resource")
	name := fs.String("name", "", "the identity policy it replaces: inline policy name, managed policy name or ARN (default: added as a new policy)")
	resource := fs.String("resource-arn", "", "the resource whose policy it replaces (--kind resource)")
	since := fs.String("since", "", "re-evaluate requests from this `time`")
	until := fs.String("until", "", "re-evaluate requests before this `time`")
	format := fs.String("format", "text", "output `format`: text or json")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *file == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: emulator policy impact --principal ARN --policy FILE [--kind identity|boundary|resource --resource-arn ARN] [--name NAME]")
		return 2
	}
	var doc []byte
	var err error
	if *file == "-" {
		doc, err = io.ReadAll(os.Stdin)
	} else {
		doc, err = os.ReadFile(strings.TrimPrefix(*file, "file://"))
	}
	if err != nil {
		fmt.Fprintf(stderr, "emulator policy impact: %v\n", err)
		return 2
	}
	s, u, err := timeFlags(*since, *until)
	if err != nil {
		fmt.Fprintf(stderr, "emulator policy impact: %v\n", err)
		return 2
	}
	c, closeConn, err := a.dial(getenv)
	if err != nil {
		return cliError(stderr, "policy impact", err)
	}
	defer closeConn()
	resp, err := c.PolicyImpact(ctx, &adminv1.PolicyImpactRequest{Principal: *principal, Kind: *kind, Policy: string(doc), PolicyName: *name,
		ResourceArn: *resource, SinceUnixNano: s, UntilUnixNano: u})
	if err != nil {
		return cliError(stderr, "policy impact", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		for _, ch := range resp.GetChanges() {
			if err := enc.Encode(ch); err != nil {
				return cliError(stderr, "policy impact", err)
			}
		}
	} else {
		for _, ch := range resp.GetChanges() {
			what := ch.GetAction() + " on " + ch.GetResource()
			if ch.GetCheck() != "" {
				what += " (" + ch.GetCheck() + ")"
			}
			by := ch.GetPolicyType()
			if ch.GetPolicy() != "" {
				by += " " + ch.GetPolicy()
			}
			if ch.GetStatement() != "" {
				by += ", " + ch.GetStatement()
			}
			fmt.Fprintf(stdout, "%s  %s  %s  %s -> %s  [%s]\n", ch.GetRequestId(), ch.GetPrincipal(), what, ch.GetBefore(), ch.GetAfter(), by)
		}
	}
	fmt.Fprintf(stderr, "%d of %d recorded decisions would change (%d not re-evaluated)\n", len(resp.GetChanges()), resp.GetEvaluated(), resp.GetSkipped())
	for _, n := range resp.GetNotes() {
		fmt.Fprintln(stderr, "note: "+n)
	}
	return 0
}
