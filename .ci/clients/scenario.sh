#!/usr/bin/env bash
# The AWS CLI against a running emulator: create a user and its keys, attach
# a policy, assume a role, list components, a denial with its message, a
# KMS key with an encrypt/decrypt round trip, S3 (buckets, small and
# multipart copies, a bucket policy, SSE-KMS, cleanup), and an Image Builder
# pipeline run to an AVAILABLE image (the emulator must build in seconds:
# .ci/clients/run passes --build-time 2s).
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

# S3: a bucket, small and multipart (20 MiB > the CLI's 8 MiB threshold)
# copies up and down, a bucket policy letting alice read, SSE-KMS objects
# (a customer key and the AWS managed key alias/aws/s3), then cleanup. The
# CLI sends path-style requests to a custom endpoint (http://HOST:PORT/BUCKET).
bucket=cli-scenario-bucket
s3_dir=$(mktemp -d)
trap 'rm -rf "$s3_dir"' EXIT
[[ $(as_root s3 mb "s3://$bucket") == "make_bucket: $bucket" ]] || fail "s3 mb"
printf 'small object\n' >"$s3_dir/small"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$s3_dir/big"
as_root s3 cp "$s3_dir/small" "s3://$bucket/docs/small.txt" --only-show-errors
as_root s3 cp "$s3_dir/big" "s3://$bucket/big.bin" --only-show-errors
as_root s3 cp "s3://$bucket/docs/small.txt" "$s3_dir/small.down" --only-show-errors
as_root s3 cp "s3://$bucket/big.bin" "$s3_dir/big.down" --only-show-errors
cmp -s "$s3_dir/small" "$s3_dir/small.down" || fail "s3 cp of a small file did not round-trip"
cmp -s "$s3_dir/big" "$s3_dir/big.down" || fail "s3 cp of a 20 MiB file did not round-trip"
etag=$(as_root s3api head-object --bucket "$bucket" --key big.bin --output text --query ETag)
[[ $etag == *'-3"' ]] || fail "the 20 MiB upload was not a 3-part multipart upload: ETag $etag"
listing=$(as_root s3 ls)
[[ $listing == *" $bucket"* ]] || fail "s3 ls does not list the bucket: $listing"
listing=$(as_root s3 ls "s3://$bucket/" --recursive)
[[ $listing == *"20971520 big.bin"* && $listing == *"13 docs/small.txt"* ]] || fail "s3 ls of the bucket: $listing"

# Alice has no S3 permission of her own: denied until the bucket policy
# names her.
as_alice() { AWS_ACCESS_KEY_ID=$alice_key AWS_SECRET_ACCESS_KEY=$alice_secret "$aws_cli" --endpoint-url "$endpoint" "$@"; }
set +e
out=$(as_alice s3 cp "s3://$bucket/docs/small.txt" "$s3_dir/alice" 2>&1)
status=$?
set -e
[[ $status -ne 0 && $out == *403* ]] || fail "alice read without the bucket policy: $out"
bucket_policy="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AliceReads\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$account:user/alice\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::$bucket/docs/*\"}]}"
as_root s3api put-bucket-policy --bucket "$bucket" --policy "$bucket_policy"
got=$(as_root s3api get-bucket-policy --bucket "$bucket" --output text --query Policy)
[[ $got == *'"Sid":"AliceReads"'* || $got == *'"Sid": "AliceReads"'* ]] || fail "get-bucket-policy: $got"
as_alice s3 cp "s3://$bucket/docs/small.txt" "$s3_dir/alice" --only-show-errors
cmp -s "$s3_dir/small" "$s3_dir/alice" || fail "alice's download differs"

# SSE-KMS with the customer key, and with the AWS managed key for S3.
read -r sse kms_arn < <(as_root s3api put-object --bucket "$bucket" --key secret.txt --body "$s3_dir/small" \
  --server-side-encryption aws:kms --ssekms-key-id alias/cli --output text --query '[ServerSideEncryption,SSEKMSKeyId]')
[[ $sse == aws:kms && $kms_arn == "arn:aws:kms:us-east-1:$account:key/$key_id" ]] || fail "put-object with SSE-KMS: $sse $kms_arn"
as_root s3 cp "s3://$bucket/secret.txt" "$s3_dir/secret.down" --only-show-errors
cmp -s "$s3_dir/small" "$s3_dir/secret.down" || fail "the SSE-KMS object did not round-trip"
read -r sse kms_arn < <(as_root s3api put-object --bucket "$bucket" --key managed.txt --body "$s3_dir/small" \
  --server-side-encryption aws:kms --output text --query '[ServerSideEncryption,SSEKMSKeyId]')
manager=$(as_root kms describe-key --key-id alias/aws/s3 --output text --query '[KeyMetadata.Arn,KeyMetadata.KeyManager]')
[[ $sse == aws:kms && $manager == "$kms_arn	AWS" ]] || fail "SSE-KMS with the AWS managed key: $sse $kms_arn, $manager"

# Cleanup: rb refuses a bucket that is not empty.
set +e
out=$(as_root s3 rb "s3://$bucket" 2>&1)
status=$?
set -e
[[ $status -ne 0 && $out == *BucketNotEmpty* ]] || fail "rb of a non-empty bucket: $out"
as_root s3 rm "s3://$bucket/docs/small.txt" --only-show-errors
as_root s3 rm "s3://$bucket" --recursive --only-show-errors
[[ $(as_root s3 rb "s3://$bucket") == "remove_bucket: $bucket" ]] || fail "s3 rb"
# With no bucket left, `s3 ls` still works: the answer holds an empty <Buckets/>.
[[ $(as_root s3 ls) != *"$bucket"* ]] || fail "the bucket is still listed"

# Image Builder: a component, a recipe on Amazon Linux 2023 from the
# catalogue, an instance profile whose role has the managed policies, the
# infrastructure and distribution configurations, a pipeline, a run, and
# its image polled to AVAILABLE.
component=$(as_root imagebuilder create-component --name cli-hello --semantic-version 1.0.0 --platform Linux \
  --data $'name: cli-hello\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands: ["echo hello"]\n' \
  --output text --query componentBuildVersionArn)
[[ $component == "arn:aws:imagebuilder:us-east-1:$account:component/cli-hello/1.0.0/1" ]] || fail "create-component: $component"
recipe=$(as_root imagebuilder create-image-recipe --name cli-recipe --semantic-version 1.0.0 \
  --parent-image "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x" \
  --components "componentArn=$component" --output text --query imageRecipeArn)
[[ $recipe == "arn:aws:imagebuilder:us-east-1:$account:image-recipe/cli-recipe/1.0.0" ]] || fail "create-image-recipe: $recipe"
as_root iam create-role --role-name cli-build-instance --output text --query Role.Arn \
  --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
for managed in AmazonSSMManagedInstanceCore EC2InstanceProfileForImageBuilder; do
  as_root iam attach-role-policy --role-name cli-build-instance --policy-arn "arn:aws:iam::aws:policy/$managed"
done
as_root iam create-instance-profile --instance-profile-name cli-build-instance >/dev/null
as_root iam add-role-to-instance-profile --instance-profile-name cli-build-instance --role-name cli-build-instance
infra=$(as_root imagebuilder create-infrastructure-configuration --name cli-infra \
  --instance-profile-name cli-build-instance --output text --query infrastructureConfigurationArn)
dist=$(as_root imagebuilder create-distribution-configuration --name cli-dist \
  --distributions '[{"region":"us-east-1","amiDistributionConfiguration":{"name":"cli-{{ imagebuilder:buildDate }}"}}]' \
  --output text --query distributionConfigurationArn)
pipeline=$(as_root imagebuilder create-image-pipeline --name cli-pipeline --image-recipe-arn "$recipe" \
  --infrastructure-configuration-arn "$infra" --distribution-configuration-arn "$dist" \
  --output text --query imagePipelineArn)
[[ $pipeline == "arn:aws:imagebuilder:us-east-1:$account:image-pipeline/cli-pipeline" ]] || fail "create-image-pipeline: $pipeline"
image=$(as_root imagebuilder start-image-pipeline-execution --image-pipeline-arn "$pipeline" \
  --output text --query imageBuildVersionArn)
[[ $image == "arn:aws:imagebuilder:us-east-1:$account:image/cli-recipe/1.0.0/1" ]] || fail "start-image-pipeline-execution: $image"
state=""
for _ in $(seq 1 60); do
  state=$(as_root imagebuilder get-image --image-build-version-arn "$image" --output text --query image.state.status)
  [[ $state == AVAILABLE || $state == FAILED ]] && break
  sleep 0.5
done
[[ $state == AVAILABLE ]] || fail "the pipeline's image is $state: $(as_root imagebuilder get-image --image-build-version-arn "$image" --output text --query image.state.reason)"
ami=$(as_root imagebuilder get-image --image-build-version-arn "$image" --output text --query 'image.outputResources.amis[0].image')
[[ $ami == ami-* ]] || fail "the image's AMI is $ami"
listed=$(as_root imagebuilder list-image-pipeline-images --image-pipeline-arn "$pipeline" --output text --query 'imageSummaryList[].arn')
[[ $listed == "$image" ]] || fail "list-image-pipeline-images: $listed"
echo "cli scenario: ok ($("$aws_cli" --version 2>&1 | cut -d' ' -f1))"
