package kms

import (
	"context"
	"crypto/rand"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// AWS managed keys ("AWS managed keys" in the KMS developer guide): keys an
// AWS service creates in the customer's account the first time the
// customer uses the service's default encryption, named by the alias
// alias/aws/SERVICE. This emulator creates one on first use of its alias in
// the caller's own account and Region — by a service's forward access
// request (S3 SSE-KMS without a key id uses alias/aws/s3) or by a direct
// KMS call naming the alias (DescribeKey documents it: "If you call the
// DescribeKey operation on a predefined AWS alias … AWS KMS creates an AWS
// managed key"). The key has KeyManager AWS and AWS's managed-key policy:
// every principal of the account may use it for cryptography through the
// service only (kms:ViaService, kms:CallerAccount), and the account may
// read its metadata. Nothing else is allowed by that policy — not even to
// the root user — so PutKeyPolicy, DisableKey, ScheduleKeyDeletion,
// CreateGrant, CreateAlias/UpdateAlias/DeleteAlias involving the key are
// AccessDeniedException, as in AWS; alias names under alias/aws/ cannot be
// created or moved by users (InvalidAliasNameException).

// keyManagerAWS is KeyMetadata.KeyManager of an AWS managed key.
const keyManagerAWS = "AWS"

// managedAliasPrefix is the alias namespace AWS keeps for its managed keys.
const managedAliasPrefix = "alias/aws/"

// managedServices are the services whose AWS managed key an alias
// alias/aws/SERVICE names, with what the key's description says it
// protects ("Default key that protects my … when no other key is
// defined").
var managedServices = map[string]string{
	"acm":               "ACM data",
	"backup":            "Backup data",
	"dynamodb":          "DynamoDB data",
	"ebs":               "EBS volumes",
	"ecr":               "ECR data",
	"elasticfilesystem": "EFS data",
	"es":                "Elasticsearch data",
	"glue":              "Glue data",
	"imagebuilder":      "Image Builder data",
	"kinesis":           "Kinesis data",
	"lambda":            "Lambda functions",
	"logs":              "CloudWatch Logs data",
	"rds":               "RDS database volumes",
	"redshift":          "Redshift data",
	"s3":                "S3 objects",
	"secretsmanager":    "Secrets Manager data",
	"sns":               "SNS data",
	"sqs":               "SQS data",
	"ssm":               "SSM data",
	"xray":              "X-Ray data",
}

// managedService returns the service whose AWS managed key alias names,
// or "" when alias is not such an alias.
func managedService(alias string) string {
	svc, ok := strings.CutPrefix(alias, managedAliasPrefix)
	if !ok {
		return ""
	}
	if _, known := managedServices[svc]; !known {
		return ""
	}
	return svc
}

// awsManaged reports whether k is an AWS managed key.
func awsManaged(k *recordsv1.KMSKey) bool { return k.GetKeyManager() == keyManagerAWS }

// managedKeyPolicy is the key policy of the AWS managed key of service in
// account and region: use through the service by the account's
// principals, and metadata reads (and RevokeGrant) by the account.
func managedKeyPolicy(service, account, region string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "auto-` + service + `-2",
  "Statement" : [ {
    "Sid" : "Allow access through ` + service + ` for all principals in the account that are authorized to use ` + service + `",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "` + account + `",
        "kms:ViaService" : "` + service + `.` + region + `.amazonaws.com"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],
    "Resource" : "*"
  } ]
}`
}

// createManaged creates the AWS managed key n.alias names, and its alias,
// unless another request created it first. n must be in the caller's own
// account and Region.
func (s *Service) createManaged(ctx context.Context, n keyName, service string) error {
	id, err := newUUID()
	if err != nil {
		return awserr.Internal(err)
	}
	arn := keyARN(n.region, n.account, id)
	material := make([]byte, materialSize)
	if _, err := rand.Read(material); err != nil {
		return awserr.Internal(err)
	}
	now := s.now().Unix()
	k := &recordsv1.KMSKey{
		KeyId:        id,
		Arn:          arn,
		CreationDate: now,
		Description:  "Default key that protects my " + managedServices[service] + " when no other key is defined",
		KeyUsage:     usageEncrypt,
		KeySpec:      specSymmetric,
		Origin:       originAWSKMS,
		KeyState:     stateEnabled,
		Policy:       managedKeyPolicy(service, n.account, n.region),
		Material:     s.sealer.Seal(materialPurpose, material, []byte(arn)),
		KeyManager:   keyManagerAWS,
	}
	clear(material)
	a := &recordsv1.KMSAlias{Name: n.alias, TargetKeyId: id, CreationDate: now, LastUpdatedDate: now}
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		scope := n.scope()
		if _, found, err := aliases.Get(tx, scope, []byte(a.Name)); err != nil || found {
			return err // created meanwhile
		}
		if err := keys.Insert(tx, scope, []byte(id), k); err != nil {
			return err
		}
		if err := aliases.Put(tx, scope, []byte(a.Name), a); err != nil {
			return err
		}
		return keyAliases.Put(tx, scope, keyAliasKey(id, a.Name), a)
	})
	return storageError(err)
}

// ownScope reports whether n is in the caller's own account and Region:
// AWS managed keys are only ever created there.
func ownScope(c *callctx.Call, n keyName) bool {
	return n.account == c.Account && n.region == c.Region
}
