package s3

import (
	"context"
	"testing"

	"github.com/ibemu/ibemu/internal/authz"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// authorized runs op's authorization for req as account's root user
// through an enforcer using the service's resolver, and returns the context
// a handler would get.
func authorized(t *testing.T, s *Service, account, op string, req any) (context.Context, error) {
	t.Helper()
	svc := s3v1.Model()
	o, ok := svc.Operation(op)
	if !ok || o.Authz == nil {
		t.Fatalf("no authorization spec for %s", op)
	}
	e, err := authz.New(authz.Options{Identities: authz.RootsOnly{}, Resolvers: map[string]authz.Resolver{"s3": s.Resolver()}})
	if err != nil {
		t.Fatal(err)
	}
	return e.Authorize(callAs(account), svc, o, req)
}

// TestGetObjectFor: another service reading an object for the caller is a
// forward access decision on the object, with the bucket policy applied —
// a policy that allows reads only through Image Builder (aws:CalledVia)
// lets GetObjectFor through and not a direct GetObject.
func TestGetObjectFor(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "docs-bucket")
	mustPut(t, s, ctx, "docs-bucket", "c.yml", []byte("name: c"))
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + otherB + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::docs-bucket/*",
		"Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":["imagebuilder.amazonaws.com"]}}}]}`

	// The caller's own call (any authorized operation) carries the target.
	bctx, err := authorized(t, s, otherB, "ListBuckets", &s3v1.ListBucketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.GetObjectFor(bctx, "docs-bucket", "c.yml", "imagebuilder")
	requireCode(t, err, "AccessDenied", 403)
	if _, err := s.PutBucketPolicy(ctx, &s3v1.PutBucketPolicyRequest{Bucket: ptr("docs-bucket"), Policy: ptr(doc)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetObjectFor(bctx, "docs-bucket", "c.yml", "imagebuilder")
	if err != nil || string(got) != "name: c" {
		t.Fatalf("GetObjectFor via Image Builder: %q, %v", got, err)
	}
	_, err = authorized(t, s, otherB, "GetObject", &s3v1.GetObjectRequest{Bucket: ptr("docs-bucket"), Key: ptr("c.yml")})
	requireCode(t, err, "AccessDenied", 403)

	_, err = s.GetObjectFor(bctx, "docs-bucket", "missing.yml", "imagebuilder")
	requireCode(t, err, "AccessDenied", 403) // B may not list the bucket
	actx, _ := authorized(t, s, ownerA, "ListBuckets", &s3v1.ListBucketsRequest{})
	_, err = s.GetObjectFor(actx, "docs-bucket", "missing.yml", "imagebuilder")
	requireCode(t, err, "NoSuchKey", 404)
	_, err = s.GetObjectFor(actx, "no-such-bucket", "c.yml", "imagebuilder")
	requireCode(t, err, "NoSuchBucket", 404)

	owner, region, ok, err := s.BucketFor(context.Background(), "docs-bucket")
	if err != nil || !ok || owner != ownerA || region != testRgn {
		t.Fatalf("BucketFor = %s %s %v %v", owner, region, ok, err)
	}
	if _, _, ok, _ := s.BucketFor(context.Background(), "nope-bucket"); ok {
		t.Fatal("BucketFor finds a missing bucket")
	}
}

// TestResolver: the owner of a bucket is the resource account of the bucket
// and its objects; its policy and tags come along; CreateBucket and missing
// buckets are NoSuchBucket before any decision.
func TestResolver(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "res-bucket")
	tags := &s3v1.Tagging{TagSet: []*s3v1.Tag{{Key: ptr("env"), Value: ptr("dev")}}}
	if _, err := s.PutBucketTagging(ctx, &s3v1.PutBucketTaggingRequest{Bucket: ptr("res-bucket"), Tagging: tags}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + otherB + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::res-bucket/*"}]}`
	if _, err := s.PutBucketPolicy(ctx, &s3v1.PutBucketPolicyRequest{Bucket: ptr("res-bucket"), Policy: ptr(doc)}); err != nil {
		t.Fatal(err)
	}
	r := s.Resolver()
	c := callctxOf(t, otherB)
	obj, err := r.Resolve(context.Background(), c, "s3:GetObject", &authz.ResourceRef{ARN: "arn:aws:s3:::res-bucket/a/b"})
	if err != nil || !obj.Exists || obj.Account != ownerA || obj.Policy == nil || obj.Type != "object" || len(obj.Tags) != 0 {
		t.Fatalf("object resource = %+v, %v", obj, err)
	}
	b, err := r.Resolve(context.Background(), c, "s3:ListBucket", &authz.ResourceRef{ARN: "arn:aws:s3:::res-bucket"})
	if err != nil || b.Tags["env"] != "dev" || b.Type != "bucket" || b.Keys[0].Values[0] != ownerA {
		t.Fatalf("bucket resource = %+v, %v", b, err)
	}
	_, err = r.Resolve(context.Background(), c, "s3:ListBucket", &authz.ResourceRef{ARN: "arn:aws:s3:::gone-bucket"})
	requireCode(t, err, "NoSuchBucket", 404)
	create, err := r.Resolve(context.Background(), c, "s3:CreateBucket", &authz.ResourceRef{ARN: "arn:aws:s3:::res-bucket"})
	if err != nil || create.Account != otherB || create.Policy != nil {
		t.Fatalf("CreateBucket of a taken name = %+v, %v", create, err)
	}
	if _, err := r.Resolve(context.Background(), c, "s3:ListBucket", &authz.ResourceRef{ARN: "arn:aws:s3:::Bad_Name"}); err == nil {
		t.Fatal("a malformed bucket name resolves")
	}
}
