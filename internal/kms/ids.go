package kms

import (
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/lazyre"
	"github.com/ibemu/ibemu/internal/storage"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
)

// keyName is a key identifier as a request gives it, parsed: every KeyId
// member accepts a key id (1234abcd-12ab-34cd-56ef-1234567890ab), a key
// ARN, an alias name (alias/ExampleAlias) or an alias ARN
// (arn:aws:kms:us-east-2:111122223333:alias/ExampleAlias) — "KeyId" in the
// KMS API reference. Key ids and alias names are in the caller's account
// and region; ARNs name their own (cross-account use of a key is by ARN).
type keyName struct {
	account, region string
	keyID           string // set when the name is a key
	alias           string // "alias/…", set when the name is an alias
}

// scope is where the named key or alias is stored.
func (n keyName) scope() storage.Scope { return storage.Scope{Account: n.account, Region: n.region} }

// aliasARN is the ARN of the named alias.
func (n keyName) aliasARN() string { return aliasARN(n.region, n.account, n.alias) }

func keyARN(region, account, keyID string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + keyID
}

func aliasARN(region, account, alias string) string {
	return "arn:aws:kms:" + region + ":" + account + ":" + alias
}

var (
	keyIDPattern     = lazyre.New(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	aliasNamePattern = lazyre.New(`^alias/[a-zA-Z0-9/_-]+$`)
	accountPattern   = lazyre.New(`^[0-9]{12}$`)
	regionPattern    = lazyre.New(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// parseKeyName parses a KeyId member. A malformed ARN is InvalidArnException;
// a key id that cannot be one is NotFoundException ("Invalid keyId …"), as
// KMS answers both.
func parseKeyName(c *callctx.Call, id string) (keyName, *awserr.Error) {
	if strings.HasPrefix(id, "arn:") {
		parts := strings.SplitN(id, ":", 6)
		if len(parts) != 6 || parts[1] != "aws" || parts[2] != "kms" || !regionPattern.MatchString(parts[3]) || !accountPattern.MatchString(parts[4]) {
			return keyName{}, kmsv1.ErrInvalidArn("Invalid arn %s", id)
		}
		n := keyName{account: parts[4], region: parts[3]}
		switch res := parts[5]; {
		case strings.HasPrefix(res, "key/"):
			n.keyID = strings.TrimPrefix(res, "key/")
			if !keyIDPattern.MatchString(n.keyID) {
				return keyName{}, kmsv1.ErrNotFound("Invalid keyId %s", id)
			}
		case strings.HasPrefix(res, "alias/"):
			n.alias = res
			if !aliasNamePattern.MatchString(n.alias) {
				return keyName{}, kmsv1.ErrNotFound("Alias %s is not found.", id)
			}
		default:
			return keyName{}, kmsv1.ErrInvalidArn("Invalid arn %s", id)
		}
		return n, nil
	}
	n := keyName{account: c.Account, region: c.Region}
	if strings.HasPrefix(id, "alias/") {
		if !aliasNamePattern.MatchString(id) {
			return keyName{}, kmsv1.ErrNotFound("Alias %s is not found.", aliasARN(c.Region, c.Account, id))
		}
		n.alias = id
		return n, nil
	}
	if !keyIDPattern.MatchString(id) {
		return keyName{}, kmsv1.ErrNotFound("Invalid keyId %s", id)
	}
	n.keyID = id
	return n, nil
}

// canonicalARN turns any key identifier into an ARN (a key ARN, or an alias
// ARN for an alias), for checks that name their resource by ARN.
func canonicalARN(c *callctx.Call, id string) (string, *awserr.Error) {
	n, err := parseKeyName(c, id)
	if err != nil {
		return "", err
	}
	if n.alias != "" {
		return n.aliasARN(), nil
	}
	return keyARN(n.region, n.account, n.keyID), nil
}

func keyNotFound(arn string) *awserr.Error {
	return kmsv1.ErrNotFound("Key '%s' does not exist", arn)
}

func aliasNotFound(arn string) *awserr.Error {
	return kmsv1.ErrNotFound("Alias %s is not found.", arn)
}

// validateNewAlias checks an alias name CreateAlias and UpdateAlias are
// given: "alias/" and a name, and not in the alias/aws/ namespace AWS keeps
// for AWS managed keys (CreateAlias: "The AliasName value must begin with
// alias/ followed by a name … cannot begin with alias/aws/").
func validateNewAlias(name string) *awserr.Error {
	if !aliasNamePattern.MatchString(name) {
		return kmsv1.ErrInvalidAliasName("Alias must start with the prefix \"alias/\" followed by letters, numbers, slashes, underscores or dashes: %s", name)
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return kmsv1.ErrInvalidAliasName("Alias names that begin with alias/aws/ are reserved for AWS managed keys: %s", name)
	}
	return nil
}
