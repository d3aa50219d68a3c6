package kms

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/lazyre"
	"github.com/ibemu/ibemu/internal/storage"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// grantTokenPurpose seals grant tokens (internal/seal): a token names its
// key and grant and cannot be forged.
const grantTokenPurpose = "kms grant token"

var (
	grantIDPattern   = lazyre.New(`^[0-9a-f]{64}$`)
	principalPattern = lazyre.New(`^(arn:aws:(iam|sts)::[0-9]{12}:.+|[0-9]{12}|[a-z0-9.-]+\.amazonaws\.com)$`)
)

func (s *Service) grantToken(arn, grantID string) string {
	return s.sealer.Seal(grantTokenPurpose, []byte(arn+"\x00"+grantID), nil)
}

// openGrantToken returns the key ARN and grant id a token names;
// InvalidGrantTokenException for anything else.
func (s *Service) openGrantToken(token string) (arn, grantID string, _ *awserr.Error) {
	raw, err := s.sealer.Open(grantTokenPurpose, token, nil)
	if err != nil {
		return "", "", kmsv1.ErrInvalidGrantToken("The grant token is not valid.")
	}
	a, g, ok := bytes.Cut(raw, []byte{0})
	if !ok {
		return "", "", kmsv1.ErrInvalidGrantToken("The grant token is not valid.")
	}
	return string(a), string(g), nil
}

func grantEntry(g *recordsv1.KMSGrant, arn string) *kmsv1.GrantListEntry {
	e := &kmsv1.GrantListEntry{
		KeyId:            proto.String(arn),
		GrantId:          proto.String(g.GetGrantId()),
		CreationDate:     timestamppb.New(time.Unix(g.GetCreationDate(), 0)),
		GranteePrincipal: proto.String(g.GetGranteePrincipal()),
		IssuingAccount:   proto.String("arn:aws:iam::" + g.GetIssuingAccount() + ":root"),
		Operations:       g.GetOperations(),
	}
	if g.GetName() != "" {
		e.Name = proto.String(g.GetName())
	}
	if g.GetRetiringPrincipal() != "" {
		e.RetiringPrincipal = proto.String(g.GetRetiringPrincipal())
	}
	if len(g.GetEncryptionContextSubset()) > 0 || len(g.GetEncryptionContextEquals()) > 0 {
		e.Constraints = &kmsv1.GrantConstraints{EncryptionContextSubset: g.GetEncryptionContextSubset(), EncryptionContextEquals: g.GetEncryptionContextEquals()}
	}
	return e
}

// CreateGrant lets GranteePrincipal perform Operations with the key, under
// the encryption context Constraints, without a policy statement. The grant
// takes part in every later decision on the key as statement "grant:ID" of
// its effective key policy.
func (s *Service) CreateGrant(ctx context.Context, req *kmsv1.CreateGrantRequest) (*kmsv1.CreateGrantResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	if l.key.GetKeyState() == statePendingDeletion {
		return nil, pendingDeletion(l.key)
	}
	for _, p := range []string{req.GetGranteePrincipal(), req.GetRetiringPrincipal()} {
		if p != "" && !principalPattern.MatchString(p) {
			return nil, kmsv1.ErrInvalidArn("%s is not a valid principal: an IAM or STS ARN, an account id or a service principal.", p)
		}
	}
	if req.GetDryRun() {
		return nil, kmsv1.ErrDryRunOperation("The request would have succeeded, but the DryRun flag is set.")
	}
	var id [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, awserr.Internal(err)
	}
	g := &recordsv1.KMSGrant{
		GrantId:                 hex.EncodeToString(id[:]),
		KeyId:                   l.key.GetKeyId(),
		Name:                    req.GetName(),
		CreationDate:            s.now().Unix(),
		GranteePrincipal:        req.GetGranteePrincipal(),
		RetiringPrincipal:       req.GetRetiringPrincipal(),
		IssuingAccount:          c.Account,
		Operations:              req.GetOperations(),
		EncryptionContextSubset: req.GetConstraints().GetEncryptionContextSubset(),
		EncryptionContextEquals: req.GetConstraints().GetEncryptionContextEquals(),
	}
	g.Token = s.grantToken(l.key.GetArn(), g.GrantId)
	// The grant must compile into the key's effective policy, or it would
	// make every later use of the key fail.
	if doc, err := withGrants(l.key.GetPolicy(), []*recordsv1.KMSGrant{g}); err != nil {
		return nil, awserr.Internal(err)
	} else if _, err := policy.Parse(doc, policy.KindKeyPolicy); err != nil {
		return nil, kmsv1.ErrInvalidArn("The grant cannot be expressed: %v", err)
	}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		return grants.Insert(tx, l.scope, grantKey(g.KeyId, g.GrantId), g)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &kmsv1.CreateGrantResponse{GrantId: proto.String(g.GrantId), GrantToken: proto.String(g.Token)}, nil
}

// ListGrants lists a key's grants, optionally one grant or one grantee's.
func (s *Service) ListGrants(ctx context.Context, req *kmsv1.ListGrantsRequest) (*kmsv1.ListGrantsResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	limit, after, aerr := page(req.GetLimit(), req.GetMarker())
	if aerr != nil {
		return nil, aerr
	}
	out := &kmsv1.ListGrantsResponse{Grants: []*kmsv1.GrantListEntry{}}
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		return grants.Scan(tx, l.scope, storage.ScanOptions{Prefix: keyPrefix(l.key.GetKeyId()), StartAfter: after}, func(key []byte, g *recordsv1.KMSGrant) (bool, error) {
			if (req.GetGrantId() != "" && g.GetGrantId() != req.GetGrantId()) || (req.GetGranteePrincipal() != "" && g.GetGranteePrincipal() != req.GetGranteePrincipal()) {
				return true, nil
			}
			if len(out.Grants) == limit {
				out.Truncated = proto.Bool(true)
				return false, nil
			}
			out.Grants = append(out.Grants, grantEntry(g, l.key.GetArn()))
			after = key
			return true, nil
		})
	})
	if err != nil {
		return nil, storageError(err)
	}
	if out.GetTruncated() {
		out.NextMarker = nextMarker(after)
	} else {
		out.Truncated = proto.Bool(false)
	}
	return out, nil
}

// ListRetirableGrants lists the grants of the caller's account and region
// that RetiringPrincipal may retire.
func (s *Service) ListRetirableGrants(ctx context.Context, req *kmsv1.ListRetirableGrantsRequest) (*kmsv1.ListGrantsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	limit, after, aerr := page(req.GetLimit(), req.GetMarker())
	if aerr != nil {
		return nil, aerr
	}
	scope := scopeOf(c)
	out := &kmsv1.ListGrantsResponse{Grants: []*kmsv1.GrantListEntry{}}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		return grants.Scan(tx, scope, storage.ScanOptions{StartAfter: after}, func(key []byte, g *recordsv1.KMSGrant) (bool, error) {
			if g.GetRetiringPrincipal() != req.GetRetiringPrincipal() {
				return true, nil
			}
			if len(out.Grants) == limit {
				out.Truncated = proto.Bool(true)
				return false, nil
			}
			out.Grants = append(out.Grants, grantEntry(g, keyARN(c.Region, c.Account, g.GetKeyId())))
			after = key
			return true, nil
		})
	})
	if err != nil {
		return nil, storageError(err)
	}
	if out.GetTruncated() {
		out.NextMarker = nextMarker(after)
	} else {
		out.Truncated = proto.Bool(false)
	}
	return out, nil
}

// deleteGrant removes a grant of the resolved key.
func (s *Service) deleteGrant(ctx context.Context, l *located, grantID string) error {
	if !grantIDPattern.MatchString(grantID) {
		return kmsv1.ErrInvalidGrantId("%s is not a grant id.", grantID)
	}
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		found, err := grants.Delete(tx, l.scope, grantKey(l.key.GetKeyId(), grantID))
		if err == nil && !found {
			return kmsv1.ErrNotFound("Grant %s of key %s does not exist", grantID, l.key.GetArn())
		}
		return err
	})
	return storageError(err)
}

// RetireGrant deletes a grant named by its token, or by KeyId and GrantId.
// The key policy (or IAM, where it allows the account) decides who may; the
// grant's retiring principal may through statement "grant:ID:retire", and
// its grantee when the grant includes RetireGrant.
func (s *Service) RetireGrant(ctx context.Context, req *kmsv1.RetireGrantRequest) (*kmsv1.RetireGrantResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	grantID := req.GetGrantId()
	if tok := req.GetGrantToken(); tok != "" {
		arn, id, aerr := s.openGrantToken(tok)
		if aerr != nil {
			return nil, aerr
		}
		if arn != l.key.GetArn() || (grantID != "" && grantID != id) {
			return nil, kmsv1.ErrInvalidGrantToken("The grant token names another grant.")
		}
		grantID = id
	}
	if grantID == "" {
		return nil, awserr.New("ValidationException", 400, "RetireGrant needs a GrantToken, or a KeyId and a GrantId.")
	}
	if req.GetDryRun() {
		return nil, kmsv1.ErrDryRunOperation("The request would have succeeded, but the DryRun flag is set.")
	}
	if err := s.deleteGrant(ctx, l, grantID); err != nil {
		return nil, err
	}
	return &kmsv1.RetireGrantResponse{}, nil
}

// RevokeGrant deletes a grant of a key.
func (s *Service) RevokeGrant(ctx context.Context, req *kmsv1.RevokeGrantRequest) (*kmsv1.RevokeGrantResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetDryRun() {
		return nil, kmsv1.ErrDryRunOperation("The request would have succeeded, but the DryRun flag is set.")
	}
	if err := s.deleteGrant(ctx, l, strings.TrimSpace(req.GetGrantId())); err != nil {
		return nil, err
	}
	return &kmsv1.RevokeGrantResponse{}, nil
}
