package sts

import (
	"crypto/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/ibemu/ibemu/internal/awserr"
)

// TestPackedSize: the estimate against what AWS reports and the properties
// clients rely on.
func TestPackedSize(t *testing.T) {
	// AWS: nine tags with two-letter keys and 250-letter values are 498%.
	var nine []tag
	for i := 0; i < 9; i++ {
		nine = append(nine, tag{"T" + string(rune('1'+i)), strings.Repeat("a", 250)})
	}
	p := packedSize("", nil, nine)
	if p.percent() != 498 {
		t.Errorf("nine long tags: %d%%, AWS reports 498%%", p.percent())
	}
	requirePackedError(t, p.err(), "Packed size of session tags consumes 498% of allotted space.")

	// No policies and no tags: nothing packed.
	if p := packedSize("", nil, nil); p.percent() != 0 || p.err() != nil {
		t.Errorf("empty: %+v", p)
	}
	// A short policy and a few short tags take a few percent.
	small := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket/*"}]}`
	sp := packedSize(small, nil, []tag{{"team", "blue"}, {"cost-center", "1234"}})
	if pc := sp.percent(); pc < 5 || pc > 20 || sp.err() != nil {
		t.Errorf("short policy and two tags: %d%%", pc)
	}
	// White space does not count.
	pretty := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::my-bucket/*\"}\n  ]\n}"
	if a, b := packedSize(small, nil, nil), packedSize(pretty, nil, nil); a != b {
		t.Errorf("white space changed the size: %+v vs %+v", a, b)
	}
	// Repetitive policies pack better than ones naming many distinct
	// resources; a 2,048-character policy can be over the packed limit.
	repetitive := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":[` +
		strings.TrimSuffix(strings.Repeat(`"arn:aws:imagebuilder:us-east-1:111122223333:component/app/1.0.0/1",`, 25), ",") + `]}]}`
	distinct := randomResources(30)
	if len(repetitive) > 2048 || len(distinct) > 2048 {
		t.Fatalf("fixtures over 2,048 characters: %d, %d", len(repetitive), len(distinct))
	}
	rp, dp := packedSize(repetitive, nil, nil), packedSize(distinct, nil, nil)
	if rp.err() != nil || rp.percent() > 30 {
		t.Errorf("repetitive policy: %d%%", rp.percent())
	}
	if dp.err() == nil || dp.policies <= rp.policies {
		t.Errorf("distinct resources: %+v", dp)
	}
	requirePackedError(t, dp.err(), "Packed policy consumes "+strconv.Itoa(int(dp.percent()))+"% of allotted space, please use smaller policy.")
	// Managed policy ARNs count; tags and policies add up.
	withARNs := packedSize(small, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::111122223333:policy/mine"}, nil)
	if withARNs.policies <= packedSize(small, nil, nil).policies {
		t.Errorf("ARNs did not count: %+v", withARNs)
	}
	both := packedSize(small, nil, nine[:1])
	if both.tags != 252 || both.policies != packedSize(small, nil, nil).policies {
		t.Errorf("tags and policies: %+v", both)
	}
}

func requirePackedError(t *testing.T, err error, msg string) {
	t.Helper()
	e, ok := awserr.As(err)
	if !ok || e.Code != "PackedPolicyTooLarge" || e.HTTPStatus != 400 || e.Message != msg {
		t.Errorf("error %v, want PackedPolicyTooLarge %q", err, msg)
	}
}

// randomResources is a policy naming n resources with random names.
func randomResources(n int) string {
	var b strings.Builder
	b.WriteString(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":["x"`)
	for range n {
		b.WriteString(`,"arn:aws:imagebuilder:*:*:component/` + rand.Text()[:20] + `"`)
	}
	b.WriteString(`]}]}`)
	return b.String()
}
