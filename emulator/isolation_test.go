package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
)

// TestAccountIsolation: another account neither lists, reads, lists the
// builds of nor deletes the first account's components, even when it names
// them by their exact ARNs: with no component policy, enforcement denies it
// (AccessDeniedException, as AWS answers a cross-account call no
// resource-based policy allows), and it cannot learn whether they exist.
func TestAccountIsolation(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	arn := mustCreate(t, a, createInput("private", "1.0.0"))

	requireNoComponents(t, b)
	for _, selector := range []string{arn, versionARN(accountA, "private", "1.0.0"), versionARN(accountA, "private", "x.x.x")} {
		_, err := b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(selector)})
		requireAPIError(t, err, "AccessDeniedException", 403)
		_, err = b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(strings.Replace(selector, "private", "missing", 1))})
		requireAPIError(t, err, "AccessDeniedException", 403)
	}
	_, err := b.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{ComponentVersionArn: aws.String(versionARN(accountA, "private", "1.0.0"))})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = b.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	mustGet(t, a, arn)

	// B's component of the same name is its own, build 1, in its own ARN.
	arnB := mustCreate(t, b, createInput("private", "1.0.0"))
	if arnB != componentARN(accountB, "private", "1.0.0", 1) {
		t.Errorf("account B created %s", arnB)
	}
	requireSameStrings(t, "A's versions", listARNs(t, a, nil), []string{versionARN(accountA, "private", "1.0.0")})
	requireSameStrings(t, "B's versions", listARNs(t, b, nil), []string{versionARN(accountB, "private", "1.0.0")})

	// The default account (access key "test") is a third, separate account.
	def := client(t, emu, "")
	requireNoComponents(t, def)
	if arn0 := mustCreate(t, def, createInput("private", "1.0.0")); arn0 != componentARN("000000000000", "private", "1.0.0", 1) {
		t.Errorf("the test account created %s", arn0)
	}
}
