package emulator_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// Image Builder answers in its own error vocabulary when S3 or KMS refuse
// what it does for the caller: S3's and KMS's codes are not in Image
// Builder's model, so a client could not map them.

// TestDocumentURIErrorsAreImageBuilders: a uri naming a missing object, for
// a caller allowed s3:GetObject but not s3:ListBucket (S3 answers a plain
// AccessDenied), or a missing bucket, is InvalidParameterValueException
// naming the uri and S3's code, on CreateComponent, ImportComponent and
// CreateWorkflow; a forward-access denial stays AccessDeniedException.
func TestDocumentURIErrorsAreImageBuilders(t *testing.T) {
	t.Parallel()
	e := startSTS(t)
	ctx := testContext(t)
	bucket := uniqueBucket("deperr")
	noBucket := uniqueBucket("nobucket")
	putS3Object(t, e.emu, accountA, bucket, "present.yaml", linuxDoc("present"))
	ib := ibClient(t, e.user(t, "builder", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:*","Resource":"*"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::`+bucket+`/*","arn:aws:s3:::`+noBucket+`/*"]}]}`))

	for _, c := range []struct{ uri, s3Code string }{
		{"s3://" + bucket + "/missing.yaml", "AccessDenied"},
		{"s3://" + noBucket + "/doc.yaml", "NoSuchBucket"},
	} {
		calls := map[string]func() error{
			"CreateComponent": func() error {
				_, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
					Name: aws.String("from-uri"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux, Uri: aws.String(c.uri)})
				return err
			},
			"ImportComponent": func() error {
				in := importInput("imported", "1.0.0", types.PlatformLinux, types.ComponentTypeBuild, "")
				in.Data, in.Uri = nil, aws.String(c.uri)
				_, err := ib.ImportComponent(ctx, in)
				return err
			},
			"CreateWorkflow": func() error {
				_, err := ib.CreateWorkflow(ctx, &imagebuilder.CreateWorkflowInput{
					Name: aws.String("workflow"), SemanticVersion: aws.String("1.0.0"), Type: types.WorkflowTypeBuild, Uri: aws.String(c.uri), ClientToken: aws.String("t")})
				return err
			},
		}
		for op, call := range calls {
			apiErr := requireAPIError(t, call(), "InvalidParameterValueException", 400)
			for _, want := range []string{c.uri, c.s3Code} {
				if !strings.Contains(apiErr.ErrorMessage(), want) {
					t.Errorf("%s with %s: message %q does not name %s", op, c.uri, apiErr.ErrorMessage(), want)
				}
			}
		}
	}

	// A forward-access denial is Image Builder's AccessDeniedException.
	other := uniqueBucket("denied")
	putS3Object(t, e.emu, accountA, other, "doc.yaml", linuxDoc("denied"))
	_, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("denied"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux, Uri: aws.String("s3://" + other + "/doc.yaml")})
	if apiErr := requireAPIError(t, err, "AccessDeniedException", 403); !strings.Contains(apiErr.ErrorMessage(), "s3:GetObject") {
		t.Errorf("denial %q does not name s3:GetObject", apiErr.ErrorMessage())
	}
}

// TestComponentKeyUnusableIsClientException: reading a component whose KMS
// key is disabled or pending deletion is ClientException (GetComponent's
// modeled error), naming KMS's code and the key.
func TestComponentKeyUnusableIsClientException(t *testing.T) {
	t.Parallel()
	e := startSTS(t)
	ctx := testContext(t)
	k := kmsClient(t, e.root)
	key := mustKey(t, k, "")
	ib := client(t, e.emu, accountA)
	out, err := ib.CreateComponent(ctx, &imagebuilder.CreateComponentInput{
		Name: aws.String("secret"), SemanticVersion: aws.String("1.0.0"), Platform: types.PlatformLinux,
		Data: aws.String(linuxDoc("secret")), KmsKeyId: key.Arn})
	if err != nil {
		t.Fatal(err)
	}
	get := func() error {
		_, err := ib.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: out.ComponentBuildVersionArn})
		return err
	}
	expect := func(kmsCode string) {
		t.Helper()
		err := get()
		var ce *types.ClientException
		if !errors.As(err, &ce) {
			t.Fatalf("GetComponent = %T %v, want the modeled ClientException", err, err)
		}
		requireAPIError(t, err, "ClientException", 400)
		for _, want := range []string{kmsCode, aws.ToString(key.Arn)} {
			if !strings.Contains(ce.ErrorMessage(), want) {
				t.Errorf("message %q does not name %s", ce.ErrorMessage(), want)
			}
		}
	}
	if _, err := k.DisableKey(ctx, &kms.DisableKeyInput{KeyId: key.KeyId}); err != nil {
		t.Fatal(err)
	}
	expect("DisabledException")
	if _, err := k.EnableKey(ctx, &kms.EnableKeyInput{KeyId: key.KeyId}); err != nil {
		t.Fatal(err)
	}
	if err := get(); err != nil {
		t.Fatalf("GetComponent with the key enabled again: %v", err)
	}
	if _, err := k.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: key.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	expect("KMSInvalidStateException")
}
