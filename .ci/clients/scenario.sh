#!/usr/bin/env bash
# The AWS CLI against a running emulator: create a user and its keys, attach
# a policy, assume a role, list components, a denial with its message, and a
# KMS key with an encrypt/decrypt round trip.
# Usage: scenario.sh ENDPOINT AWS_CLI
set -euo pipefail
endpoint=$1
aws_cli=$2
account=111122223333
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
fail() { echo "cli scenario: $*" >&2; exit 1; }
as_root() { AWS_ACCESS_KEY_ID=$account AWS_SECRET_ACCESS_KEY=test "$aws_cli" --endpoint-url "$endpoint" "$@"; }

# Root creates alice, her keys and a policy letting her assume the builder role.
as_root iam create-user --user-name alice --output text --query User.Arn >/dev/null
read -r alice_key alice_secret < <(as_root iam create-access-key --user-name alice --output text \
  --query 'AccessKey.[AccessKeyId,SecretAccessKey]')
[[ $alice_key == AKIA* ]] || fail "access key id $alice_key"
policy_arn=$(as_root iam create-policy --policy-name assume-builder --output text --query Policy.Arn \
  --policy-document "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"arn:aws:iam::$account:role/builder\"}]}")
as_root iam attach-user-policy --user-name alice --policy-arn "$policy_arn"
as_root iam create-role --role-name builder --output text --query Role.Arn \
  --assume-role-policy-document "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$account:root\"},\"Action\":\"sts:AssumeRole\"}]}" >/dev/null
as_root iam put-role-policy --role-name builder --policy-name list-only \
  --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"imagebuilder:ListComponents","Resource":"*"}]}'

# Alice is who she says she is, and assumes the role.
arn=$(AWS_ACCESS_KEY_ID=$alice_key AWS_SECRET_ACCESS_KEY=$alice_secret "$aws_cli" --endpoint-url "$endpoint" \
  sts get-caller-identity --output text --query Arn)
[[ $arn == "arn:aws:iam::$account:user/alice" ]] || fail "alice is $arn"
read -r role_key role_secret role_token < <(AWS_ACCESS_KEY_ID=$alice_key AWS_SECRET_ACCESS_KEY=$alice_secret \
  "$aws_cli" --endpoint-url "$endpoint" sts assume-role --role-arn "arn:aws:iam::$account:role/builder" \
  --role-session-name cli --output text --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]')
[[ $role_key == ASIA* ]] || fail "role session key $role_key"
as_role() { AWS_ACCESS_KEY_ID=$role_key AWS_SECRET_ACCESS_KEY=$role_secret AWS_SESSION_TOKEN=$role_token "$aws_cli" --endpoint-url "$endpoint" "$@"; }
session=$(as_role sts get-caller-identity --output text --query Arn)
[[ $session == "arn:aws:sts::$account:assumed-role/builder/cli" ]] || fail "the session is $session"

# The role may list components (Amazon's are there) but not create one.
count=$(as_role imagebuilder list-components --owner Amazon --output text --query 'length(componentVersionList)')
[[ $count -gt 0 ]] || fail "no Amazon components listed"
set +e
out=$(as_role imagebuilder create-component --name denied --semantic-version 1.0.0 --platform Linux \
  --data $'name: denied\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands: ["echo hello"]\n' 2>&1)
status=$?
set -e
[[ $status -ne 0 ]] || fail "create-component was allowed"
want="AccessDeniedException"
[[ $out == *"$want"* ]] || fail "the denial does not say $want: $out"
want="User: arn:aws:sts::$account:assumed-role/builder/cli is not authorized to perform: imagebuilder:CreateComponent"
[[ $out == *"$want"* ]] || fail "the denial does not explain itself: $out"
# KMS: a key, and a round trip through encrypt and decrypt of a file.
key_id=$(as_root kms create-key --description cli --output text --query KeyMetadata.KeyId)
[[ $key_id =~ ^[0-9a-f-]{36}$ ]] || fail "create-key returned key id $key_id"
as_root kms create-alias --alias-name alias/cli --target-key-id "$key_id"
kms_dir=$(mktemp -d)
printf 'kms secret\n' >"$kms_dir/plain"
as_root kms encrypt --key-id alias/cli --plaintext "fileb://$kms_dir/plain" --encryption-context purpose=cli \
  --output text --query CiphertextBlob | base64 -d >"$kms_dir/blob"
decrypted=$(as_root kms decrypt --ciphertext-blob "fileb://$kms_dir/blob" --encryption-context purpose=cli \
  --output text --query Plaintext | base64 -d)
[[ $decrypted == "kms secret" ]] || fail "kms decrypt returned $decrypted"
set +e
out=$(as_root kms decrypt --ciphertext-blob "fileb://$kms_dir/blob" 2>&1)
status=$?
set -e
rm -rf "$kms_dir"
[[ $status -ne 0 && $out == *InvalidCiphertextException* ]] || fail "decrypt without the context: $out"
echo "cli scenario: ok ($("$aws_cli" --version 2>&1 | cut -d' ' -f1))"
