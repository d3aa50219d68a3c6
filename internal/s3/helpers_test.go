package s3

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

const (
	ownerA   = "111122223333"
	otherB   = "444455556666"
	testRgn  = "us-east-1"
	otherRgn = "eu-west-1"
)

var testTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestService(t testing.TB, opts ...func(*Options)) *Service {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "emulator.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	o := Options{Clock: func() time.Time { return testTime }}
	for _, f := range opts {
		f(&o)
	}
	return New(db, o)
}

// callIn is a call by account's root user in region.
func callIn(account, region string) context.Context {
	c := &callctx.Call{
		RequestID: "req-" + account, Service: "s3", Region: region, Account: account, Time: testTime,
		Principal: auth.Principal{Kind: auth.PrincipalRoot, AccountID: account, ARN: "arn:aws:iam::" + account + ":root", UserID: account},
	}
	return callctx.With(context.Background(), c)
}

func callAs(account string) context.Context { return callIn(account, testRgn) }

func mustCreateBucket(t testing.TB, s *Service, ctx context.Context, name string) {
	t.Helper()
	if _, err := s.CreateBucket(ctx, &s3v1.CreateBucketRequest{Bucket: ptr(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

func mustPut(t testing.TB, s *Service, ctx context.Context, bucket, key string, body []byte) *s3v1.PutObjectOutput {
	t.Helper()
	out, err := s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr(bucket), Key: ptr(key), Body: body})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return out
}

func mustGet(t testing.TB, s *Service, ctx context.Context, bucket, key string) *s3v1.GetObjectOutput {
	t.Helper()
	out, err := s.GetObject(ctx, &s3v1.GetObjectRequest{Bucket: ptr(bucket), Key: ptr(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	return out
}

// requireCode checks that err is an AWS error with code and HTTP status.
func requireCode(t testing.TB, err error, code string, status int) *awserr.Error {
	t.Helper()
	aerr, ok := awserr.As(err)
	if !ok {
		t.Fatalf("got %v, want %s (%d)", err, code, status)
	}
	if aerr.Code != code || aerr.HTTPStatus != status {
		t.Fatalf("got %s (%d) %q, want %s (%d)", aerr.Code, aerr.HTTPStatus, aerr.Message, code, status)
	}
	return aerr
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// countChunks counts the stored data chunks of a bucket owner's scope.
func countChunks(t testing.TB, s *Service, account, region string) int {
	t.Helper()
	n := 0
	err := s.db.View(context.Background(), func(tx *storage.Tx) error {
		return chunks.Scan(tx, storage.Scope{Account: account, Region: region}, storage.ScanOptions{}, func([]byte, *wrapperspb.BytesValue) (bool, error) {
			n++
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fakeKeys is a KMS stand-in: one key "key-1" (ARN fakeKeyARN), data keys
// sealed with AES-GCM under a fixed master key with the encryption context
// as additional data; it records the calls.
type fakeKeys struct {
	master  cipher.AEAD
	calls   []string
	vias    []string
	deny    bool
	lastCtx map[string]string
}

const fakeKeyARN = "arn:aws:kms:us-east-1:111122223333:key/key-1"

func newFakeKeys() *fakeKeys {
	block, _ := aes.NewCipher(bytes.Repeat([]byte{7}, 32))
	aead, _ := cipher.NewGCM(block)
	return &fakeKeys{master: aead}
}

func ctxBytes(m map[string]string) []byte {
	return []byte(m["aws:s3:arn"])
}

func (f *fakeKeys) GenerateDataKeyFor(_ context.Context, keyID string, encCtx map[string]string, via string) (string, []byte, []byte, error) {
	f.calls, f.vias, f.lastCtx = append(f.calls, "GenerateDataKey:"+keyID), append(f.vias, via), encCtx
	if f.deny {
		return "", nil, nil, awserr.New("AccessDenied", 403, "denied by the fake")
	}
	if keyID != "key-1" && keyID != fakeKeyARN && keyID != DefaultKMSKey {
		return "", nil, nil, awserr.New("NotFoundException", 400, "Invalid keyId "+keyID)
	}
	plain := randomBytes(32)
	nonce := randomBytes(f.master.NonceSize())
	ct := f.master.Seal(nonce, nonce, plain, ctxBytes(encCtx))
	return fakeKeyARN, bytes.Clone(plain), ct, nil
}

func (f *fakeKeys) DecryptFor(_ context.Context, ct []byte, encCtx map[string]string, via string) (string, []byte, error) {
	f.calls, f.vias = append(f.calls, "Decrypt"), append(f.vias, via)
	if f.deny {
		return "", nil, awserr.New("AccessDenied", 403, "denied by the fake")
	}
	ns := f.master.NonceSize()
	p, err := f.master.Open(nil, ct[:ns], ct[ns:], ctxBytes(encCtx))
	if err != nil {
		return "", nil, errors.New("InvalidCiphertextException")
	}
	return fakeKeyARN, p, nil
}

func (f *fakeKeys) DescribeKeyFor(context.Context, string) (string, bool, error) {
	return fakeKeyARN, true, nil
}

type storageTx = storage.Tx

func storageScope(account, region string) storage.Scope {
	return storage.Scope{Account: account, Region: region}
}

func mustObject(t testing.TB, s *Service, bucket, key string) *recordsv1.S3Object {
	t.Helper()
	var o *recordsv1.S3Object
	err := s.db.View(context.Background(), func(tx *storage.Tx) error {
		b, err := mustBucket(tx, bucket)
		if err != nil {
			return err
		}
		o, _, err = objects.Get(tx, dataScope(b), objectKey(bucket, key))
		return err
	})
	if err != nil || o == nil {
		t.Fatalf("object %s/%s: %v", bucket, key, err)
	}
	return o
}

func callctxOf(t testing.TB, account string) *callctx.Call {
	t.Helper()
	return callctx.From(callAs(account))
}
