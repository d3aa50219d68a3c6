package server

import (
	"strings"
	"testing"
)

// TestS3RequestIDForm: S3 request ids are 16 upper-case hex digits, distinct.
func TestS3RequestIDForm(t *testing.T) {
	a, b := newS3RequestID(), newS3RequestID()
	for _, id := range []string{a, b} {
		if len(id) != 16 || strings.Trim(id, "0123456789ABCDEF") != "" {
			t.Errorf("newS3RequestID() = %q", id)
		}
	}
	if a == b {
		t.Error("two request ids are equal")
	}
}
