package authz_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ibemu/ibemu/internal/authz"
)

func TestParseFilterTimes(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	f, err := authz.ParseFilter("", "", "", "15m", "2026-11-29T11:59:00Z", now)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Since.Equal(now.Add(-15*time.Minute)) || !f.Until.Equal(now.Add(-time.Minute)) {
		t.Errorf("since %v until %v", f.Since, f.Until)
	}
	_, err = authz.ParseFilter("", "", "", "yesterday", "", now)
	if err == nil || !strings.Contains(err.Error(), "duration back from now") || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("--since yesterday: %v, want both accepted forms named", err)
	}
}
