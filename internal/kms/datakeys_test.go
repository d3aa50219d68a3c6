package kms

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/seal"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
)

const (
	testAccount = "111122223333"
	testRegion  = "us-east-1"
	aliceARN    = "arn:aws:iam::" + testAccount + ":user/alice"
)

// users is an Identities with root users and IAM users given by ARN.
type users map[string]*authz.Caller

func (u users) Caller(_ context.Context, p *auth.Principal) (*authz.Caller, error) {
	if p.Kind == auth.PrincipalRoot {
		return authz.RootCaller(p.AccountID), nil
	}
	return u[p.ARN], nil
}

type dataKeysEnv struct {
	svc *Service
	enf *authz.Enforcer
	log *authz.Log
}

func newDataKeysEnv(t *testing.T) *dataKeysEnv {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "kms.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	sealer, _ := seal.New(make([]byte, seal.KeySize))
	svc, err := New(db, Options{Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	// Alice may do anything her identity policy can allow.
	alice := &authz.Caller{
		Principal: policy.Principal{Kind: policy.PrincipalUser, ARN: aliceARN, Account: testAccount, UserID: "AIDAALICE", Username: "alice"},
		Identity:  []policy.Attached{{Policy: policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindIdentity), Name: "all"}},
	}
	log := authz.NewLog(0)
	enf, err := authz.New(authz.Options{Identities: users{aliceARN: alice}, Resolvers: map[string]authz.Resolver{"kms": svc.Resolver()}, Recorder: log})
	if err != nil {
		t.Fatal(err)
	}
	return &dataKeysEnv{svc: svc, enf: enf, log: log}
}

// authorized is the context of an authorized call of op (of model svc) by
// principal, as the server's interceptors make it.
func (e *dataKeysEnv) authorized(t *testing.T, p auth.Principal, svc *apimodel.Service, opName string, in proto.Message, id string) context.Context {
	t.Helper()
	op, ok := svc.Operation(opName)
	if !ok {
		t.Fatalf("no operation %s", opName)
	}
	c := &callctx.Call{RequestID: id, Service: svc.SigningName, Operation: opName, Region: testRegion, Account: p.AccountID, Principal: p, Time: time.Now(), Transport: "http"}
	ctx, err := e.enf.Authorize(callctx.With(context.Background(), c), svc, op, in)
	if err != nil {
		t.Fatalf("authorize %s: %v", opName, err)
	}
	return ctx
}

func asAWSError(err error, target **awserr.Error) bool { return errors.As(err, target) }

func TestDataKeysForwardAccess(t *testing.T) {
	e := newDataKeysEnv(t)
	root := auth.RootPrincipal(testAccount)
	alice := auth.Principal{Kind: auth.PrincipalIAMUser, AccountID: testAccount, ARN: aliceARN, UserID: "AIDAALICE", Name: "alice"}
	km, ib := kmsv1.Model(), ibv1.Model()

	// A key whose policy lets only the root administer it: IAM (and so
	// alice's policy) is not delegated.
	adminOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:root"},"Action":["kms:PutKeyPolicy","kms:Encrypt","kms:GenerateDataKey"],"Resource":"*"}]}`
	ctx := e.authorized(t, root, km, "CreateKey", &kmsv1.CreateKeyRequest{}, "r1")
	created, err := e.svc.CreateKey(ctx, &kmsv1.CreateKeyRequest{Policy: proto.String(adminOnly)})
	if err != nil {
		t.Fatal(err)
	}
	arn := created.GetKeyMetadata().GetArn()
	keyID := created.GetKeyMetadata().GetKeyId()
	ec := map[string]string{"component": "c1"}

	// The root (through Image Builder) makes a data key and encrypts.
	rctx := e.authorized(t, root, ib, "ListComponents", &ibv1.ListComponentsRequest{}, "r2")
	gotARN, pt, blob, err := e.svc.GenerateDataKeyFor(rctx, keyID, ec, "imagebuilder")
	if err != nil || gotARN != arn || len(pt) != 32 {
		t.Fatalf("GenerateDataKeyFor = %q, %d bytes, %v", gotARN, len(pt), err)
	}
	if _, _, err := e.svc.EncryptFor(rctx, arn, []byte("doc"), ec, "imagebuilder"); err != nil {
		t.Fatalf("EncryptFor: %v", err)
	}
	// The forward access decision is logged, as a check through imagebuilder.
	var fas *authz.Decision
	for _, d := range e.log.ByRequestID("r2") {
		if d.Action == "kms:GenerateDataKey" {
			fas = d
		}
	}
	if fas == nil || fas.Check != "forward access via imagebuilder.amazonaws.com" || fas.Resource != arn {
		t.Fatalf("logged decisions: %+v", e.log.ByRequestID("r2"))
	}
	if v, _ := fas.Context().Lookup("kms:ViaService"); len(v) != 1 || v[0].Raw != "imagebuilder."+testRegion+".amazonaws.com" {
		t.Errorf("kms:ViaService = %v", v)
	}

	// Alice, allowed everything by IAM, is denied: the key policy does not
	// delegate to IAM. The denial is Image Builder's AccessDenied and names
	// kms:Decrypt and the key.
	actx := e.authorized(t, alice, ib, "ListComponents", &ibv1.ListComponentsRequest{}, "r3")
	_, _, err = e.svc.DecryptFor(actx, blob, ec, "imagebuilder")
	var aerr *awserr.Error
	if !asAWSError(err, &aerr) || aerr.Code != "AccessDeniedException" || aerr.HTTPStatus != 403 ||
		!strings.Contains(aerr.Message, "kms:Decrypt") || !strings.Contains(aerr.Message, arn) || !strings.Contains(aerr.Message, aliceARN) {
		t.Fatalf("DecryptFor as alice = %v", err)
	}

	// The key policy allows alice through Image Builder only.
	viaIB := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:root"},"Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:ViaAWSService":"false"}}},` +
		`{"Effect":"Allow","Principal":{"AWS":"` + aliceARN + `"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"imagebuilder.` + testRegion + `.amazonaws.com","kms:EncryptionContext:component":"c1"}}}]}`
	pctx := e.authorized(t, root, km, "PutKeyPolicy", &kmsv1.PutKeyPolicyRequest{KeyId: proto.String(keyID)}, "r4")
	if _, err := e.svc.PutKeyPolicy(pctx, &kmsv1.PutKeyPolicyRequest{KeyId: proto.String(keyID), Policy: proto.String(viaIB), BypassPolicyLockoutSafetyCheck: proto.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	gotARN, got, err := e.svc.DecryptFor(actx, blob, ec, "imagebuilder")
	if err != nil || gotARN != arn || !bytes.Equal(got, pt) {
		t.Fatalf("DecryptFor through imagebuilder = %q, %v", gotARN, err)
	}
	// Through another service, or with another context, the condition fails.
	if _, _, err := e.svc.DecryptFor(actx, blob, ec, "s3"); !asAWSError(err, &aerr) || aerr.Code != "AccessDeniedException" {
		t.Fatalf("DecryptFor through s3 = %v", err)
	}
	if _, _, err := e.svc.DecryptFor(actx, blob, map[string]string{"component": "c2"}, "imagebuilder"); !asAWSError(err, &aerr) || aerr.Code != "AccessDeniedException" {
		t.Fatalf("DecryptFor with another context = %v", err)
	}

	// DescribeKeyFor validates without authorizing.
	if a, enabled, err := e.svc.DescribeKeyFor(actx, keyID); err != nil || a != arn || !enabled {
		t.Fatalf("DescribeKeyFor = %q, %v, %v", a, enabled, err)
	}
	if _, _, err := e.svc.DescribeKeyFor(actx, "alias/none"); !asAWSError(err, &aerr) || aerr.Code != "NotFoundException" {
		t.Fatalf("DescribeKeyFor of a missing alias = %v", err)
	}
	if _, _, err := e.svc.DescribeKeyFor(actx, "nope"); !asAWSError(err, &aerr) || aerr.Code != "NotFoundException" {
		t.Fatalf("DescribeKeyFor of a bad id = %v", err)
	}
}
