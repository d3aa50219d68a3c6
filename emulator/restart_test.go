package emulator_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// TestRestartKeepsEverything: an emulator started on the data file of a
// closed one finds every component, build, client token and account, and
// continues the build numbering.
func TestRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	onFile := func(cfg *emulator.Config) { cfg.DataPath = path }

	first := emulatortest.Start(t, onFile)
	a, b := client(t, first, accountA), client(t, first, accountB)
	withToken := createInput("kept", "1.0.0")
	withToken.ClientToken = aws.String("before-restart")
	withToken.Tags = map[string]string{"phase": "one"}
	kept1 := mustCreate(t, a, withToken)
	kept2 := mustCreate(t, a, createInput("kept", "1.0.0"))
	mustCreate(t, a, createInput("kept", "1.1.0"))
	doomed := mustCreate(t, a, createInput("doomed", "1.0.0"))
	if _, err := a.DeleteComponent(testContext(t), &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(doomed)}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, a, createInput("renumbered", "1.0.0"))
	renumbered2 := mustCreate(t, a, createInput("renumbered", "1.0.0"))
	if _, err := a.DeleteComponent(testContext(t), &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(renumbered2)}); err != nil {
		t.Fatal(err)
	}
	imported, err := a.ImportComponent(testContext(t), importInput("imported", "2.0.0", "Windows", "TEST", "Write-Host ok"))
	if err != nil {
		t.Fatal(err)
	}
	otherAccount := mustCreate(t, b, createInput("theirs", "3.0.0"))

	beforeList := listAll(t, a, nil)
	beforeGet := mustGet(t, a, kept1).Component
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := first.Close(ctx); err != nil {
		t.Fatalf("close the first emulator: %v", err)
	}

	second := emulatortest.Start(t, onFile)
	if second.DataPath() != path {
		t.Fatalf("second emulator uses %s", second.DataPath())
	}
	a, b = client(t, second, accountA), client(t, second, accountB)

	afterList := listAll(t, a, nil)
	if len(afterList) != len(beforeList) {
		t.Fatalf("listed %d versions after the restart, %d before", len(afterList), len(beforeList))
	}
	for i := range beforeList {
		if aws.ToString(afterList[i].Arn) != aws.ToString(beforeList[i].Arn) || aws.ToString(afterList[i].DateCreated) != aws.ToString(beforeList[i].DateCreated) {
			t.Errorf("version %d: %s (%s) after, %s (%s) before", i,
				aws.ToString(afterList[i].Arn), aws.ToString(afterList[i].DateCreated),
				aws.ToString(beforeList[i].Arn), aws.ToString(beforeList[i].DateCreated))
		}
	}
	requireSameStrings(t, "versions after the restart", listARNs(t, a, nil), []string{
		versionARN(accountA, "imported", "2.0.0"),
		versionARN(accountA, "kept", "1.0.0"),
		versionARN(accountA, "kept", "1.1.0"),
		versionARN(accountA, "renumbered", "1.0.0"),
	})

	afterGet := mustGet(t, a, kept1).Component
	if aws.ToString(afterGet.Data) != aws.ToString(beforeGet.Data) || afterGet.Tags["phase"] != "one" ||
		aws.ToString(afterGet.DateCreated) != aws.ToString(beforeGet.DateCreated) || len(afterGet.Parameters) != len(beforeGet.Parameters) {
		t.Errorf("build 1 after the restart = %+v\nbefore = %+v", afterGet, beforeGet)
	}
	if got := aws.ToString(mustGet(t, a, versionARN(accountA, "kept", "1.x.x")).Component.Arn); got != componentARN(accountA, "kept", "1.1.0", 1) {
		t.Errorf("1.x.x resolves to %s after the restart", got)
	}
	mustGet(t, a, aws.ToString(imported.ComponentBuildVersionArn))
	requireSameStrings(t, "builds of kept 1.0.0", buildARNs(t, a, versionARN(accountA, "kept", "1.0.0")), []string{kept1, kept2})
	_, err = a.GetComponent(testContext(t), &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(doomed)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)

	// The next build continues the numbering.
	if next := mustCreate(t, a, createInput("kept", "1.0.0")); next != componentARN(accountA, "kept", "1.0.0", 3) {
		t.Errorf("first create after the restart made %s, want build 3", next)
	}
	// Numbers of builds deleted before the restart stay used.
	if next := mustCreate(t, a, createInput("renumbered", "1.0.0")); next != componentARN(accountA, "renumbered", "1.0.0", 3) {
		t.Errorf("first create of renumbered after the restart made %s, want build 3", next)
	}
	// The client token survived: a retry answers build 1 again.
	if retry := mustCreate(t, a, withToken); retry != kept1 {
		t.Errorf("a retry of a token used before the restart created %s, want %s", retry, kept1)
	}
	// And the other account's data is still its own.
	requireSameStrings(t, "account B", listARNs(t, b, nil), []string{versionARN(accountB, "theirs", "3.0.0")})
	mustGet(t, b, otherAccount)
}
