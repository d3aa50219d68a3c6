package imagebuilder

import (
	"bytes"
	"crypto/sha256"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// clientTokenTTL is how long a client token is remembered. AWS documents
// idempotency tokens as valid for at least a day.
const clientTokenTTL = 24 * time.Hour

var deterministic = proto.MarshalOptions{Deterministic: true}

// idempotent runs create in tx unless an earlier request carried the same
// client token: a retry of the same request gets the same answer (the
// server gives it its own request id), a different request with the token is refused with
// IdempotentParameterMismatchException. The answer is recorded in the same
// transaction as the write it describes.
func idempotent[T proto.Message](tx *storage.Tx, sc storage.Scope, op string, req proto.Message, now time.Time, create func() (T, error)) (T, error) {
	if resp, found, err := replayed[T](tx, sc, op, req, now); err != nil || found {
		return resp, err
	}
	resp, err := create()
	if err != nil {
		return resp, err
	}
	if err := remember(tx, sc, op, req, now, resp); err != nil {
		var zero T
		return zero, err
	}
	return resp, nil
}

// replayed is idempotent's first half, for operations whose work does not
// fit in the transaction (StartImagePipelineExecution starts a build in its
// own): the answer recorded for the request's client token, found when the
// same request carried it; IdempotentParameterMismatchException when
// another did. Without a token nothing is found.
func replayed[T proto.Message](tx *storage.Tx, sc storage.Scope, op string, req proto.Message, now time.Time) (T, bool, error) {
	var zero T
	token := stringField(req, "client_token")
	if token == "" {
		return zero, false, nil
	}
	hash, err := requestHash(req)
	if err != nil {
		return zero, false, awserr.Internal(err)
	}
	rec, found, err := clientTokens.Get(tx, sc, tokenKey(op, token))
	if err != nil || !found || now.Sub(rec.GetCreated().AsTime()) >= clientTokenTTL {
		return zero, false, err
	}
	if !bytes.Equal(rec.GetRequestHash(), hash) {
		return zero, false, ibv1.ErrIdempotentParameterMismatch("The client token %s was already used by a different %s request.", token, op)
	}
	resp := newLike(zero)
	if err := proto.Unmarshal(rec.GetResponse(), resp); err != nil {
		return zero, false, awserr.Internal(err)
	}
	return resp, true, nil
}

// remember is idempotent's second half: it records resp as the answer to
// the request's client token (nothing without a token).
func remember(tx *storage.Tx, sc storage.Scope, op string, req proto.Message, now time.Time, resp proto.Message) error {
	token := stringField(req, "client_token")
	if token == "" {
		return nil
	}
	hash, err := requestHash(req)
	if err != nil {
		return awserr.Internal(err)
	}
	stored := proto.Clone(resp)
	clearField(stored, "request_id")
	raw, err := deterministic.Marshal(stored)
	if err != nil {
		return awserr.Internal(err)
	}
	rec := &recordsv1.IdempotencyRecord{Operation: op, RequestHash: hash, Response: raw, Created: timestamppb.New(now)}
	return clientTokens.Put(tx, sc, tokenKey(op, token), rec)
}

func tokenKey(op, token string) []byte { return storage.NewKey().String(op).String(token).Key() }

// requestHash identifies a request independently of its client token.
func requestHash(req proto.Message) ([]byte, error) {
	m := proto.Clone(req)
	clearField(m, "client_token")
	raw, err := deterministic.Marshal(m)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	return sum[:], nil
}

func newLike[T proto.Message](zero T) T {
	return zero.ProtoReflect().Type().New().Interface().(T)
}

func field(m proto.Message, name protoreflect.Name) (protoreflect.Message, protoreflect.FieldDescriptor) {
	r := m.ProtoReflect()
	return r, r.Descriptor().Fields().ByName(name)
}

func stringField(m proto.Message, name protoreflect.Name) string {
	r, fd := field(m, name)
	if fd == nil {
		return ""
	}
	return r.Get(fd).String()
}

func setStringField(m proto.Message, name protoreflect.Name, v string) {
	if r, fd := field(m, name); fd != nil && v != "" {
		r.Set(fd, protoreflect.ValueOfString(v))
	}
}

func clearField(m proto.Message, name protoreflect.Name) {
	if r, fd := field(m, name); fd != nil {
		r.Clear(fd)
	}
}
