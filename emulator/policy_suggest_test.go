package emulator_test

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
	adminv1 "github.com/ibemu/ibemu/proto/admin/v1"
)

// suiteWorkload is what a test suite does as the user "suite": reads and
// writes in Image Builder and S3. It returns the error of each call.
func suiteWorkload(ctx context.Context, emu *emulator.Emulator, cfg aws.Config, comp string) map[string]error {
	ib := imagebuilder.NewFromConfig(cfg, func(o *imagebuilder.Options) { o.RetryMaxAttempts = 1 })
	s3c := emulatortest.S3Client(emu, cfg, true)
	errs := map[string]error{}
	_, errs["GetComponent"] = ib.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(comp)})
	_, errs["ListComponents"] = ib.ListComponents(ctx, &imagebuilder.ListComponentsInput{})
	_, errs["TagResource"] = ib.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(comp), Tags: map[string]string{"run": "suite"}})
	_, errs["PutObject"] = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("suite-data"), Key: aws.String("results/out.txt"), Body: strings.NewReader("ok")})
	out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("suite-data"), Key: aws.String("input/in.txt")})
	if err == nil {
		_, _ = io.Copy(io.Discard, out.Body)
		_ = out.Body.Close()
	}
	errs["GetObject"] = err
	return errs
}

// The proof: a workload run in soft mode by a user with no
// permissions teaches the policy it needs; attached, it lets the same
// workload run with enforcement on, and other actions and resources stay
// denied. Then PolicyImpact reports what a tighter, a looser and an
// unchanged policy would change.
func TestPolicySuggestLearnsWhatTheWorkloadNeeds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	soft := emulatortest.Start(t, func(c *emulator.Config) { c.DataPath, c.Enforce = path, "soft" })
	ctx := testContext(t)
	root := soft.AWSConfig(accountA)
	rootIAM := iamClient(t, root)
	comp := mustCreate(t, client(t, soft, accountA), createInput("suite-comp", "1.0.0"))
	other := mustCreate(t, client(t, soft, accountA), createInput("other-comp", "1.0.0"))
	putS3Object(t, soft, accountA, "suite-data", "input/in.txt", "in")
	putS3Object(t, soft, accountA, "other-data", "input/in.txt", "in")
	if _, err := rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("suite")}); err != nil {
		t.Fatal(err)
	}
	key, err := rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("suite")})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	for call, err := range suiteWorkload(ctx, soft, soft.AWSConfigWithCredentials(id, secret, ""), comp) {
		if err != nil {
			t.Fatalf("%s in soft mode: %v", call, err)
		}
	}
	suiteARN := "arn:aws:iam::" + accountA + ":user/suite"
	sug, err := rootAdminClient(t, soft).SuggestPolicy(ctx, &adminv1.SuggestPolicyRequest{Principal: suiteARN})
	if err != nil {
		t.Fatal(err)
	}
	if len(sug.GetPolicies()) != 1 || sug.GetActions() != 5 {
		t.Fatalf("suggestion: %d actions, notes %q\n%s", sug.GetActions(), sug.GetNotes(), strings.Join(sug.GetPolicies(), "\n"))
	}
	doc := sug.GetPolicies()[0]
	for _, want := range []string{comp, "arn:aws:s3:::suite-data/results/out.txt", "arn:aws:s3:::suite-data/input/in.txt", "imagebuilder:ListComponents"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the suggestion does not name %s:\n%s", want, doc)
		}
	}
	// Attached by the SDK: IAM's own validation accepts it.
	if _, err := rootIAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("suite"), PolicyName: aws.String("suggested"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatalf("PutUserPolicy of the suggestion: %v\n%s", err, doc)
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := soft.Close(closeCtx); err != nil {
		t.Fatal(err)
	}

	on := emulatortest.Start(t, func(c *emulator.Config) { c.DataPath = path })
	suite := on.AWSConfigWithCredentials(id, secret, "")
	for call, err := range suiteWorkload(ctx, on, suite, comp) {
		if err != nil {
			t.Errorf("%s with the suggested policy, enforcing: %v", call, err)
		}
	}
	ib := imagebuilder.NewFromConfig(suite, func(o *imagebuilder.Options) { o.RetryMaxAttempts = 1 })
	s3c := emulatortest.S3Client(on, suite, true)
	_, err = ib.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(other)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = ib.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(comp)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("other-data"), Key: aws.String("input/in.txt")})
	requireAPIError(t, err, "AccessDenied", 403)
	_, err = s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("suite-data"), Key: aws.String("input/in.txt")})
	requireAPIError(t, err, "AccessDenied", 403)
	_, err = s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("suite-data"), Key: aws.String("results/out.txt")})
	requireAPIError(t, err, "AccessDenied", 403)

	admin := rootAdminClient(t, on)
	since := time.Now().Add(-time.Minute).UnixNano()
	impact := func(t *testing.T, req *adminv1.PolicyImpactRequest) *adminv1.PolicyImpactResponse {
		t.Helper()
		req.Principal, req.SinceUnixNano = suiteARN, since
		resp, err := admin.PolicyImpact(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetEvaluated() == 0 {
			t.Fatalf("nothing re-evaluated: %v", resp)
		}
		return resp
	}
	t.Run("unchanged", func(t *testing.T) {
		if resp := impact(t, &adminv1.PolicyImpactRequest{Policy: doc, PolicyName: "suggested"}); len(resp.GetChanges()) != 0 {
			t.Errorf("the same policy changes %v", resp.GetChanges())
		}
	})
	t.Run("tightened", func(t *testing.T) {
		tight := strings.Replace(doc, `"imagebuilder:TagResource"`, `"imagebuilder:UntagResource"`, 1)
		if tight == doc {
			t.Skipf("TagResource not in its own statement:\n%s", doc)
		}
		resp := impact(t, &adminv1.PolicyImpactRequest{Policy: tight, PolicyName: "suggested"})
		var lost []string
		for _, c := range resp.GetChanges() {
			if c.GetBefore() != "allowed" || c.GetAfter() != "implicitDeny" || c.GetRequestId() == "" {
				t.Errorf("change %v", c)
			}
			lost = append(lost, c.GetAction())
		}
		// Both runs' TagResource: the soft run's was allowed by the policy
		// in force now too.
		if strings.Join(lost, ",") != "imagebuilder:TagResource,imagebuilder:TagResource" {
			t.Errorf("tightening loses %v, want the TagResource of both runs", lost)
		}
	})
	t.Run("loosened", func(t *testing.T) {
		loose := `{"Version":"2012-10-17","Statement":[{"Sid":"ReadAll","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*/*"}]}`
		resp := impact(t, &adminv1.PolicyImpactRequest{Policy: loose})
		var gained []string
		for _, c := range resp.GetChanges() {
			if c.GetBefore() != "implicitDeny" || c.GetAfter() != "allowed" || !strings.Contains(c.GetStatement(), "ReadAll") || !strings.Contains(c.GetPolicy(), "changed policy") {
				t.Errorf("change %v", c)
			}
			gained = append(gained, c.GetResource())
		}
		if strings.Join(gained, ",") != "arn:aws:s3:::other-data/input/in.txt,arn:aws:s3:::suite-data/results/out.txt" {
			t.Errorf("loosening gains %v", gained)
		}
	})
}
