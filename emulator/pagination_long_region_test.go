package emulator_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// TestListComponentBuildVersionsPagesInALongRegion: the page token of a
// ListComponentBuildVersions listing names the version ARN, which names the
// region. With a region long enough to take the listing past 255 bytes,
// every page still resumes where the previous one stopped. (The region is
// whatever the credential scope says and the ARN pattern allows any; the SDK
// wants a host name, so the long region is made of dotted labels.)
func TestListComponentBuildVersionsPagesInALongRegion(t *testing.T) {
	t.Parallel()
	emu := emulatortest.Start(t)
	label := strings.Repeat("long", 15)
	longRegion := strings.Join([]string{"us-east-1", label, label, label, label}, ".")
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	c := newIB(emu.AWSConfig(accountA), func(o *imagebuilder.Options) {
		o.Region = longRegion
		o.RetryMaxAttempts = 1
		o.HTTPClient = &http.Client{Transport: emulator.ReaderOnlyBodies{Next: tr}}
	})
	ctx := testContext(t)

	versionArn := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:component/far/1.0.0", longRegion, accountA)
	if listing := "ListComponentBuildVersions/" + versionArn; len(listing) <= 255 {
		t.Fatalf("the listing is %d bytes; the test needs more than 255", len(listing))
	}
	var want []string
	for i := 1; i <= 5; i++ {
		arn := mustCreate(t, c, createInput("far", "1.0.0"))
		if wantARN := fmt.Sprintf("%s/%d", versionArn, i); arn != wantARN {
			t.Fatalf("build %d: ARN %s, want %s", i, arn, wantARN)
		}
		want = append(want, arn)
	}

	var got []string
	pages := 0
	p := imagebuilder.NewListComponentBuildVersionsPaginator(c, &imagebuilder.ListComponentBuildVersionsInput{
		ComponentVersionArn: aws.String(versionArn),
		MaxResults:          aws.Int32(2),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		for _, s := range page.ComponentSummaryList {
			got = append(got, aws.ToString(s.Arn))
		}
	}
	requireSameStrings(t, "builds listed in the long region", got, want)
	if pages != 3 {
		t.Errorf("%d pages of 2 over 5 builds, want 3", pages)
	}
}
