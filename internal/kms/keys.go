package kms

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/quota"
	"github.com/ibemu/ibemu/internal/storage"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Key states this emulator uses (KeyState in the KMS API reference).
const (
	stateEnabled         = "Enabled"
	stateDisabled        = "Disabled"
	statePendingDeletion = "PendingDeletion"
)

const (
	specSymmetric   = "SYMMETRIC_DEFAULT"
	usageEncrypt    = "ENCRYPT_DECRYPT"
	originAWSKMS    = "AWS_KMS"
	algoSymmetric   = "SYMMETRIC_DEFAULT"
	defaultPolicyID = "default"
)

// defaultKeyPolicy is the policy CreateKey gives a key created without one
// ("Default key policy": it allows the account, so IAM policies can allow
// the key's use).
func defaultKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

// newUUID returns a random (version 4) UUID, the form of KMS key ids.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// targetKey returns the key the enforcement layer resolved for this call.
func targetKey(ctx context.Context) (*located, error) {
	if t := authz.TargetFrom(ctx); t != nil {
		for _, r := range t.Resources {
			if l, ok := r.Record.(*located); ok {
				return l, nil
			}
		}
	}
	return nil, awserr.Internal(wiringError("kms: no resolved key in the context"))
}

// checkPolicy validates a key policy document (MalformedPolicyDocumentException),
// refuses one naming an IAM user or role that does not exist, bypass or not
// (the CreateKey and PutKeyPolicy references: the principals in the key
// policy must exist and be visible to KMS), and, unless bypassed,
// refuses one that would lock the caller out: the new policy must let the
// caller call PutKeyPolicy on the key later (CreateKey,
// BypassPolicyLockoutSafetyCheck: "the key policy must allow the calling
// principal to make a subsequent PutKeyPolicy request on the KMS key").
func (s *Service) checkPolicy(ctx context.Context, doc, arn, account string, bypass bool) *awserr.Error {
	p, perr := policy.Validate(doc, policy.ForDocument(policy.KindKeyPolicy))
	if perr != nil {
		return kmsv1.ErrMalformedPolicyDocument("%s", perr.Message())
	}
	if s.principals != nil {
		missing, err := s.principals.MissingPrincipal(ctx, doc)
		if err != nil {
			return awserr.From(err)
		}
		if missing != "" {
			return kmsv1.ErrMalformedPolicyDocument("Policy contains a statement with one or more invalid principals.")
		}
	}
	if bypass {
		return nil
	}
	if !authz.TargetFrom(ctx).Allows("kms:PutKeyPolicy", arn, account, &policy.Attached{Policy: p, Name: "new key policy"}) {
		return kmsv1.ErrMalformedPolicyDocument("The new key policy will not allow you to update the key policy in the future.")
	}
	return nil
}

func checkTags(tags []*kmsv1.Tag) *awserr.Error {
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.GetTagKey()), "aws:") {
			return kmsv1.ErrTag("Tag keys beginning with aws: are reserved for AWS use: %s", t.GetTagKey())
		}
	}
	return nil
}

type seededKeyIDCtx struct{}

// WithSeededKeyID returns ctx under which CreateKey gives the new key the
// key id given (a lowercase UUID, 1234abcd-12ab-34cd-56ef-1234567890ab)
// instead of a random one: seed files declare keys with fixed ids this way.
// Only an in-process caller can set it. An id already used in the account
// and region fails CreateKey with AlreadyExistsException.
func WithSeededKeyID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, seededKeyIDCtx{}, id)
}

// ValidKeyID reports whether id has the shape of a KMS key id.
func ValidKeyID(id string) bool { return keyIDPattern.MatchString(id) }

// CreateKey creates a symmetric encryption key (SYMMETRIC_DEFAULT,
// ENCRYPT_DECRYPT, origin AWS_KMS — the only kind this emulator makes) with
// the given key policy, or the default one.
func (s *Service) CreateKey(ctx context.Context, req *kmsv1.CreateKeyRequest) (*kmsv1.CreateKeyResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	spec := req.GetKeySpec()
	if spec == "" {
		spec = req.GetCustomerMasterKeySpec()
	}
	if spec == "" {
		spec = specSymmetric
	}
	usage := req.GetKeyUsage()
	if usage == "" {
		usage = usageEncrypt
	}
	origin := req.GetOrigin()
	if origin == "" {
		origin = originAWSKMS
	}
	if spec != specSymmetric || usage != usageEncrypt || origin != originAWSKMS || req.GetMultiRegion() || req.GetCustomKeyStoreId() != "" {
		return nil, kmsv1.ErrUnsupportedOperation("This emulator creates symmetric encryption keys only (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT, Origin AWS_KMS, single-Region); got %s, %s, %s.", spec, usage, origin)
	}
	if err := checkTags(req.GetTags()); err != nil {
		return nil, err
	}
	id, err := newUUID()
	if err != nil {
		return nil, awserr.Internal(err)
	}
	if seeded, ok := ctx.Value(seededKeyIDCtx{}).(string); ok {
		id = seeded
	}
	arn := keyARN(c.Region, c.Account, id)
	doc := req.GetPolicy()
	if doc == "" {
		doc = defaultKeyPolicy(c.Account)
	} else if err := s.checkPolicy(ctx, doc, arn, c.Account, req.GetBypassPolicyLockoutSafetyCheck()); err != nil {
		return nil, err
	}
	material := make([]byte, materialSize)
	if _, err := rand.Read(material); err != nil {
		return nil, awserr.Internal(err)
	}
	k := &recordsv1.KMSKey{
		KeyId:        id,
		Arn:          arn,
		CreationDate: s.now().Unix(),
		Description:  req.GetDescription(),
		KeyUsage:     usage,
		KeySpec:      spec,
		Origin:       origin,
		KeyState:     stateEnabled,
		Policy:       doc,
		Material:     s.sealer.Seal(materialPurpose, material, []byte(arn)),
	}
	clear(material)
	if len(req.GetTags()) > 0 {
		k.Tags = map[string]string{}
		for _, t := range req.GetTags() {
			k.Tags[t.GetTagKey()] = t.GetTagValue()
		}
	}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		if err := s.checkKeyQuota(tx, scopeOf(c)); err != nil {
			return err
		}
		return keys.Insert(tx, scopeOf(c), []byte(id), k)
	})
	if errors.Is(err, storage.ErrExists) {
		return nil, kmsv1.ErrAlreadyExists("The key %s already exists.", arn)
	}
	if err != nil {
		return nil, storageError(err)
	}
	return &kmsv1.CreateKeyResponse{KeyMetadata: metadata(k, c.Account)}, nil
}

// metadata is a key's KeyMetadata.
func metadata(k *recordsv1.KMSKey, account string) *kmsv1.KeyMetadata {
	m := &kmsv1.KeyMetadata{
		AwsAccountId:          proto.String(account),
		KeyId:                 proto.String(k.GetKeyId()),
		Arn:                   proto.String(k.GetArn()),
		CreationDate:          timestamppb.New(time.Unix(k.GetCreationDate(), 0)),
		Enabled:               proto.Bool(k.GetKeyState() == stateEnabled),
		Description:           proto.String(k.GetDescription()),
		KeyUsage:              proto.String(k.GetKeyUsage()),
		KeyState:              proto.String(k.GetKeyState()),
		Origin:                proto.String(k.GetOrigin()),
		KeyManager:            proto.String(keyManager(k)),
		CustomerMasterKeySpec: proto.String(k.GetKeySpec()),
		KeySpec:               proto.String(k.GetKeySpec()),
		EncryptionAlgorithms:  []string{algoSymmetric},
		MultiRegion:           proto.Bool(false),
	}
	if k.GetKeyState() == statePendingDeletion {
		m.DeletionDate = timestamppb.New(time.Unix(k.GetDeletionDate(), 0))
		m.PendingDeletionWindowInDays = proto.Int32(k.GetPendingWindowDays())
	}
	return m
}

// keyManager is KeyMetadata.KeyManager: AWS for an AWS managed key,
// CUSTOMER for the keys users create.
func keyManager(k *recordsv1.KMSKey) string {
	if awsManaged(k) {
		return keyManagerAWS
	}
	return "CUSTOMER"
}

// DescribeKey returns a key's metadata.
func (s *Service) DescribeKey(ctx context.Context, _ *kmsv1.DescribeKeyRequest) (*kmsv1.DescribeKeyResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	return &kmsv1.DescribeKeyResponse{KeyMetadata: metadata(l.key, l.scope.Account)}, nil
}

// page reads Limit (1–1000, default 100) and Marker of a KMS listing.
// Markers are the last storage key of the previous page, base64url.
func page(limit int32, marker string) (int, []byte, *awserr.Error) {
	n := int(limit)
	if n <= 0 {
		n = 100
	}
	if n > 1000 {
		n = 1000
	}
	if marker == "" {
		return n, nil, nil
	}
	after, err := base64.RawURLEncoding.DecodeString(marker)
	if err != nil || len(after) == 0 {
		return 0, nil, kmsv1.ErrInvalidMarker("The marker is not one this listing returned.")
	}
	return n, after, nil
}

func nextMarker(last []byte) *string {
	return proto.String(base64.RawURLEncoding.EncodeToString(last))
}

// ListKeys lists the keys of the caller's account in the region, by key id.
func (s *Service) ListKeys(ctx context.Context, req *kmsv1.ListKeysRequest) (*kmsv1.ListKeysResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	limit, after, aerr := page(req.GetLimit(), req.GetMarker())
	if aerr != nil {
		return nil, aerr
	}
	out := &kmsv1.ListKeysResponse{Keys: []*kmsv1.KeyListEntry{}}
	now := s.now().Unix()
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		return keys.Scan(tx, scopeOf(c), storage.ScanOptions{StartAfter: after}, func(key []byte, k *recordsv1.KMSKey) (bool, error) {
			if gone(k, now) {
				return true, nil
			}
			if len(out.Keys) == limit {
				out.Truncated = proto.Bool(true)
				return false, nil
			}
			out.Keys = append(out.Keys, &kmsv1.KeyListEntry{KeyId: proto.String(k.GetKeyId()), KeyArn: proto.String(k.GetArn())})
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

// updateKey changes the resolved key in one transaction: fn sees the stored
// key (re-read, so concurrent changes are not lost) and may refuse.
func (s *Service) updateKey(ctx context.Context, fn func(tx *storage.Tx, l *located) error) (*located, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		k, found, err := keys.Get(tx, l.scope, []byte(l.key.GetKeyId()))
		if err != nil {
			return err
		}
		if !found || gone(k, now) {
			return keyNotFound(l.key.GetArn())
		}
		l.key = k
		if err := fn(tx, l); err != nil {
			return err
		}
		return keys.Put(tx, l.scope, []byte(k.GetKeyId()), k)
	})
	if err != nil {
		return nil, storageError(err)
	}
	return l, nil
}

func pendingDeletion(k *recordsv1.KMSKey) *awserr.Error {
	return kmsv1.ErrKMSInvalidState("%s is pending deletion.", k.GetArn())
}

// usable refuses a key that cannot encrypt or decrypt now: DisabledException
// for a disabled key, KMSInvalidStateException for one pending deletion.
func usable(k *recordsv1.KMSKey) *awserr.Error {
	switch k.GetKeyState() {
	case stateDisabled:
		return kmsv1.ErrDisabled("%s is disabled.", k.GetArn())
	case statePendingDeletion:
		return pendingDeletion(k)
	}
	return nil
}

// EnableKey sets a disabled key's state to Enabled.
func (s *Service) EnableKey(ctx context.Context, _ *kmsv1.EnableKeyRequest) (*kmsv1.EnableKeyResponse, error) {
	_, err := s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if l.key.GetKeyState() == statePendingDeletion {
			return pendingDeletion(l.key)
		}
		l.key.KeyState = stateEnabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.EnableKeyResponse{}, nil
}

// DisableKey sets a key's state to Disabled: it can no longer be used in
// cryptographic operations.
func (s *Service) DisableKey(ctx context.Context, _ *kmsv1.DisableKeyRequest) (*kmsv1.DisableKeyResponse, error) {
	_, err := s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if l.key.GetKeyState() == statePendingDeletion {
			return pendingDeletion(l.key)
		}
		l.key.KeyState = stateDisabled
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.DisableKeyResponse{}, nil
}

// ScheduleKeyDeletion puts a key in PendingDeletion for PendingWindowInDays
// (7–30, default 30; the model checks the range). Once the date passes the
// key is gone: NotFoundException everywhere.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, req *kmsv1.ScheduleKeyDeletionRequest) (*kmsv1.ScheduleKeyDeletionResponse, error) {
	days := req.GetPendingWindowInDays()
	if days == 0 {
		days = 30
	}
	if days < 7 || days > 30 {
		return nil, awserr.Newf("ValidationException", 400, "PendingWindowInDays must be between 7 and 30, not %d.", days)
	}
	when := s.now().Add(time.Duration(days) * 24 * time.Hour).Unix()
	l, err := s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if l.key.GetKeyState() == statePendingDeletion {
			return pendingDeletion(l.key)
		}
		l.key.KeyState = statePendingDeletion
		l.key.DeletionDate = when
		l.key.PendingWindowDays = days
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.ScheduleKeyDeletionResponse{
		KeyId:               proto.String(l.key.GetArn()),
		DeletionDate:        timestamppb.New(time.Unix(when, 0)),
		KeyState:            proto.String(statePendingDeletion),
		PendingWindowInDays: proto.Int32(days),
	}, nil
}

// CancelKeyDeletion takes a key out of PendingDeletion; it is then Disabled,
// as in AWS ("the key state of the KMS key is Disabled").
func (s *Service) CancelKeyDeletion(ctx context.Context, _ *kmsv1.CancelKeyDeletionRequest) (*kmsv1.CancelKeyDeletionResponse, error) {
	l, err := s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if l.key.GetKeyState() != statePendingDeletion {
			return kmsv1.ErrKMSInvalidState("%s is not pending deletion.", l.key.GetArn())
		}
		l.key.KeyState = stateDisabled
		l.key.DeletionDate = 0
		l.key.PendingWindowDays = 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.CancelKeyDeletionResponse{KeyId: proto.String(l.key.GetArn())}, nil
}

// UpdateKeyDescription replaces a key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, req *kmsv1.UpdateKeyDescriptionRequest) (*kmsv1.UpdateKeyDescriptionResponse, error) {
	_, err := s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if l.key.GetKeyState() == statePendingDeletion {
			return pendingDeletion(l.key)
		}
		l.key.Description = req.GetDescription()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.UpdateKeyDescriptionResponse{}, nil
}

// EnableKeyRotation records automatic rotation (RotationPeriodInDays
// 90–2560, default 365). Rotation keeps old material usable in AWS; this
// emulator never rotates, which no caller can tell apart.
func (s *Service) EnableKeyRotation(ctx context.Context, req *kmsv1.EnableKeyRotationRequest) (*kmsv1.EnableKeyRotationResponse, error) {
	days := req.GetRotationPeriodInDays()
	if days == 0 {
		days = 365
	}
	_, err := s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if err := usable(l.key); err != nil {
			return err
		}
		l.key.RotationEnabled, l.key.RotationPeriodDays = true, days
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.EnableKeyRotationResponse{}, nil
}

// DisableKeyRotation turns automatic rotation off.
func (s *Service) DisableKeyRotation(ctx context.Context, _ *kmsv1.DisableKeyRotationRequest) (*kmsv1.DisableKeyRotationResponse, error) {
	_, err := s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if err := usable(l.key); err != nil {
			return err
		}
		l.key.RotationEnabled, l.key.RotationPeriodDays = false, 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.DisableKeyRotationResponse{}, nil
}

// GetKeyRotationStatus reports whether rotation is on, and its period.
func (s *Service) GetKeyRotationStatus(ctx context.Context, _ *kmsv1.GetKeyRotationStatusRequest) (*kmsv1.GetKeyRotationStatusResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	k := l.key
	if k.GetKeyState() == statePendingDeletion {
		return nil, pendingDeletion(k)
	}
	out := &kmsv1.GetKeyRotationStatusResponse{KeyId: proto.String(k.GetArn()), KeyRotationEnabled: proto.Bool(k.GetRotationEnabled())}
	if k.GetRotationEnabled() {
		out.RotationPeriodInDays = proto.Int32(k.GetRotationPeriodDays())
	}
	return out, nil
}

func checkPolicyName(name string) *awserr.Error {
	if name != "" && name != defaultPolicyID {
		return kmsv1.ErrNotFound("No such policy exists: %s. The only valid policy name is default.", name)
	}
	return nil
}

// GetKeyPolicy returns the key policy ("default", the only policy name).
func (s *Service) GetKeyPolicy(ctx context.Context, req *kmsv1.GetKeyPolicyRequest) (*kmsv1.GetKeyPolicyResponse, error) {
	if err := checkPolicyName(req.GetPolicyName()); err != nil {
		return nil, err
	}
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	return &kmsv1.GetKeyPolicyResponse{Policy: proto.String(l.key.GetPolicy()), PolicyName: proto.String(defaultPolicyID)}, nil
}

// PutKeyPolicy replaces the key policy, validated as CreateKey validates it.
func (s *Service) PutKeyPolicy(ctx context.Context, req *kmsv1.PutKeyPolicyRequest) (*kmsv1.PutKeyPolicyResponse, error) {
	if err := checkPolicyName(req.GetPolicyName()); err != nil {
		return nil, err
	}
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	if aerr := s.checkPolicy(ctx, req.GetPolicy(), l.key.GetArn(), l.scope.Account, req.GetBypassPolicyLockoutSafetyCheck()); aerr != nil {
		return nil, aerr
	}
	_, err = s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if l.key.GetKeyState() == statePendingDeletion {
			return pendingDeletion(l.key)
		}
		l.key.Policy = req.GetPolicy()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.PutKeyPolicyResponse{}, nil
}

// ListKeyPolicies lists the key's policy names: always "default".
func (s *Service) ListKeyPolicies(ctx context.Context, _ *kmsv1.ListKeyPoliciesRequest) (*kmsv1.ListKeyPoliciesResponse, error) {
	if _, err := targetKey(ctx); err != nil {
		return nil, err
	}
	return &kmsv1.ListKeyPoliciesResponse{PolicyNames: []string{defaultPolicyID}, Truncated: proto.Bool(false)}, nil
}

// TagResource adds or replaces tags of a key.
func (s *Service) TagResource(ctx context.Context, req *kmsv1.TagResourceRequest) (*kmsv1.TagResourceResponse, error) {
	if err := checkTags(req.GetTags()); err != nil {
		return nil, err
	}
	_, err := s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if l.key.GetKeyState() == statePendingDeletion {
			return pendingDeletion(l.key)
		}
		if l.key.Tags == nil {
			l.key.Tags = map[string]string{}
		}
		for _, t := range req.GetTags() {
			l.key.Tags[t.GetTagKey()] = t.GetTagValue()
		}
		if len(l.key.Tags) > 50 {
			return kmsv1.ErrLimitExceeded("A key can have at most 50 tags.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.TagResourceResponse{}, nil
}

// UntagResource removes tags of a key by key.
func (s *Service) UntagResource(ctx context.Context, req *kmsv1.UntagResourceRequest) (*kmsv1.UntagResourceResponse, error) {
	_, err := s.updateKey(ctx, func(_ *storage.Tx, l *located) error {
		if l.key.GetKeyState() == statePendingDeletion {
			return pendingDeletion(l.key)
		}
		for _, k := range req.GetTagKeys() {
			delete(l.key.Tags, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kmsv1.UntagResourceResponse{}, nil
}

// ListResourceTags lists a key's tags, sorted by key, paged.
func (s *Service) ListResourceTags(ctx context.Context, req *kmsv1.ListResourceTagsRequest) (*kmsv1.ListResourceTagsResponse, error) {
	l, err := targetKey(ctx)
	if err != nil {
		return nil, err
	}
	limit, after, aerr := page(req.GetLimit(), req.GetMarker())
	if aerr != nil {
		return nil, aerr
	}
	names := make([]string, 0, len(l.key.GetTags()))
	for k := range l.key.GetTags() {
		if string(after) < k {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	out := &kmsv1.ListResourceTagsResponse{Tags: []*kmsv1.Tag{}, Truncated: proto.Bool(false)}
	for i, k := range names {
		if i == limit {
			out.Truncated = proto.Bool(true)
			out.NextMarker = nextMarker([]byte(names[i-1]))
			break
		}
		out.Tags = append(out.Tags, &kmsv1.Tag{TagKey: proto.String(k), TagValue: proto.String(l.key.GetTags()[k])})
	}
	return out, nil
}

// checkKeyQuota answers LimitExceededException when the account already has
// as many customer managed keys in the Region as the KMS keys quota allows
// (AWS managed keys, aws/s3 and the like, do not count: each has an
// alias/aws/ alias, so they are counted that way and set aside).
func (s *Service) checkKeyQuota(tx *storage.Tx, sc storage.Scope) error {
	managed := 0
	err := aliases.Scan(tx, sc, storage.ScanOptions{Prefix: []byte("alias/aws/")}, func([]byte, *recordsv1.KMSAlias) (bool, error) {
		managed++
		return true, nil
	})
	if err != nil {
		return err
	}
	limit := s.quotas.Limit(quota.KMSKeys)
	have, err := keys.Count(tx, sc, limit+managed)
	if err != nil {
		return err
	}
	if have-managed >= limit {
		return kmsv1.ErrLimitExceeded("You have reached the quota of %d KMS keys in this account and Region.", limit)
	}
	return nil
}
