package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestIAMUserKeyCacheRevokes: access keys are cached in memory after their
// first use; every IAM write that touches a key or its user must still take
// effect on the very next request. Each key here is used (and so cached)
// before the change that must revoke or alter it.
func TestIAMUserKeyCacheRevokes(t *testing.T) {
	emu, c := startIAM(t)
	ctx := testContext(t)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("cached")}); err != nil {
		t.Fatal(err)
	}
	newKey := func(user string) (string, *sts.Client) {
		t.Helper()
		out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(out.AccessKey.AccessKeyId)
		return id, stsClient(t, withKey(emu.AWSConfig(accountA), id, aws.ToString(out.AccessKey.SecretAccessKey)))
	}
	whoAmI := func(sc *sts.Client) (string, error) {
		t.Helper()
		out, err := sc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Arn), nil
	}
	refused := func(sc *sts.Client, when string) {
		t.Helper()
		_, err := sc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil {
			t.Fatalf("%s: the key still works", when)
		}
		requireIAMError(t, err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
	}
	idA, a := newKey("cached")
	idB, b := newKey("cached")
	for i := 0; i < 3; i++ { // used, so cached
		for _, sc := range []*sts.Client{a, b} {
			if arn, err := whoAmI(sc); err != nil || arn != "arn:aws:iam::"+accountA+":user/cached" {
				t.Fatalf("GetCallerIdentity = %q, %v", arn, err)
			}
		}
	}

	// Deactivated: refused on the next call; active again: accepted.
	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("cached"), AccessKeyId: aws.String(idA), Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	refused(a, "deactivated")
	if _, err := whoAmI(b); err != nil {
		t.Fatalf("the user's other key: %v", err)
	}
	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("cached"), AccessKeyId: aws.String(idA), Status: types.StatusTypeActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := whoAmI(a); err != nil {
		t.Fatalf("reactivated: %v", err)
	}

	// Renamed user (path too): the cached keys sign as the new name at once.
	if _, err := c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("cached"), NewUserName: aws.String("renamed"), NewPath: aws.String("/moved/")}); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []*sts.Client{a, b} {
		if arn, err := whoAmI(sc); err != nil || arn != "arn:aws:iam::"+accountA+":user/moved/renamed" {
			t.Fatalf("after the rename: %q, %v", arn, err)
		}
	}

	// Deleted key: refused at once; the other key keeps working.
	if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("renamed"), AccessKeyId: aws.String(idA)}); err != nil {
		t.Fatal(err)
	}
	refused(a, "deleted key")
	if _, err := whoAmI(b); err != nil {
		t.Fatalf("the user's other key: %v", err)
	}

	// A rotated secret: a new key for the user works at once, the old one
	// (deleted) does not.
	idC, cc := newKey("renamed")
	if _, err := whoAmI(cc); err != nil {
		t.Fatalf("new key: %v", err)
	}
	if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("renamed"), AccessKeyId: aws.String(idB)}); err != nil {
		t.Fatal(err)
	}
	refused(b, "rotated out")

	// Deleted user (its last key deleted first, as IAM requires): refused.
	if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("renamed"), AccessKeyId: aws.String(idC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("renamed")}); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []*sts.Client{a, b, cc} {
		refused(sc, "deleted user")
	}
}
