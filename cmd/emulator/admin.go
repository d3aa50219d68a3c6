package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/grpcsigv4"
	"github.com/ibemu/ibemu/internal/authz"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// adminFlags are the connection flags of the subcommands that talk to a
// running emulator over the admin gRPC API.
type adminFlags struct {
	endpoint string
	region   string
}

func (a *adminFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	def := getenv("IBEMU_GRPC")
	if def == "" {
		def = emulator.DefaultGRPCAddr
	}
	fs.StringVar(&a.endpoint, "endpoint", def, "gRPC `address` of the running emulator (env IBEMU_GRPC)")
	region := getenv("AWS_REGION")
	if region == "" {
		region = emulator.DefaultRegion
	}
	fs.StringVar(&a.region, "region", region, "region to sign for (env AWS_REGION)")
}

// dial connects with SigV4-signed calls: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) when set, else the root user
// of 000000000000 with IBEMU_ROOT_SECRET or the default root secret.
func (a *adminFlags) dial(getenv func(string) string) (adminv1.AdminClient, func(), error) {
	id, secret, token := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
	if id == "" || secret == "" {
		id, secret, token = "test", getenv("IBEMU_ROOT_SECRET"), ""
		if secret == "" {
			secret = emulator.DefaultRootSecret
		}
	}
	var creds aws.CredentialsProvider = credentials.NewStaticCredentialsProvider(id, secret, token)
	conn, err := grpc.NewClient(a.endpoint,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(grpcsigv4.New(creds, a.region)),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		return nil, nil, err
	}
	return adminv1.NewAdminClient(conn), func() { _ = conn.Close() }, nil
}

// cliError prints a gRPC failure as its message.
func cliError(stderr io.Writer, cmd string, err error) int {
	if st, ok := status.FromError(err); ok {
		fmt.Fprintf(stderr, "emulator %s: %s: %s\n", cmd, st.Code(), st.Message())
	} else {
		fmt.Fprintf(stderr, "emulator %s: %v\n", cmd, err)
	}
	return 1
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// explainCmd prints the explanation of a request's decisions.
func explainCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("explain", stderr)
	var a adminFlags
	a.register(fs, getenv)
	format := fs.String("format", "text", "output `format`: text, json or cloudtrail")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: emulator explain [flags] REQUEST_ID")
		return 2
	}
	c, closeConn, err := a.dial(getenv)
	if err != nil {
		return cliError(stderr, "explain", err)
	}
	defer closeConn()
	resp, err := c.Explain(ctx, &adminv1.ExplainRequest{RequestId: fs.Arg(0)})
	if err != nil {
		return cliError(stderr, "explain", err)
	}
	if err := writeDecisions(stdout, *format, resp.GetDecisions(), resp.GetText()); err != nil {
		return cliError(stderr, "explain", err)
	}
	return 0
}

func writeDecisions(w io.Writer, format string, rs []*adminv1.Decision, text string) error {
	switch format {
	case "cloudtrail":
		return authz.WriteCloudTrail(w, rs)
	case "json":
		return authz.WriteJSONLines(w, rs...)
	case "text", "":
		if text != "" {
			_, err := io.WriteString(w, text)
			return err
		}
		return authz.ListText(w, rs)
	}
	return fmt.Errorf("unknown format %q: use text, json or cloudtrail", format)
}

// decisionsCmd lists (or with --follow streams) the decision log.
func decisionsCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("decisions", stderr)
	var a adminFlags
	a.register(fs, getenv)
	principal := fs.String("principal", "", "only decisions about this principal `ARN` (a role ARN matches its sessions)")
	action := fs.String("action", "", "only this `action` (wildcards: imagebuilder:Get*)")
	decision := fs.String("decision", "", "only allow, deny, softDeny (allowed by --enforce soft) or wouldDeny (denied or soft-denied)")
	since := fs.String("since", "", "from this `time` (RFC 3339, or a duration back from now: 15m)")
	until := fs.String("until", "", "before this `time` (RFC 3339 or a duration back from now)")
	follow := fs.Bool("follow", false, "after the listing, stream new decisions until interrupted")
	format := fs.String("format", "text", "output `format`: text (one line each), json (one object per line) or cloudtrail")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	f, err := authz.ParseFilter(*principal, *action, *decision, *since, *until, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "emulator decisions: %v\n", err)
		return 2
	}
	if *format != "text" && *format != "json" && *format != "cloudtrail" {
		fmt.Fprintf(stderr, "emulator decisions: unknown format %q: use text, json or cloudtrail\n", *format)
		return 2
	}
	if *follow && *format == "cloudtrail" {
		fmt.Fprintln(stderr, "emulator decisions: --follow streams text or json, not a CloudTrail file")
		return 2
	}
	pf := &adminv1.DecisionFilter{Principal: f.Principal, Action: f.Action, Outcome: f.Outcome}
	if !f.Since.IsZero() {
		pf.SinceUnixNano = f.Since.UnixNano()
	}
	if !f.Until.IsZero() {
		pf.UntilUnixNano = f.Until.UnixNano()
	}
	c, closeConn, err := a.dial(getenv)
	if err != nil {
		return cliError(stderr, "decisions", err)
	}
	defer closeConn()
	var watch adminv1.Admin_WatchDecisionsClient
	if *follow {
		// Subscribe first, so nothing made between the listing and the
		// stream is missed (a decision may then appear twice; skip those).
		wpf := &adminv1.DecisionFilter{Principal: f.Principal, Action: f.Action, Outcome: f.Outcome}
		if watch, err = c.WatchDecisions(ctx, &adminv1.WatchDecisionsRequest{Filter: wpf}); err != nil {
			return cliError(stderr, "decisions", err)
		}
		if _, err := watch.Header(); err != nil {
			return cliError(stderr, "decisions", err)
		}
	}
	var all []*adminv1.Decision
	seen := map[string]bool{}
	token := ""
	for {
		resp, err := c.ListDecisions(ctx, &adminv1.ListDecisionsRequest{Filter: pf, NextToken: token})
		if err != nil {
			return cliError(stderr, "decisions", err)
		}
		if *format == "cloudtrail" {
			all = append(all, resp.GetDecisions()...)
		} else if err := writeDecisions(stdout, *format, resp.GetDecisions(), ""); err != nil {
			return cliError(stderr, "decisions", err)
		}
		for _, r := range resp.GetDecisions() {
			seen[r.GetId()] = true
		}
		if token = resp.GetNextToken(); token == "" {
			break
		}
	}
	if *format == "cloudtrail" {
		if err := authz.WriteCloudTrail(stdout, all); err != nil {
			return cliError(stderr, "decisions", err)
		}
		return 0
	}
	if watch == nil {
		return 0
	}
	for {
		r, err := watch.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return 0
			}
			if errors.Is(err, io.EOF) {
				// The emulator ends the stream (status OK) only when it
				// shuts down: a normal end, not an error.
				fmt.Fprintln(stderr, "emulator decisions: the emulator is shutting down; the stream has ended")
				return 0
			}
			return cliError(stderr, "decisions", err)
		}
		if seen[r.GetId()] {
			continue
		}
		if err := writeDecisions(stdout, *format, []*adminv1.Decision{r}, ""); err != nil {
			return cliError(stderr, "decisions", err)
		}
	}
}

// snapshotCmd writes the running emulator's whole state to FILE.
func snapshotCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("snapshot", stderr)
	var a adminFlags
	a.register(fs, getenv)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: emulator snapshot [flags] FILE")
		return 2
	}
	c, closeConn, err := a.dial(getenv)
	if err != nil {
		return cliError(stderr, "snapshot", err)
	}
	defer closeConn()
	stream, err := c.Snapshot(ctx, &adminv1.SnapshotRequest{})
	if err != nil {
		return cliError(stderr, "snapshot", err)
	}
	tmp := fs.Arg(0) + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return cliError(stderr, "snapshot", err)
	}
	defer os.Remove(tmp)
	var n int64
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = f.Close()
			return cliError(stderr, "snapshot", err)
		}
		m, err := f.Write(chunk.GetData())
		n += int64(m)
		if err != nil {
			_ = f.Close()
			return cliError(stderr, "snapshot", err)
		}
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return cliError(stderr, "snapshot", err)
	}
	if err := f.Close(); err != nil {
		return cliError(stderr, "snapshot", err)
	}
	if err := os.Rename(tmp, fs.Arg(0)); err != nil {
		return cliError(stderr, "snapshot", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", fs.Arg(0), n)
	return 0
}

// restoreCmd replaces the running emulator's state with FILE.
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("restore", stderr)
	var a adminFlags
	a.register(fs, getenv)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: emulator restore [flags] FILE")
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return cliError(stderr, "restore", err)
	}
	defer f.Close()
	c, closeConn, err := a.dial(getenv)
	if err != nil {
		return cliError(stderr, "restore", err)
	}
	defer closeConn()
	stream, err := c.Restore(ctx)
	if err != nil {
		return cliError(stderr, "restore", err)
	}
	buf := make([]byte, 1<<20)
	for {
		n, rerr := f.Read(buf)
		if n > 0 {
			if err := stream.Send(&adminv1.SnapshotChunk{Data: append([]byte(nil), buf[:n]...)}); err != nil {
				break // the server ended the call; CloseAndRecv says why
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return cliError(stderr, "restore", rerr)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return cliError(stderr, "restore", err)
	}
	fmt.Fprintf(stdout, "restored %s (%d bytes)\n", fs.Arg(0), resp.GetBytes())
	return 0
}

// resetCmd empties the running emulator's state.
func resetCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("reset", stderr)
	var a adminFlags
	a.register(fs, getenv)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	c, closeConn, err := a.dial(getenv)
	if err != nil {
		return cliError(stderr, "reset", err)
	}
	defer closeConn()
	if _, err := c.Reset(ctx, &adminv1.ResetRequest{}); err != nil {
		return cliError(stderr, "reset", err)
	}
	fmt.Fprintln(stdout, "state reset")
	return 0
}

// seedCmd applies a seed file to a running emulator through the admin API:
// object files are read here, relative to the seed, and sent inline.
func seedCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("seed", stderr)
	var a adminFlags
	a.register(fs, getenv)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: emulator seed [flags] FILE")
		return 2
	}
	s, err := emulator.LoadSeed(fs.Arg(0))
	if err == nil {
		err = s.Inline()
	}
	var doc []byte
	if err == nil {
		doc, err = json.Marshal(s)
	}
	if err != nil {
		fmt.Fprintf(stderr, "emulator seed: %v\n", err)
		return 1
	}
	c, closeConn, err := a.dial(getenv)
	if err != nil {
		return cliError(stderr, "seed", err)
	}
	defer closeConn()
	if _, err := c.Seed(ctx, &adminv1.SeedRequest{Document: doc, Name: fs.Arg(0)}); err != nil {
		return cliError(stderr, "seed", err)
	}
	fmt.Fprintf(stdout, "seeded %s\n", fs.Arg(0))
	return 0
}
