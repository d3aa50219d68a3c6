package policy

import "strings"

// arnParts are the six colon-separated components of an ARN; the resource
// part keeps any further colons and slashes.
type arnParts struct {
	partition, service, region, account, resource string
}

// splitARN splits s on its first five colons. It reports false when s does
// not start with "arn:" or has fewer than five colons.
func splitARN(s string) (arnParts, bool) {
	if !strings.HasPrefix(s, "arn:") {
		return arnParts{}, false
	}
	rest := s[4:]
	var parts [4]string
	for i := 0; i < 4; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return arnParts{}, false
		}
		parts[i] = rest[:j]
		rest = rest[j+1:]
	}
	return arnParts{partition: parts[0], service: parts[1], region: parts[2], account: parts[3], resource: rest}, true
}

// knownPartitions are the AWS partitions an ARN may name.
var knownPartitions = [...]string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

func validPartition(p string) bool {
	for _, k := range knownPartitions {
		if p == k {
			return true
		}
	}
	return false
}

// AccountOfARN returns the account ID in an ARN, or "" when it has none.
func AccountOfARN(s string) string {
	a, ok := splitARN(s)
	if !ok {
		return ""
	}
	return a.account
}
