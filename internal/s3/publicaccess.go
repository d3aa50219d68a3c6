package s3

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/policy"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
)

// Principals is what S3 needs from IAM to validate a bucket policy's
// principals. The IAM service implements it.
type Principals interface {
	// MissingPrincipal returns the first "AWS" principal of doc naming an
	// IAM user or role that does not exist (in any account), or "";
	// account ids, root ARNs, service principals and "*" are never missing.
	MissingPrincipal(ctx context.Context, doc string) (string, error)
}

// blockAll is the Block Public Access configuration of new buckets: all
// four settings on (S3's default since April 2023).
func blockAll() *recordsv1.S3PublicAccessBlock {
	return &recordsv1.S3PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
}

// GetPublicAccessBlock answers the bucket's Block Public Access
// configuration (NoSuchPublicAccessBlockConfiguration, 404, when it was
// deleted).
func (s *Service) GetPublicAccessBlock(ctx context.Context, req *s3v1.GetPublicAccessBlockRequest) (*s3v1.GetPublicAccessBlockOutput, error) {
	b, err := s.readBucket(ctx, req.GetBucket(), req)
	if err != nil {
		return nil, err
	}
	p := b.GetPublicAccessBlock()
	if p == nil {
		return nil, awserr.New("NoSuchPublicAccessBlockConfiguration", http.StatusNotFound, "The public access block configuration was not found")
	}
	return &s3v1.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &s3v1.PublicAccessBlockConfiguration{
		BlockPublicAcls: ptr(p.GetBlockPublicAcls()), IgnorePublicAcls: ptr(p.GetIgnorePublicAcls()),
		BlockPublicPolicy: ptr(p.GetBlockPublicPolicy()), RestrictPublicBuckets: ptr(p.GetRestrictPublicBuckets()),
	}}, nil
}

// PutPublicAccessBlock replaces the bucket's Block Public Access
// configuration; settings left out are off, as in S3.
func (s *Service) PutPublicAccessBlock(ctx context.Context, req *s3v1.PutPublicAccessBlockRequest) (*s3v1.PutPublicAccessBlockResponse, error) {
	cfg := req.GetPublicAccessBlockConfiguration()
	if cfg == nil {
		return nil, errMalformedXML()
	}
	p := &recordsv1.S3PublicAccessBlock{
		BlockPublicAcls: cfg.GetBlockPublicAcls(), IgnorePublicAcls: cfg.GetIgnorePublicAcls(),
		BlockPublicPolicy: cfg.GetBlockPublicPolicy(), RestrictPublicBuckets: cfg.GetRestrictPublicBuckets(),
	}
	err := s.updateBucket(ctx, req.GetBucket(), req, func(b *recordsv1.S3Bucket) error {
		b.PublicAccessBlock = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.PutPublicAccessBlockResponse{}, nil
}

// DeletePublicAccessBlock removes the bucket's Block Public Access
// configuration: every setting is then off.
func (s *Service) DeletePublicAccessBlock(ctx context.Context, req *s3v1.DeletePublicAccessBlockRequest) (*s3v1.DeletePublicAccessBlockResponse, error) {
	err := s.updateBucket(ctx, req.GetBucket(), req, func(b *recordsv1.S3Bucket) error {
		b.PublicAccessBlock = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s3v1.DeletePublicAccessBlockResponse{}, nil
}

// GetBucketPolicyStatus answers whether the bucket policy is public (see
// PublicPolicy); NoSuchBucketPolicy when there is none.
func (s *Service) GetBucketPolicyStatus(ctx context.Context, req *s3v1.GetBucketPolicyStatusRequest) (*s3v1.GetBucketPolicyStatusOutput, error) {
	b, err := s.readBucket(ctx, req.GetBucket(), req)
	if err != nil {
		return nil, err
	}
	if b.GetPolicy() == "" {
		return nil, errNoSuchBucketPolicy()
	}
	att, err := s.pols.get(b)
	if err != nil {
		return nil, awserr.Internal(err)
	}
	return &s3v1.GetBucketPolicyStatusOutput{PolicyStatus: &s3v1.PolicyStatus{IsPublic: ptr(PublicPolicy(att.Policy))}}, nil
}

func errNoSuchBucketPolicy() error {
	return awserr.New("NoSuchBucketPolicy", http.StatusNotFound, "The bucket policy does not exist")
}

// errPublicPolicyBlocked is S3's refusal of a public bucket policy while
// BlockPublicPolicy is on.
func errPublicPolicyBlocked(callerARN, bucket string) error {
	return s3v1.ErrAccessDenied("User: %s is not authorized to perform: s3:PutBucketPolicy on resource: \"%s\" because public policies are blocked by the BlockPublicPolicy block public access setting.", callerARN, BucketARN(bucket))
}

// PublicPolicy reports whether a bucket policy is public as S3 defines it
// (S3 User Guide, "The meaning of 'public'"): some Allow statement grants
// to everyone — Principal "*" or {"AWS": "*"}, or a NotPrincipal — without
// a condition that pins the request to fixed values of a key that names
// who or what is calling: aws:SourceArn, aws:SourceVpc, aws:SourceVpce,
// aws:SourceOwner, aws:SourceAccount, aws:PrincipalAccount,
// aws:PrincipalArn, aws:PrincipalOrgID, aws:userid,
// s3:x-amz-server-side-encryption-aws-kms-key-id, or aws:SourceIp ranges
// narrower than the whole address space. A fixed value has no wildcard; the
// operator must be a positive equality (StringEquals, StringLike without a
// wildcard, ArnEquals, ArnLike without a wildcard, IpAddress), not a
// ForAllValues or …IfExists form, which a request lacking the key passes.
func PublicPolicy(p *policy.Policy) bool {
	if p == nil {
		return false
	}
	for _, st := range p.Statements {
		if st.Effect != policy.Allow || !grantsEveryone(st) {
			continue
		}
		if !pinned(st.Conditions) {
			return true
		}
	}
	return false
}

// grantsEveryone reports a statement whose principal is anyone.
func grantsEveryone(st *policy.Statement) bool {
	if st.NotPrincipal {
		return true
	}
	for _, p := range principalValues(st.Principal, "AWS") {
		if p == "*" {
			return true
		}
	}
	return false
}

// principalValues lists the values of one principal type (AWS, Service,
// Federated, CanonicalUser) of a Principal element's JSON text; "*" alone
// counts as {"AWS": "*"}.
func principalValues(text, typ string) []string {
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return nil
	}
	switch v := v.(type) {
	case string:
		if typ == "AWS" {
			return []string{v}
		}
	case map[string]any:
		switch vv := v[typ].(type) {
		case string:
			return []string{vv}
		case []any:
			var out []string
			for _, x := range vv {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
			return out
		}
	}
	return nil
}

// pinningKeys are the condition keys whose fixed values make a grant to
// everyone non-public.
var pinningKeys = map[string]bool{
	"aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true, "aws:sourceowner": true,
	"aws:sourceaccount": true, "aws:principalaccount": true, "aws:principalarn": true,
	"aws:principalorgid": true, "aws:userid": true, "s3:x-amz-server-side-encryption-aws-kms-key-id": true,
	"aws:sourceip": true,
}

// pinningOperators are the operators that pin a key to the values given.
var pinningOperators = map[string]bool{
	"stringequals": true, "stringequalsignorecase": true, "stringlike": true,
	"arnequals": true, "arnlike": true, "ipaddress": true,
	"foranyvalue:stringequals": true, "foranyvalue:stringlike": true,
}

func pinned(conds []policy.Condition) bool {
	for _, c := range conds {
		key, op := strings.ToLower(c.Key), strings.ToLower(c.Operator)
		if !pinningKeys[key] || !pinningOperators[op] || len(c.Values) == 0 {
			continue
		}
		fixed := true
		for _, v := range c.Values {
			switch {
			case key == "aws:sourceip":
				if v == "0.0.0.0/0" || v == "::/0" {
					fixed = false
				}
			case key == "aws:userid" && strings.HasSuffix(v, ":*") && !strings.ContainsAny(strings.TrimSuffix(v, ":*"), "*?"):
				// "AROLEID:*": any session of one role is a fixed principal.
			case strings.ContainsAny(v, "*?"):
				fixed = false
			}
		}
		if fixed {
			return true
		}
	}
	return false
}

// checkPrincipals answers MalformedPolicy "Invalid principal in policy"
// for an "AWS" principal that names an IAM user or role that does not
// exist (S3 resolves principals when the policy is put, as IAM does for
// trust policies). Account ids, root ARNs, service principals and "*" pass.
func (s *Service) checkPrincipals(ctx context.Context, doc string) error {
	if s.principals == nil {
		return nil
	}
	missing, err := s.principals.MissingPrincipal(ctx, doc)
	if err != nil {
		return awserr.From(err)
	}
	if missing != "" {
		return errMalformedPolicy("Invalid principal in policy")
	}
	return nil
}
