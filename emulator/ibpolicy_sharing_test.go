package emulator_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// TestComponentPolicyRoundTrip: the policy document reads back exactly as it
// was put, whitespace and key order included, and a second put replaces it.
func TestComponentPolicyRoundTrip(t *testing.T) {
	t.Parallel()
	_, a := startClient(t)
	arn := mustCreate(t, a, createInput("shared", "1.0.0"))

	doc := "{\"Statement\":{\"Resource\":\"" + arn + "\",  \"Action\":\"imagebuilder:GetComponent\",\n\t\"Principal\":{\"AWS\":\"" + accountB + "\"},\"Effect\":\"Allow\"},\"Version\":\"2012-10-17\"}"
	mustPutComponentPolicy(t, a, arn, doc)
	if got := componentPolicy(t, a, arn); got != doc {
		t.Fatalf("GetComponentPolicy =\n%s\nwant\n%s", got, doc)
	}
	replaced := sharePolicy(arn, accountB, "arn:aws:iam::"+accountC+":root")
	mustPutComponentPolicy(t, a, arn, replaced)
	if got := componentPolicy(t, a, arn); got != replaced {
		t.Fatalf("GetComponentPolicy after the second put =\n%s\nwant\n%s", got, replaced)
	}
}

// TestComponentPolicyMissing: a component without a policy, and a component
// that does not exist, answer ResourceNotFoundException.
func TestComponentPolicyMissing(t *testing.T) {
	t.Parallel()
	_, a := startClient(t)
	ctx := testContext(t)
	arn := mustCreate(t, a, createInput("unshared", "1.0.0"))

	_, err := a.GetComponentPolicy(ctx, &imagebuilder.GetComponentPolicyInput{ComponentArn: aws.String(arn)})
	requireTyped[*types.ResourceNotFoundException](t, err)
	requireAPIError(t, err, "ResourceNotFoundException", 404)

	missing := componentARN(accountA, "unshared", "1.0.0", 2)
	_, err = a.GetComponentPolicy(ctx, &imagebuilder.GetComponentPolicyInput{ComponentArn: aws.String(missing)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	_, err = a.PutComponentPolicy(ctx, &imagebuilder.PutComponentPolicyInput{ComponentArn: aws.String(missing), Policy: aws.String(sharePolicy(missing, accountB))})
	apiErr := requireAPIError(t, err, "ResourceNotFoundException", 404)
	requireMessage(t, apiErr, "The component "+missing+" does not exist.")
}

// TestSharedComponentVisibility: a component policy naming account B makes
// the component version appear in B's Shared listing and readable by B from
// A's account, where without it enforcement denies B (AccessDeniedException,
// not ResourceNotFoundException); replacing the policy with one that names
// only C moves it to C; deleting the component removes it everywhere.
func TestSharedComponentVisibility(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b, c := client(t, emu, accountB), client(t, emu, accountC)
	ctx := testContext(t)
	arn := mustCreate(t, a, createInput("Web Server", "1.2.0"))
	version := versionARN(accountA, "web-server", "1.2.0")

	requireSameStrings(t, "B's shared versions before sharing", sharedWith(t, b), nil)
	_, err := b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)

	mustPutComponentPolicy(t, a, arn, sharePolicy(arn, accountB))
	requireSameStrings(t, "B's shared versions", sharedWith(t, b), []string{version})
	requireSameStrings(t, "C's shared versions", sharedWith(t, c), nil)
	requireSameStrings(t, "A's shared versions", sharedWith(t, a), nil)
	requireNoComponents(t, b)

	listed := listAll(t, b, &imagebuilder.ListComponentsInput{Owner: types.OwnershipShared})
	if got := aws.ToString(listed[0].Owner); got != accountA {
		t.Errorf("the shared version's owner = %s, want %s", got, accountA)
	}
	for _, name := range []string{arn, version, versionARN(accountA, "web-server", "1.x.x")} {
		got := mustGet(t, b, name)
		if aws.ToString(got.Component.Arn) != arn || aws.ToString(got.Component.Owner) != accountA {
			t.Errorf("B's GetComponent %s = %s owned by %s, want %s owned by %s", name, aws.ToString(got.Component.Arn), aws.ToString(got.Component.Owner), arn, accountA)
		}
		if got := aws.ToString(got.LatestVersionReferences.LatestVersionArn); got != versionARN(accountA, "web-server", "x.x.x") {
			t.Errorf("latest version reference %s names the wrong account", got)
		}
	}
	requireSameStrings(t, "builds B lists", buildARNs(t, b, version), []string{arn})
	// Sharing grants reading, not deleting or reading the policy: no
	// resource-based policy allows those across accounts.
	_, err = b.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = b.GetComponentPolicy(ctx, &imagebuilder.GetComponentPolicyInput{ComponentArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	_, err = b.PutComponentPolicy(ctx, &imagebuilder.PutComponentPolicyInput{ComponentArn: aws.String(arn), Policy: aws.String(sharePolicy(arn, accountB))})
	requireAPIError(t, err, "AccessDeniedException", 403)
	mustGet(t, a, arn)
	if got := componentPolicy(t, a, arn); got != sharePolicy(arn, accountB) {
		t.Fatalf("B's refused put changed the policy to\n%s", got)
	}

	mustPutComponentPolicy(t, a, arn, sharePolicy(arn, accountC))
	requireSameStrings(t, "B's shared versions after the policy names only C", sharedWith(t, b), nil)
	requireSameStrings(t, "C's shared versions", sharedWith(t, c), []string{version})
	_, err = b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	mustGet(t, c, arn)

	if _, err := a.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteComponent: %v", err)
	}
	requireSameStrings(t, "C's shared versions after the delete", sharedWith(t, c), nil)
	// The deleted build has no policy left to let C learn anything of it.
	_, err = c.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)

	// A new build of the same version takes a new number and is not shared.
	again := mustCreate(t, a, createInput("Web Server", "1.2.0"))
	if again != componentARN(accountA, "web-server", "1.2.0", 2) {
		t.Fatalf("the next build is %s", again)
	}
	requireSameStrings(t, "C's shared versions after a new build", sharedWith(t, c), nil)
	_, err = a.GetComponentPolicy(ctx, &imagebuilder.GetComponentPolicyInput{ComponentArn: aws.String(again)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}

// TestSharedBuilds: a policy belongs to one build version. The consumer sees
// the version through the build shared with it; the version's ARN names its
// latest build, so reading the version or listing its builds takes the
// latest build being shared (until it is, enforcement denies them), and
// lists only the builds shared with it.
func TestSharedBuilds(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	first := mustCreate(t, a, createInput("tools", "2.0.0"))
	second := mustCreate(t, a, createInput("tools", "2.0.0"))
	other := mustCreate(t, a, createInput("tools", "3.0.0"))
	v2 := versionARN(accountA, "tools", "2.0.0")
	mustPutComponentPolicy(t, a, first, sharePolicy(first, accountB))
	mustPutComponentPolicy(t, a, other, sharePolicy(other, accountB, accountC))

	requireSameStrings(t, "B's shared versions", sharedWith(t, b), []string{v2, versionARN(accountA, "tools", "3.0.0")})
	requireSameStrings(t, "B's shared versions by name",
		listARNs(t, b, &imagebuilder.ListComponentsInput{Owner: types.OwnershipShared, ByName: true}),
		[]string{versionARN(accountA, "tools", "3.0.0")})
	mustGet(t, b, first)
	for _, name := range []string{second, v2} {
		_, err := b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(name)})
		requireAPIError(t, err, "AccessDeniedException", 403)
	}
	_, err := b.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{ComponentVersionArn: aws.String(v2)})
	requireAPIError(t, err, "AccessDeniedException", 403)

	// Share the latest build and stop sharing the first.
	mustPutComponentPolicy(t, a, second, sharePolicy(second, accountB))
	mustPutComponentPolicy(t, a, first, sharePolicy(first, accountC))
	if got := mustGet(t, b, v2); aws.ToString(got.Component.Arn) != second {
		t.Errorf("B's GetComponent %s = %s, want %s", v2, aws.ToString(got.Component.Arn), second)
	}
	requireSameStrings(t, "the builds of 2.0.0 B lists", buildARNs(t, b, v2), []string{second})
	requireSameStrings(t, "the builds of 2.0.0 A lists", buildARNs(t, a, v2), []string{first, second})

	// Paging the shared listing one version at a time visits each once.
	var paged []string
	var token *string
	for {
		out, err := b.ListComponents(ctx, &imagebuilder.ListComponentsInput{Owner: types.OwnershipShared, MaxResults: aws.Int32(1), NextToken: token})
		if err != nil {
			t.Fatalf("ListComponents page: %v", err)
		}
		for _, cv := range out.ComponentVersionList {
			paged = append(paged, aws.ToString(cv.Arn))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	requireSameStrings(t, "B's shared versions one page at a time", paged,
		[]string{v2, versionARN(accountA, "tools", "3.0.0")})

	// Deleting the shared build unshares its version; the other stays.
	if _, err := a.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(second)}); err != nil {
		t.Fatalf("DeleteComponent: %v", err)
	}
	requireSameStrings(t, "B's shared versions after the delete", sharedWith(t, b), []string{versionARN(accountA, "tools", "3.0.0")})
}

// TestSharedWithOrganization: organization and OU principals are accepted
// and read back; with no AWS Organizations in the emulator they list the
// component for no account, while the account named beside them sees it.
func TestSharedWithOrganization(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	arn := mustCreate(t, a, createInput("org-wide", "1.0.0"))
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[` +
		`"arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5",` +
		`"arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-cdef3456",` +
		`"arn:aws:iam::` + accountB + `:role/builders"]},` +
		`"Action":["imagebuilder:GetComponent","imagebuilder:ListComponents"],"Resource":"` + arn + `"}]}`
	mustPutComponentPolicy(t, a, arn, doc)
	if got := componentPolicy(t, a, arn); got != doc {
		t.Fatalf("GetComponentPolicy =\n%s\nwant\n%s", got, doc)
	}
	// The policy names B's role, not B's root user: only the role's
	// sessions see the component, as only they may read it.
	requireSameStrings(t, "B's root user's shared versions", sharedWith(t, b), nil)
	envB := &stsEnv{emu: emu, iam: iamClient(t, emu.AWSConfig(accountB))}
	admin := envB.user(t, "admin", allowAll)
	mustRole(t, envB.iam, "builders", trustPolicy([]string{accountB}, "sts:AssumeRole"), allowAll, 0)
	out := mustAssume(t, stsClient(t, admin), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + accountB + ":role/builders"), RoleSessionName: aws.String("ci")})
	builders := ibClient(t, session(emu, out.Credentials))
	requireSameStrings(t, "the role's shared versions", sharedWith(t, builders), []string{versionARN(accountA, "org-wide", "1.0.0")})
	mustGet(t, builders, arn)
	requireSameStrings(t, "B's admin's shared versions", sharedWith(t, ibClient(t, admin)), nil)
}

// TestSharingSurvivesRestart: policies and what they share are in the data
// file: a restarted emulator reads the policy back as put and the consumer
// still lists and reads the component.
func TestSharingSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	onFile := func(cfg *emulator.Config) { cfg.DataPath = path }
	first := emulatortest.Start(t, onFile)
	a := client(t, first, accountA)
	arn := mustCreate(t, a, createInput("durable", "1.0.0"))
	doc := sharePolicy(arn, accountB)
	mustPutComponentPolicy(t, a, arn, doc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := first.Close(ctx); err != nil {
		t.Fatalf("close the first emulator: %v", err)
	}

	second := emulatortest.Start(t, onFile)
	a, b := client(t, second, accountA), client(t, second, accountB)
	if got := componentPolicy(t, a, arn); got != doc {
		t.Fatalf("the policy after a restart =\n%s", got)
	}
	requireSameStrings(t, "B's shared versions after a restart", sharedWith(t, b), []string{versionARN(accountA, "durable", "1.0.0")})
	mustGet(t, b, arn)
}
