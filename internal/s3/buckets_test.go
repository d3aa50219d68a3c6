package s3

import (
	"strings"
	"testing"

	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

func TestValidBucketName(t *testing.T) {
	valid := []string{"abc", "my-bucket", "my.bucket.name", "a1b2c3", strings.Repeat("a", 63), "1-2", "xn-a", "bucket-s3alia"}
	invalid := []string{"", "ab", strings.Repeat("a", 64), "My-Bucket", "-bucket", "bucket-", ".bucket", "bucket.",
		"my..bucket", "192.168.5.4", "xn--bucket", "bucket-s3alias", "bucket--ol-s3", "my_bucket", "sthree-x", "bucket.mrap", "bucket--x-s3", "amzn-s3-demo-x", "buck et"}
	for _, n := range valid {
		if !ValidBucketName(n) {
			t.Errorf("ValidBucketName(%q) = false, want true", n)
		}
	}
	for _, n := range invalid {
		if ValidBucketName(n) {
			t.Errorf("ValidBucketName(%q) = true, want false", n)
		}
	}
	s := newTestService(t)
	_, err := s.CreateBucket(callAs(ownerA), &s3v1.CreateBucketRequest{Bucket: ptr("Bad_Name")})
	requireCode(t, err, "InvalidBucketName", 400)
}

// TestCreateBucketLocation: the LocationConstraint must name the region
// the request went to, and be absent in us-east-1.
func TestCreateBucketLocation(t *testing.T) {
	s := newTestService(t)
	cases := []struct {
		region, lc, code string
	}{
		{"eu-west-1", "", "IllegalLocationConstraintException"},
		{"eu-west-1", "us-west-2", "IllegalLocationConstraintException"},
		{"us-east-1", "us-east-1", "InvalidLocationConstraint"},
		{"us-east-1", "eu-west-1", "IllegalLocationConstraintException"},
		{"eu-west-1", "eu-west-1", ""},
		{"us-east-1", "", ""},
	}
	for i, c := range cases {
		req := &s3v1.CreateBucketRequest{Bucket: ptr("loc-" + string(rune('a'+i)) + "-bucket")}
		if c.lc != "" {
			req.CreateBucketConfiguration = &s3v1.CreateBucketConfiguration{LocationConstraint: ptr(c.lc)}
		}
		_, err := s.CreateBucket(callIn(ownerA, c.region), req)
		if c.code == "" {
			if err != nil {
				t.Errorf("%s with %q: %v", c.region, c.lc, err)
				continue
			}
			loc, err := s.GetBucketLocation(callAs(ownerA), &s3v1.GetBucketLocationRequest{Bucket: req.Bucket})
			if err != nil {
				t.Fatal(err)
			}
			if want := c.lc; loc.GetLocationConstraint() != want {
				t.Errorf("GetBucketLocation = %q, want %q", loc.GetLocationConstraint(), want)
			}
			continue
		}
		requireCode(t, err, c.code, 400)
	}
}

// TestBucketNamesAreGlobal: a name another account holds is
// BucketAlreadyExists everywhere; the owner's own is
// BucketAlreadyOwnedByYou, except in us-east-1 (200, legacy).
func TestBucketNamesAreGlobal(t *testing.T) {
	s := newTestService(t)
	mustCreateBucket(t, s, callAs(ownerA), "shared-name")
	_, err := s.CreateBucket(callAs(otherB), &s3v1.CreateBucketRequest{Bucket: ptr("shared-name")})
	requireCode(t, err, "BucketAlreadyExists", 409)
	if _, err := s.CreateBucket(callAs(ownerA), &s3v1.CreateBucketRequest{Bucket: ptr("shared-name")}); err != nil {
		t.Fatalf("re-creating one's own bucket in us-east-1: %v, want 200", err)
	}
	eu := &s3v1.CreateBucketRequest{Bucket: ptr("eu-bucket"), CreateBucketConfiguration: &s3v1.CreateBucketConfiguration{LocationConstraint: ptr(otherRgn)}}
	if _, err := s.CreateBucket(callIn(ownerA, otherRgn), eu); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateBucket(callIn(ownerA, otherRgn), eu)
	requireCode(t, err, "BucketAlreadyOwnedByYou", 409)
	_, err = s.CreateBucket(callIn(otherB, otherRgn), eu)
	requireCode(t, err, "BucketAlreadyExists", 409)

	head, err := s.HeadBucket(callAs(ownerA), &s3v1.HeadBucketRequest{Bucket: ptr("eu-bucket")})
	if err != nil || head.GetBucketRegion() != otherRgn {
		t.Fatalf("HeadBucket = %v, %v; want region %s", head, err, otherRgn)
	}
	_, err = s.HeadBucket(callAs(ownerA), &s3v1.HeadBucketRequest{Bucket: ptr("no-such-bucket")})
	requireCode(t, err, "NotFound", 404)
	_, err = s.HeadBucket(callAs(ownerA), &s3v1.HeadBucketRequest{Bucket: ptr("eu-bucket"), ExpectedBucketOwner: ptr(otherB)})
	requireCode(t, err, "AccessDenied", 403)

	list, err := s.ListBuckets(callAs(ownerA), &s3v1.ListBucketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range list.GetBuckets() {
		names = append(names, b.GetName())
	}
	if strings.Join(names, ",") != "eu-bucket,shared-name" || list.GetOwner().GetId() != CanonicalID(ownerA) {
		t.Errorf("ListBuckets = %v owner %s", names, list.GetOwner().GetId())
	}
	other, _ := s.ListBuckets(callAs(otherB), &s3v1.ListBucketsRequest{})
	if len(other.GetBuckets()) != 0 {
		t.Errorf("B lists A's buckets: %v", other.GetBuckets())
	}
}

func TestListBucketsPaging(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	for _, n := range []string{"page-a", "page-b", "page-c", "page-d", "other-e"} {
		mustCreateBucket(t, s, ctx, n)
	}
	var got []string
	req := &s3v1.ListBucketsRequest{MaxBuckets: ptr(int32(2)), Prefix: ptr("page-")}
	for pages := 0; ; pages++ {
		out, err := s.ListBuckets(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range out.GetBuckets() {
			got = append(got, b.GetName())
		}
		if out.ContinuationToken == nil {
			break
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		req.ContinuationToken = out.ContinuationToken
	}
	if strings.Join(got, ",") != "page-a,page-b,page-c,page-d" {
		t.Errorf("paged ListBuckets = %v", got)
	}
	_, err := s.ListBuckets(ctx, &s3v1.ListBucketsRequest{ContinuationToken: ptr("garbage!")})
	requireCode(t, err, "InvalidArgument", 400)
}

func TestDeleteBucket(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, "doomed")
	mustPut(t, s, ctx, "doomed", "k", []byte("x"))
	_, err := s.DeleteBucket(ctx, &s3v1.DeleteBucketRequest{Bucket: ptr("doomed")})
	requireCode(t, err, "BucketNotEmpty", 409)
	if _, err := s.DeleteObject(ctx, &s3v1.DeleteObjectRequest{Bucket: ptr("doomed"), Key: ptr("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMultipartUpload(ctx, &s3v1.CreateMultipartUploadRequest{Bucket: ptr("doomed"), Key: ptr("big")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteBucket(ctx, &s3v1.DeleteBucketRequest{Bucket: ptr("doomed")}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteBucket(ctx, &s3v1.DeleteBucketRequest{Bucket: ptr("doomed")})
	requireCode(t, err, "NoSuchBucket", 404)
	// The name is free again, for any account.
	mustCreateBucket(t, s, callAs(otherB), "doomed")
}

func TestBucketPolicyValidation(t *testing.T) {
	const b = "pol-bucket"
	stmt := func(action, resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":` + action + `,"Resource":` + resource + `}]}`
	}
	cases := []struct {
		doc, msg string
	}{
		{stmt(`"s3:GetObject"`, `"arn:aws:s3:::pol-bucket/*"`), ""},
		{stmt(`["s3:ListBucket","s3:GetObject"]`, `["arn:aws:s3:::pol-bucket","arn:aws:s3:::pol-bucket/*"]`), ""},
		{stmt(`"s3:*"`, `"arn:aws:s3:::pol-*"`), ""},
		{stmt(`"s3:Get*"`, `"arn:aws:s3:::pol-bucket/docs/*"`), ""},
		{stmt(`"s3:GetObject"`, `"arn:aws:s3:::other-bucket/*"`), "Policy has invalid resource"},
		{stmt(`"s3:GetObject"`, `"*"`), "Policy has invalid resource"},
		{stmt(`"s3:GetObject"`, `"arn:aws:s3:::pol-bucket"`), "Action does not apply to any resource(s) in statement"},
		{stmt(`"s3:ListBucket"`, `"arn:aws:s3:::pol-bucket/*"`), "Action does not apply to any resource(s) in statement"},
		{stmt(`"iam:GetUser"`, `"arn:aws:s3:::pol-bucket/*"`), "Policy has invalid action"},
		{stmt(`"s3:NoSuchAction"`, `"arn:aws:s3:::pol-bucket/*"`), "Policy has invalid action"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pol-bucket/*"}]}`, "Missing required field Principal"},
		{`{"Version":`, "This policy contains invalid Json"},
	}
	for _, c := range cases {
		_, err := ValidateBucketPolicy(b, c.doc)
		if c.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", c.doc, err)
			}
			continue
		}
		aerr := requireCode(t, err, "MalformedPolicy", 400)
		if aerr.Message != c.msg {
			t.Errorf("%s: message %q, want %q", c.doc, aerr.Message, c.msg)
		}
	}

	s := newTestService(t)
	ctx := callAs(ownerA)
	mustCreateBucket(t, s, ctx, b)
	_, err := s.GetBucketPolicy(ctx, &s3v1.GetBucketPolicyRequest{Bucket: ptr(b)})
	requireCode(t, err, "NoSuchBucketPolicy", 404)
	doc := cases[0].doc
	if _, err := s.PutBucketPolicy(ctx, &s3v1.PutBucketPolicyRequest{Bucket: ptr(b), Policy: ptr(doc)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetBucketPolicy(ctx, &s3v1.GetBucketPolicyRequest{Bucket: ptr(b)})
	if err != nil || got.GetPolicy() != doc {
		t.Fatalf("GetBucketPolicy = %q, %v", got.GetPolicy(), err)
	}
	_, err = s.PutBucketPolicy(callAs(otherB), &s3v1.PutBucketPolicyRequest{Bucket: ptr(b), Policy: ptr(doc)})
	requireCode(t, err, "MethodNotAllowed", 405)
	if _, err := s.DeleteBucketPolicy(ctx, &s3v1.DeleteBucketPolicyRequest{Bucket: ptr(b)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetBucketPolicy(ctx, &s3v1.GetBucketPolicyRequest{Bucket: ptr(b)})
	requireCode(t, err, "NoSuchBucketPolicy", 404)
}

func TestBucketControls(t *testing.T) {
	s := newTestService(t)
	ctx := callAs(ownerA)
	const b = "controls"
	mustCreateBucket(t, s, ctx, b)
	own, err := s.GetBucketOwnershipControls(ctx, &s3v1.GetBucketOwnershipControlsRequest{Bucket: ptr(b)})
	if err != nil || own.GetOwnershipControls().GetRules()[0].GetObjectOwnership() != BucketOwnerEnforced {
		t.Fatalf("GetBucketOwnershipControls = %v, %v", own, err)
	}
	acl, err := s.GetBucketAcl(ctx, &s3v1.GetBucketAclRequest{Bucket: ptr(b)})
	if err != nil || len(acl.GetGrants()) != 1 || acl.GetGrants()[0].GetPermission() != "FULL_CONTROL" || acl.GetOwner().GetId() != CanonicalID(ownerA) {
		t.Fatalf("GetBucketAcl = %v, %v", acl, err)
	}
	_, err = s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr(b), Key: ptr("k"), Acl: ptr("public-read")})
	requireCode(t, err, "AccessControlListNotSupported", 400)
	if _, err := s.PutObject(ctx, &s3v1.PutObjectRequest{Bucket: ptr(b), Key: ptr("k"), Acl: ptr("bucket-owner-full-control")}); err != nil {
		t.Fatal(err)
	}
	enc, err := s.GetBucketEncryption(ctx, &s3v1.GetBucketEncryptionRequest{Bucket: ptr(b)})
	if err != nil || enc.GetServerSideEncryptionConfiguration().GetRules()[0].GetApplyServerSideEncryptionByDefault().GetSseAlgorithm() != "AES256" {
		t.Fatalf("GetBucketEncryption = %v, %v", enc, err)
	}
	kms := &s3v1.ServerSideEncryptionConfiguration{Rules: []*s3v1.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &s3v1.ServerSideEncryptionByDefault{SseAlgorithm: ptr("aws:kms"), KmsMasterKeyId: ptr("key-1")}, BucketKeyEnabled: ptr(true)}}}
	if _, err := s.PutBucketEncryption(ctx, &s3v1.PutBucketEncryptionRequest{Bucket: ptr(b), ServerSideEncryptionConfiguration: kms}); err != nil {
		t.Fatal(err)
	}
	enc, _ = s.GetBucketEncryption(ctx, &s3v1.GetBucketEncryptionRequest{Bucket: ptr(b)})
	rule := enc.GetServerSideEncryptionConfiguration().GetRules()[0]
	if rule.GetApplyServerSideEncryptionByDefault().GetKmsMasterKeyId() != "key-1" || !rule.GetBucketKeyEnabled() {
		t.Fatalf("GetBucketEncryption after put = %v", enc)
	}
	if _, err := s.DeleteBucketEncryption(ctx, &s3v1.DeleteBucketEncryptionRequest{Bucket: ptr(b)}); err != nil {
		t.Fatal(err)
	}
	enc, _ = s.GetBucketEncryption(ctx, &s3v1.GetBucketEncryptionRequest{Bucket: ptr(b)})
	if enc.GetServerSideEncryptionConfiguration().GetRules()[0].GetApplyServerSideEncryptionByDefault().GetSseAlgorithm() != "AES256" {
		t.Fatalf("DeleteBucketEncryption left %v", enc)
	}

	_, err = s.GetBucketTagging(ctx, &s3v1.GetBucketTaggingRequest{Bucket: ptr(b)})
	requireCode(t, err, "NoSuchTagSet", 404)
	tags := &s3v1.Tagging{TagSet: []*s3v1.Tag{{Key: ptr("team"), Value: ptr("build")}}}
	if _, err := s.PutBucketTagging(ctx, &s3v1.PutBucketTaggingRequest{Bucket: ptr(b), Tagging: tags}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetBucketTagging(ctx, &s3v1.GetBucketTaggingRequest{Bucket: ptr(b)})
	if err != nil || len(got.GetTagSet()) != 1 || got.GetTagSet()[0].GetValue() != "build" {
		t.Fatalf("GetBucketTagging = %v, %v", got, err)
	}
	dup := &s3v1.Tagging{TagSet: []*s3v1.Tag{{Key: ptr("a"), Value: ptr("1")}, {Key: ptr("a"), Value: ptr("2")}}}
	_, err = s.PutBucketTagging(ctx, &s3v1.PutBucketTaggingRequest{Bucket: ptr(b), Tagging: dup})
	requireCode(t, err, "InvalidTag", 400)
}
