package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// TestS3CrossAccountRoleNeedsBothPolicies: a bucket policy of account A
// grants a role of account B s3:GetObject. The role's sessions are denied
// while the role's own policy does not allow the read, and allowed once it
// does — cross-account access needs both sides (S3 User Guide, "How Amazon
// S3 authorizes a request for an object operation").
// Through gRPC and the s3 SDK client (virtual-hosted style); a denial's
// request id finds its decision trace.
func TestS3CrossAccountRoleNeedsBothPolicies(t *testing.T) {
	t.Parallel()
	for _, tr := range s3Transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			testS3CrossAccountRole(t, tr.client)
		})
	}
}

func testS3CrossAccountRole(t *testing.T, s3For s3ClientFunc) {
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	owner := s3For(t, emu, emu.AWSConfig(accountA))
	bucket := uniqueBucket("xacct")
	if err := owner.CreateBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.PutObject(ctx, bucket, "components/doc.yml", []byte("name: doc"), nil); err != nil {
		t.Fatal(err)
	}

	iamB := iamClient(t, emu.AWSConfig(accountB))
	roleARN := mustRole(t, iamB, "reader", trustPolicy([]string{accountB}, "sts:AssumeRole"), "", 0)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/components/*"}]}`
	if err := owner.PutBucketPolicy(ctx, bucket, policy); err != nil {
		t.Fatal(err)
	}
	// Roles are assumed by IAM principals, not root users: an admin of B.
	if _, err := iamB.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("admin")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamB.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("all"), PolicyDocument: aws.String(allowAll)}); err != nil {
		t.Fatal(err)
	}
	key, err := iamB.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	adminB := emu.AWSConfigWithCredentials(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	assumed := mustAssume(t, stsClient(t, adminB), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("build")})
	reader := s3For(t, emu, session(emu, assumed.Credentials))

	_, _, _, err = reader.GetObject(ctx, bucket, "components/doc.yml", "")
	requireS3Code(t, err, "AccessDenied")
	if _, sdk := reader.(*sdkS3); sdk {
		// The SDK reports the request id (x-amz-request-id): the trace
		// names the role session, the action, the object and the outcome.
		id := s3RequestID(err)
		trace := emu.Explain(id)
		for _, want := range []string{"assumed-role/reader/build", "s3:GetObject", "arn:aws:s3:::" + bucket + "/components/doc.yml", "Deny"} {
			if id == "" || !strings.Contains(trace, want) {
				t.Errorf("Explain(%q) lacks %q:\n%s", id, want, trace)
			}
		}
	}

	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	if _, err := iamB.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"), PolicyDocument: aws.String(allow)}); err != nil {
		t.Fatal(err)
	}
	got, _, _, err := reader.GetObject(ctx, bucket, "components/doc.yml", "")
	if err != nil || string(got) != "name: doc" {
		t.Fatalf("GetObject with both policies: %q, %v", got, err)
	}
	// The bucket policy grants only components/*: the role's own allow of
	// bucket/* does not reach further into another account's bucket.
	if _, err := owner.PutObject(ctx, bucket, "private/x", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = reader.GetObject(ctx, bucket, "private/x", "")
	requireS3Code(t, err, "AccessDenied")
	// Another account's role may not write, whatever its own policies say.
	_, err = reader.PutObject(ctx, bucket, "components/new", []byte("x"), nil)
	requireS3Code(t, err, "AccessDenied")
}

// TestS3SameAccountUserByBucketPolicyAlone: within the bucket owner's
// account, a bucket policy naming an IAM user is enough, without any
// identity-based policy; without it the user is denied.
func TestS3SameAccountUserByBucketPolicyAlone(t *testing.T) {
	t.Parallel()
	for _, tr := range s3Transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			testS3SameAccountUser(t, tr.client)
		})
	}
}

func testS3SameAccountUser(t *testing.T, s3For s3ClientFunc) {
	env := startSTS(t)
	ctx := testContext(t)
	owner := s3For(t, env.emu, env.root)
	bucket := uniqueBucket("same")
	if err := owner.CreateBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.PutObject(ctx, bucket, "doc", []byte("hello"), nil); err != nil {
		t.Fatal(err)
	}
	alice := s3For(t, env.emu, env.user(t, "alice", ""))
	_, _, _, err := alice.GetObject(ctx, bucket, "doc", "")
	requireS3Code(t, err, "AccessDenied")
	_, err = alice.ListBuckets(ctx)
	requireS3Code(t, err, "AccessDenied")

	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountA + `:user/alice"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/*"]}]}`
	if err := owner.PutBucketPolicy(ctx, bucket, policy); err != nil {
		t.Fatal(err)
	}
	got, _, _, err := alice.GetObject(ctx, bucket, "doc", "")
	if err != nil || string(got) != "hello" {
		t.Fatalf("alice's GetObject by the bucket policy: %q, %v", got, err)
	}
	// With s3:ListBucket, a missing key is NoSuchKey, not AccessDenied.
	_, _, _, err = alice.GetObject(ctx, bucket, "missing", "")
	requireS3Code(t, err, "NoSuchKey")
	keys, _, err := alice.ListObjects(ctx, bucket, "", "", 1000)
	if err != nil || len(keys) != 1 {
		t.Fatalf("alice's listing: %v, %v", keys, err)
	}
	requireS3Code(t, alice.DeleteObject(ctx, bucket, "doc"), "AccessDenied")
	// The admin user's identity policy (Allow *) is enough on its own.
	admin := s3For(t, env.emu, env.admin)
	if err := admin.DeleteObject(ctx, bucket, "doc"); err != nil {
		t.Fatal(err)
	}
}
