package emulator_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// s3ErrorMessage is the message of an SDK error ("" for others).
func s3ErrorMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorMessage()
	}
	return ""
}

// s3ErrorResponse is the HTTP response of an SDK error, or nil.
func s3ErrorResponse(err error) *http.Response {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Response
	}
	return nil
}

// TestS3RootKeepsBucketPolicyAccess reproduces the lockout a new user hit:
// a bucket policy denying every s3 action unless the request came over TLS
// (the emulator speaks plain HTTP, so aws:SecureTransport is always false)
// stops everyone — but the bucket owner's root user may still read and
// delete the policy, as S3 allows (User Guide, "Bucket policies"), and then
// remove the bucket. An IAM user of the same account with every permission
// stays denied.
func TestS3RootKeepsBucketPolicyAccess(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	root := emulatortest.S3Client(emu, emu.AWSConfig(accountA), false)
	bucket := uniqueBucket("lockout")
	mustBucket(t, emu, accountA, bucket)
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",` +
		`"Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	_, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("x")})
	requireS3Code(t, err, "AccessDenied")

	admin := emulatortest.S3Client(emu, sseUser(t, emu, accountA, "admin", allowAll), true)
	_, err = admin.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	requireS3Code(t, err, "AccessDenied")
	_, err = admin.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)})
	requireS3Code(t, err, "AccessDenied")

	got, err := root.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if err != nil || aws.ToString(got.Policy) != deny {
		t.Fatalf("root GetBucketPolicy = %v, %v", got, err)
	}
	if _, err := root.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("root DeleteBucketPolicy: %v", err)
	}
	if _, err := root.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("root DeleteBucket after removing the policy: %v", err)
	}
}

// TestS3MissingBucketIsNoSuchBucket: a bucket that does not exist is
// NoSuchBucket to any signed caller, whatever its permissions (HeadBucket:
// 404 without a body); a missing key stays AccessDenied ("Access Denied")
// to a caller who may not list the bucket, and the request's trace shows
// the s3:ListBucket check that decided it.
func TestS3MissingBucketIsNoSuchBucket(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	nobody := emulatortest.S3Client(emu, sseUser(t, emu, accountA, "nobody", allowActions("sts:GetCallerIdentity")), false)
	other := emulatortest.S3Client(emu, emu.AWSConfig(accountB), true)
	missing := uniqueBucket("never-created")
	for name, c := range map[string]*s3.Client{"user without permissions": nobody, "other account's root": other} {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(missing), Key: aws.String("k")})
		requireS3Code(t, err, "NoSuchBucket")
		_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(missing)})
		requireS3Code(t, err, "NoSuchBucket")
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(missing), Key: aws.String("k"), Body: strings.NewReader("x")})
		requireS3Code(t, err, "NoSuchBucket")
		_, err = c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(missing)})
		requireS3Code(t, err, "NoSuchBucket")
		_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(missing)})
		var nf *s3types.NotFound
		if !errors.As(err, &nf) {
			t.Errorf("%s: HeadBucket of a missing bucket = %v, want NotFound", name, err)
		}
	}

	bucket := uniqueBucket("hidden-keys")
	putS3Object(t, emu, accountA, bucket, "present", "x")
	reader := emulatortest.S3Client(emu, sseUser(t, emu, accountA, "reader", allowActions("s3:GetObject")), false)
	_, err := reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("absent")})
	requireS3Code(t, err, "AccessDenied")
	if msg := s3ErrorMessage(err); msg != "Access Denied" {
		t.Errorf("missing key message = %q, want S3's \"Access Denied\"", msg)
	}
	id := s3RequestID(err)
	trace := emu.Explain(id)
	for _, want := range []string{"s3:ListBucket", "(reveal)", "arn:aws:s3:::" + bucket} {
		if !strings.Contains(trace, want) {
			t.Errorf("Explain(%q) lacks %q:\n%s", id, want, trace)
		}
	}
	lister := emulatortest.S3Client(emu, sseUser(t, emu, accountA, "lister", allowActions("s3:GetObject", "s3:ListBucket")), false)
	_, err = lister.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("absent")})
	requireS3Code(t, err, "NoSuchKey")
}

// TestS3WrongRegion: a bucket in eu-west-1 addressed with a signature for
// us-east-1 answers as S3 does — AuthorizationHeaderMalformed with the
// bucket's region (AuthorizationQueryParametersError for a presigned URL),
// GetBucketLocation from anywhere, HeadBucket 301 with x-amz-bucket-region
// — and CreateBucket's Location is the bucket's URL outside us-east-1.
func TestS3WrongRegion(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	euCfg := emu.AWSConfig(accountA)
	euCfg.Region = "eu-west-1"
	eu := emulatortest.S3Client(emu, euCfg, true)
	us := emulatortest.S3Client(emu, emu.AWSConfig(accountA), true)
	bucket := uniqueBucket("eu-bucket")
	out, err := eu.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(out.Location), "http://"+bucket+".s3.amazonaws.com/"; got != want {
		t.Errorf("CreateBucket Location = %q, want %q", got, want)
	}
	usBucket := uniqueBucket("us-bucket")
	if out, err := us.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(usBucket)}); err != nil || aws.ToString(out.Location) != "/"+usBucket {
		t.Errorf("us-east-1 CreateBucket Location = %v, %v; want /%s", out, err, usBucket)
	}

	_, err = us.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("x")})
	requireS3Code(t, err, "AuthorizationHeaderMalformed")
	if got, want := s3ErrorMessage(err), "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if resp := s3ErrorResponse(err); resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status of %v, want 400", err)
	}

	loc, err := us.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	if err != nil || loc.LocationConstraint != s3types.BucketLocationConstraintEuWest1 {
		t.Errorf("GetBucketLocation from us-east-1 = %v, %v", loc, err)
	}

	// HeadBucket: 301 without a body; the SDK reports it as the status
	// text's code, and the region is in the x-amz-bucket-region header.
	_, err = us.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	resp := s3ErrorResponse(err)
	if s3ErrorCode(err) != "MovedPermanently" || resp == nil || resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("X-Amz-Bucket-Region") != "eu-west-1" {
		t.Errorf("HeadBucket from us-east-1 = %v (response %+v), want 301 with x-amz-bucket-region: eu-west-1", err, resp)
	}
	if out, err := eu.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil || aws.ToString(out.BucketRegion) != "eu-west-1" {
		t.Errorf("HeadBucket from eu-west-1 = %v, %v", out, err)
	}

	// A presigned URL signed for the wrong region.
	putS3ObjectIn(t, eu, bucket, "obj", "data")
	req, err := s3.NewPresignClient(us).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	status, body := fetch(t, emu, req.URL, nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "<Code>AuthorizationQueryParametersError</Code>") || !strings.Contains(body, "<Region>eu-west-1</Region>") {
		t.Errorf("presigned GET signed for us-east-1 = %d %s", status, body)
	}
	// Presigned for the bucket's region, the same URL works.
	req, err = s3.NewPresignClient(eu).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	if status, body := fetch(t, emu, req.URL, nil); status != http.StatusOK || body != "data" {
		t.Errorf("presigned GET signed for eu-west-1 = %d %q", status, body)
	}
}

func putS3ObjectIn(t *testing.T, c *s3.Client, bucket, key, body string) {
	t.Helper()
	if _, err := c.PutObject(testContext(t), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

// fetch GETs url from the emulator with extra headers and returns the
// status and body.
func fetch(t *testing.T, emu *emulator.Emulator, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := emu.AWSConfig(accountA).HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestS3BlockPublicAccess: new buckets block public access (all four
// settings); a public bucket policy is refused while BlockPublicPolicy is
// on, with S3's message; a policy pinned to a fixed aws:SourceAccount is
// not public; once the configuration is deleted the public policy is
// accepted and GetBucketPolicyStatus reports it.
func TestS3BlockPublicAccess(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	c := emulatortest.S3Client(emu, emu.AWSConfig(accountA), false)
	bucket := uniqueBucket("bpa")
	mustBucket(t, emu, accountA, bucket)

	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if p := pab.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicAcls) || !aws.ToBool(p.IgnorePublicAcls) || !aws.ToBool(p.BlockPublicPolicy) || !aws.ToBool(p.RestrictPublicBuckets) {
		t.Errorf("new bucket's public access block = %+v, want all true", p)
	}

	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(public)})
	requireS3Code(t, err, "AccessDenied")
	want := `User: arn:aws:iam::` + accountA + `:root is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::` + bucket + `" because public policies are blocked by the BlockPublicPolicy block public access setting.`
	if got := s3ErrorMessage(err); got != want {
		t.Errorf("message = %q\nwant      %q", got, want)
	}

	pinned := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*",` +
		`"Condition":{"StringEquals":{"aws:SourceAccount":"` + accountB + `"}}}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(pinned)}); err != nil {
		t.Fatalf("policy pinned to aws:SourceAccount: %v", err)
	}
	st, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String(bucket)})
	if err != nil || aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Errorf("pinned policy status = %v, %v; want not public", st, err)
	}

	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	requireS3Code(t, err, "NoSuchPublicAccessBlockConfiguration")
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(public)}); err != nil {
		t.Fatalf("public policy without Block Public Access: %v", err)
	}
	st, err = c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String(bucket)})
	if err != nil || !aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Errorf("public policy status = %v, %v; want public", st, err)
	}

	// Putting the configuration back does not remove the policy, and a
	// setting left out is off.
	_, err = c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	pab, err = c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) || aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Errorf("after PutPublicAccessBlock = %+v, %v", pab, err)
	}
}

// TestS3BucketPolicyPrincipals: a bucket policy naming an IAM user or role
// that does not exist is MalformedPolicy "Invalid principal in policy";
// existing users, any account's root or id, and service principals pass.
func TestS3BucketPolicyPrincipals(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	c := emulatortest.S3Client(emu, emu.AWSConfig(accountA), true)
	bucket := uniqueBucket("principals")
	mustBucket(t, emu, accountA, bucket)
	if _, err := iamClient(t, emu.AWSConfig(accountB)).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	doc := func(principal string) *string {
		return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal +
			`,"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`)
	}
	_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: doc(`{"AWS":"arn:aws:iam::` + accountB + `:user/nobody"}`)})
	requireS3Code(t, err, "MalformedPolicy")
	if msg := s3ErrorMessage(err); msg != "Invalid principal in policy" {
		t.Errorf("message = %q", msg)
	}
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: doc(`{"AWS":["arn:aws:iam::` + accountA + `:root","arn:aws:iam::` + accountA + `:role/missing"]}`)})
	requireS3Code(t, err, "MalformedPolicy")
	for _, p := range []string{
		`{"AWS":"arn:aws:iam::` + accountB + `:user/reader"}`,
		`{"AWS":"arn:aws:iam::999988887777:root"}`,
		`{"AWS":"999988887777"}`,
		`{"Service":"imagebuilder.amazonaws.com"}`,
	} {
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: doc(p)}); err != nil {
			t.Errorf("principal %s: %v", p, err)
		}
	}
}

// TestS3SignatureV2Refused: requests signed with Signature Version 2 — an
// "AWS AKID:signature" header or a V2 presigned URL (old boto3) — are not
// taken for anonymous ones: InvalidRequest (400) asking for SigV4.
func TestS3SignatureV2Refused(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	bucket := uniqueBucket("sigv2")
	putS3Object(t, emu, accountA, bucket, "k", "x")
	base := emu.HTTPURL() + "/" + bucket + "/k"
	for name, tc := range map[string]struct {
		url    string
		header map[string]string
	}{
		"header":    {base, map[string]string{"Authorization": "AWS " + emulator.RootAccessKeyID(accountA) + ":bm90IGEgcmVhbCBzaWduYXR1cmU="}},
		"presigned": {base + "?AWSAccessKeyId=" + emulator.RootAccessKeyID(accountA) + "&Signature=bm90IHJlYWw%3D&Expires=4102444800", nil},
	} {
		status, body := fetch(t, emu, tc.url, tc.header)
		if status != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidRequest</Code>") ||
			!strings.Contains(body, "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.") {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
}

// TestS3MultipartLimitAtUploadPart: an upload whose parts exceed the object
// size limit fails at the UploadPart that crosses it (EntityTooLarge).
func TestS3MultipartLimitAtUploadPart(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t, func(c *emulator.Config) { c.MaxObjectSize = 6 << 20 })
	ctx := testContext(t)
	c := emulatortest.S3Client(emu, emu.AWSConfig(accountA), true)
	bucket := uniqueBucket("mpu-limit")
	mustBucket(t, emu, accountA, bucket)
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	part := func(n int32, size int) error {
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("big"), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(make([]byte, size))})
		return err
	}
	if err := part(1, 5<<20); err != nil {
		t.Fatal(err)
	}
	requireS3Code(t, part(2, 2<<20), "EntityTooLarge")
	// Replacing part 1 by a smaller one makes room again.
	if err := part(1, 1<<20); err != nil {
		t.Fatal(err)
	}
	if err := part(2, 2<<20); err != nil {
		t.Fatalf("part 2 after shrinking part 1: %v", err)
	}
}

// TestS3SSEKMSETagAndRequestIDs: an SSE-KMS object's ETag is not the MD5
// of its data (an SSE-S3 object's is), and S3 request ids have S3's form
// (16 upper-case hex digits) while still finding their decisions.
func TestS3SSEKMSETagAndRequestIDs(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	c := emulatortest.S3Client(emu, emu.AWSConfig(accountA), false)
	bucket := uniqueBucket("etags")
	mustBucket(t, emu, accountA, bucket)
	body := "component document"
	sum := md5.Sum([]byte(body))
	plainMD5 := `"` + hex.EncodeToString(sum[:]) + `"`

	kmsOut, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("kms"), Body: strings.NewReader(body), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
	if err != nil {
		t.Fatal(err)
	}
	if etag := aws.ToString(kmsOut.ETag); etag == plainMD5 || !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
		t.Errorf("SSE-KMS ETag = %s; want 32 hex digits other than the MD5 %s", etag, plainMD5)
	}
	s3Out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("s3"), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(s3Out.ETag) != plainMD5 {
		t.Errorf("SSE-S3 ETag = %s, want %s", aws.ToString(s3Out.ETag), plainMD5)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("kms")})
	if err != nil || aws.ToString(head.ETag) != aws.ToString(kmsOut.ETag) {
		t.Errorf("HeadObject ETag = %v, %v; want %s", head, err, aws.ToString(kmsOut.ETag))
	}

	id, _ := awsmiddleware.GetRequestIDMetadata(s3Out.ResultMetadata)
	if !regexp.MustCompile(`^[0-9A-F]{16}$`).MatchString(id) {
		t.Errorf("x-amz-request-id = %q, want 16 upper-case hex digits", id)
	}
	if trace := emu.Explain(id); !strings.Contains(trace, "s3:PutObject") {
		t.Errorf("Explain(%q) = %q", id, trace)
	}
}
