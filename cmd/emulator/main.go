// Command emulator is a local emulator of AWS EC2 Image Builder with real
// IAM enforcement.
//
//	emulator serve                     # AWS wire endpoint on 127.0.0.1:4700, gRPC on 127.0.0.1:4701
//	emulator simulate-custom-policy --cli-input-json file://input.json
//	emulator version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run dispatches a subcommand and returns the process exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr, getenv)
	case "health":
		return healthCmd(ctx, args[1:], stdout, stderr, getenv)
	case "explain":
		return explainCmd(ctx, args[1:], stdout, stderr, getenv)
	case "decisions":
		return decisionsCmd(ctx, args[1:], stdout, stderr, getenv)
	case "snapshot":
		return snapshotCmd(ctx, args[1:], stdout, stderr, getenv)
	case "restore":
		return restoreCmd(ctx, args[1:], stdout, stderr, getenv)
	case "reset":
		return resetCmd(ctx, args[1:], stdout, stderr, getenv)
	case "policy":
		return policyCmd(ctx, args[1:], stdout, stderr, getenv)
	case "simulate-custom-policy":
		return simulateCustomPolicy(args[1:], stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, version())
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "emulator: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: emulator <command> [flags]

Commands:
  serve                    serve the Image Builder, IAM, STS, S3 and KMS APIs (AWS wire protocols and gRPC)
  health                   exit 0 if a running emulator is ready (--endpoint URL; the container's HEALTHCHECK)
  explain REQUEST_ID       explain a request's authorization decisions and the smallest change that would allow a denial
  decisions                list the decision log (--principal, --action, --decision, --since, --until, --follow, --format text|json|cloudtrail)
  snapshot FILE            write the running emulator's whole state to FILE
  restore FILE             replace the running emulator's state with FILE
  reset                    empty the running emulator's state
  policy suggest           a least-privilege identity policy from a principal's recorded decisions (--principal ARN)
  policy impact            recorded requests whose decision a policy change would change (--principal ARN --policy FILE)
  simulate-custom-policy   evaluate policies offline, like "aws iam simulate-custom-policy"
  version                  print the version

Run "emulator serve -h" for the server's flags. explain, decisions, snapshot,
restore, reset and policy talk to a running emulator over its admin gRPC API
(--endpoint, env IBEMU_GRPC), signed with AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, or as the root user of 000000000000 by default.
`)
}
