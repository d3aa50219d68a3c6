package emulator

import (
	"context"
	"errors"
	"io"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/storage"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// DefaultAdminPrincipal is the principal that may always use the admin API:
// the root user of account 000000000000 (access key "test").
const DefaultAdminPrincipal = "arn:aws:iam::000000000000:root"

// snapshotChunk is the size of the pieces Snapshot streams.
const snapshotChunk = 1 << 20

// admin implements ibemu.admin.v1.Admin over the emulator's store and
// decision log.
type admin struct {
	adminv1.UnimplementedAdminServer
	e *Emulator
}

// adminAllow accepts DefaultAdminPrincipal and the configured admin
// principals: an ARN names a root user, a user, or a role (whose sessions
// are then admins too).
func adminAllow(extra []string) func(p *auth.Principal) bool {
	allowed := map[string]bool{strings.ToLower(DefaultAdminPrincipal): true}
	for _, a := range extra {
		allowed[strings.ToLower(strings.TrimSpace(a))] = true
	}
	return func(p *auth.Principal) bool {
		if allowed[strings.ToLower(p.ARN)] {
			return true
		}
		return p.Session != nil && p.Session.RoleARN != "" && allowed[strings.ToLower(p.Session.RoleARN)]
	}
}

func (a *admin) ListDecisions(ctx context.Context, req *adminv1.ListDecisionsRequest) (*adminv1.ListDecisionsResponse, error) {
	rs, next, err := a.e.store.List(ctx, authz.FilterFromProto(req.GetFilter()), req.GetNextToken(), int(req.GetMaxResults()))
	if errors.Is(err, authz.ErrBadToken) {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if err != nil {
		return nil, storageStatus(err)
	}
	return &adminv1.ListDecisionsResponse{Decisions: rs, NextToken: next}, nil
}

func (a *admin) Explain(ctx context.Context, req *adminv1.ExplainRequest) (*adminv1.ExplainResponse, error) {
	if req.GetRequestId() == "" {
		return nil, status.Error(codes.InvalidArgument, "request_id is required")
	}
	rs, err := a.e.store.ByRequestID(ctx, req.GetRequestId())
	if err != nil {
		return nil, storageStatus(err)
	}
	if len(rs) == 0 {
		return nil, status.Errorf(codes.NotFound, "no decisions recorded for request %s (the log keeps the most recent ones)", req.GetRequestId())
	}
	return &adminv1.ExplainResponse{Decisions: rs, Text: authz.ExplainText(rs)}, nil
}

func (a *admin) WatchDecisions(req *adminv1.WatchDecisionsRequest, stream grpc.ServerStreamingServer[adminv1.Decision]) error {
	ch, cancel := a.e.store.Watch(authz.FilterFromProto(req.GetFilter()))
	defer cancel()
	// The header tells the client the subscription is in place: decisions
	// made from now on reach it.
	if err := stream.SendHeader(nil); err != nil {
		return err
	}
	for {
		select {
		case <-stream.Context().Done():
			return nil
		case <-a.e.streamsCtx.Done():
			// Shutdown began: the stream would never end by itself, so it
			// ends now, with status OK (the client's Recv returns io.EOF),
			// instead of holding the drain until its limit.
			return nil
		case r := <-ch:
			if err := stream.Send(r); err != nil {
				return err
			}
		}
	}
}

func (a *admin) Reset(ctx context.Context, _ *adminv1.ResetRequest) (*adminv1.ResetResponse, error) {
	if err := a.e.Reset(ctx); err != nil {
		return nil, storageStatus(err)
	}
	return &adminv1.ResetResponse{}, nil
}

// Reset empties the emulator's state, as the admin API's Reset does:
// every account's resources and the decision log; seeds are not applied
// again (call ApplySeed). Errors are the data file's.
func (e *Emulator) Reset(ctx context.Context) error {
	if err := e.store.Flush(ctx); err != nil {
		return err
	}
	if err := e.db.Reset(ctx); err != nil {
		return err
	}
	e.stateReplaced()
	return nil
}

func (a *admin) Snapshot(_ *adminv1.SnapshotRequest, stream grpc.ServerStreamingServer[adminv1.SnapshotChunk]) error {
	if err := a.e.store.Flush(stream.Context()); err != nil {
		return storageStatus(err)
	}
	w := &chunkWriter{send: func(p []byte) error { return stream.Send(&adminv1.SnapshotChunk{Data: p}) }}
	if _, err := a.e.db.WriteTo(stream.Context(), w); err != nil {
		return storageStatus(err)
	}
	return w.flush()
}

func (a *admin) Restore(stream grpc.ClientStreamingServer[adminv1.SnapshotChunk, adminv1.RestoreResponse]) error {
	pr, pw := io.Pipe()
	go func() {
		for {
			c, err := stream.Recv()
			if err == io.EOF {
				_ = pw.Close()
				return
			}
			if err != nil {
				_ = pw.CloseWithError(err)
				return
			}
			if _, err := pw.Write(c.GetData()); err != nil {
				return
			}
		}
	}()
	ctx := stream.Context()
	if err := a.e.store.Flush(ctx); err != nil {
		_ = pr.CloseWithError(err)
		return storageStatus(err)
	}
	n, err := a.e.db.Restore(ctx, pr)
	_ = pr.CloseWithError(errors.New("restore finished"))
	if err != nil {
		return storageStatus(err)
	}
	a.e.stateReplaced()
	return stream.SendAndClose(&adminv1.RestoreResponse{Bytes: n})
}

// chunkWriter sends what is written in pieces of snapshotChunk bytes.
type chunkWriter struct {
	send func([]byte) error
	buf  []byte
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := snapshotChunk - len(w.buf)
		take := min(room, len(p))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) == snapshotChunk {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	err := w.send(w.buf)
	w.buf = nil
	return err
}

// storageStatus maps a storage failure to a gRPC status.
func storageStatus(err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err).Err()
	case errors.Is(err, storage.ErrForeignSnapshot):
		return status.Error(codes.FailedPrecondition, err.Error()+"; serve a copy of the snapshot instead (it is a data file: emulator serve --data FILE)")
	case errors.Is(err, storage.ErrCorrupt):
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// Seed applies a seed document sent over the admin API. File references
// are refused: a remote caller's paths mean nothing here, and the server
// must not read its own files for it (the CLI inlines them first).
func (a *admin) Seed(ctx context.Context, req *adminv1.SeedRequest) (*adminv1.SeedResponse, error) {
	s, err := ParseSeed(req.GetDocument())
	if err == nil && s.hasFiles() {
		err = &SeedError{Err: errors.New("objects must carry inline content over the admin API (emulator seed inlines files)")}
	}
	if err == nil {
		s.file = req.GetName()
		err = a.e.ApplySeed(ctx, s)
	}
	var se *SeedError
	if errors.As(err, &se) {
		if se.File == "" {
			se.File = req.GetName()
		}
		return nil, status.Error(codes.InvalidArgument, se.Error())
	}
	if err != nil {
		return nil, storageStatus(err)
	}
	return &adminv1.SeedResponse{}, nil
}
