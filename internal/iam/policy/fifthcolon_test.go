package policy

import "testing"

// fifthColon finds the same separator as counting colons byte by byte.
func TestFifthColon(t *testing.T) {
	ref := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] == ':' {
				if n++; n == 5 {
					return i
				}
			}
		}
		return len(s)
	}
	for _, s := range []string{"", ":", "::::", ":::::", "::::::", "arn:aws:s3:::b/k", "arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1",
		"arn:aws:iam::1:user/a:b", "a:b:c:d", "a:b:c:d:e", "a:b:c:d:e:", "*", "arn:aws:sqs:*", "é:é:é:é:é:é"} {
		if got, want := fifthColon(s), ref(s); got != want {
			t.Errorf("fifthColon(%q) = %d, want %d", s, got, want)
		}
	}
}
