package sts

import (
	"bytes"
	"compress/flate"
	"strconv"
	"sync"
)

// The packed size of session policies and session tags.
//
// AWS documents that "an AWS conversion compresses the passed inline session
// policy, managed policy ARNs, and session tags into a packed binary format
// that has a separate limit", that PackedPolicySize is the percentage of
// that limit used, and that a request over 100% fails with
// PackedPolicyTooLarge, whose message names the percentage: "Packed size of
// session tags consumes N% of allotted space." when the session tags alone
// are too large, "Packed policy consumes N% of allotted space, please use
// smaller policy." otherwise (AWS Knowledge Center, "How can I avoid getting
// a PackedPolicyTooLarge error…"). The format itself is not published, so
// this is an estimate, built on what is observable:
//
//   - Session tags are not compressed as a whole: nine tags with two-letter
//     keys and 250 identical letters each are reported by AWS as 498% of
//     the space, where any general-purpose compressor would shrink them to
//     almost nothing. Each tag counts its key and value bytes. The allotted
//     space is calibrated on that report: 455 bytes (9 × 252 / 455 = 498%).
//     Tags inherited through role chaining count like passed ones.
//   - Policies are compressed: the inline policy, minified (white space
//     outside strings dropped), and the managed policy ARNs go through one
//     DEFLATE stream primed with a dictionary of the policy language's
//     vocabulary, standing in for AWS's own packing of policy grammar; what
//     comes out counts against the same space.
//   - PackedPolicySize is the percentage, rounded down; the request fails
//     when the bytes exceed the space. AWS leaves PackedPolicySize out of
//     an AssumeRole answer that passed neither policies nor tags and
//     answers 0 for such a GetFederationToken.
//
// The estimate keeps the properties a client can rely on: small policies
// and a few short tags take a small percentage, the 50-tag and 2,048-
// character limits can each be hit before the packed limit or after it,
// and repetitive policies pack better than ones naming many distinct
// resources.
const packedSpace = 455

// policyDictionary primes the compressor with the vocabulary of policy
// documents, most frequent last (DEFLATE prefers close matches).
var policyDictionary = []byte(`arn:aws:iam::aws:policy/` +
	`"Condition":{"StringNotEquals":{"StringLike":{"ArnLike":{"ArnEquals":{"Bool":{"IpAddress":{"DateLessThan":{"NumericLessThan":` +
	`"aws:PrincipalTag/"aws:RequestTag/"aws:ResourceTag/"aws:TagKeys"aws:SourceIp"aws:SecureTransport"aws:PrincipalAccount` +
	`"NotAction":"NotResource":"Principal":{"AWS":"Service":"` +
	`"imagebuilder:"iam:"sts:AssumeRole"s3:GetObject"s3:PutObject"s3:ListBucket"ec2:"kms:"logs:"` +
	`"Resource":"arn:aws:s3:::"Resource":"arn:aws:iam::"Resource":"arn:aws:imagebuilder:us-east-1:"Resource":"*"` +
	`{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Deny","Action":["","Effect":"Allow","Action":"`)

// packing measures packed sizes.
type packing struct {
	tags, policies int
}

// percent is PackedPolicySize.
func (p packing) percent() int32 { return int32((p.tags + p.policies) * 100 / packedSpace) }

// err is the PackedPolicyTooLarge error, or nil when it fits.
func (p packing) err() error {
	if p.tags > packedSpace {
		return errPackedTooLarge("Packed size of session tags consumes " + strconv.Itoa(p.tags*100/packedSpace) + "% of allotted space.")
	}
	if p.tags+p.policies > packedSpace {
		return errPackedTooLarge("Packed policy consumes " + strconv.Itoa(int(p.percent())) + "% of allotted space, please use smaller policy.")
	}
	return nil
}

// packedSize estimates the packed size of a session's policies and tags.
func packedSize(policy string, policyARNs []string, tags []tag) packing {
	var p packing
	for _, t := range tags {
		p.tags += len(t.key) + len(t.value)
	}
	if policy == "" && len(policyARNs) == 0 {
		return p
	}
	var in bytes.Buffer
	minifyJSON(&in, policy)
	for _, a := range policyARNs {
		in.WriteByte(0)
		in.WriteString(a)
	}
	p.policies = deflatedSize(in.Bytes())
	return p
}

var deflaters = sync.Pool{New: func() any {
	w, err := flate.NewWriterDict(nil, flate.BestCompression, policyDictionary)
	if err != nil {
		panic(err) // only an invalid level fails
	}
	return w
}}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

func deflatedSize(b []byte) int {
	var n countingWriter
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&n)
	_, _ = w.Write(b)
	_ = w.Close()
	return int(n)
}

// minifyJSON writes doc without the white space outside its strings.
func minifyJSON(out *bytes.Buffer, doc string) {
	inString, escaped := false, false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		}
		out.WriteByte(c)
	}
}
