"""boto3 against a running emulator: the CLI scenario through Python's SDK,
with KMS, S3 and an Image Builder pipeline run to an AVAILABLE image.

Usage: scenario.py ENDPOINT
"""
import json
import sys
import time

import boto3
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1]
ACCOUNT = "111122223333"


def client(service, key, secret, token=None):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)


def check(cond, what):
    if not cond:
        sys.exit("boto3 scenario: " + what)


iam = client("iam", ACCOUNT, "test")
iam.create_user(UserName="bob")
key = iam.create_access_key(UserName="bob")["AccessKey"]
check(key["AccessKeyId"].startswith("AKIA"), "access key id " + key["AccessKeyId"])
doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                               "Resource": "arn:aws:iam::%s:role/reader" % ACCOUNT}]}
policy = iam.create_policy(PolicyName="assume-reader", PolicyDocument=json.dumps(doc))["Policy"]
iam.attach_user_policy(UserName="bob", PolicyArn=policy["Arn"])
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
                                                 "Action": "sts:AssumeRole"}]}
iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(trust))
iam.put_role_policy(RoleName="reader", PolicyName="list-only", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "imagebuilder:ListComponents", "Resource": "*"}]}))
listed = [u["UserName"] for u in iam.list_users()["Users"]]
check("bob" in listed, "list_users: %s" % listed)

bob_sts = client("sts", key["AccessKeyId"], key["SecretAccessKey"])
check(bob_sts.get_caller_identity()["Arn"] == "arn:aws:iam::%s:user/bob" % ACCOUNT, "bob's identity")
creds = bob_sts.assume_role(RoleArn="arn:aws:iam::%s:role/reader" % ACCOUNT, RoleSessionName="py")["Credentials"]
check(creds["AccessKeyId"].startswith("ASIA"), "session key " + creds["AccessKeyId"])

ib = client("imagebuilder", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
amazon = ib.list_components(owner="Amazon")["componentVersionList"]
check(len(amazon) > 0, "no Amazon components")
try:
    ib.create_component(name="denied", semanticVersion="1.0.0", platform="Linux",
                        data="name: denied\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands: [\"echo hello\"]\n")
    sys.exit("boto3 scenario: create_component was allowed")
except ClientError as e:
    err = e.response["Error"]
    check(err["Code"] == "AccessDeniedException", "code %s" % err["Code"])
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, "status")
    want = "User: arn:aws:sts::%s:assumed-role/reader/py is not authorized to perform: imagebuilder:CreateComponent" % ACCOUNT
    check(want in err["Message"], "message %r" % err["Message"])

# KMS: a key and an encrypt/decrypt round trip bound to a context; the
# context is part of the ciphertext's authentication.
kms = client("kms", ACCOUNT, "test")
key_id = kms.create_key(Description="boto3")["KeyMetadata"]["KeyId"]
blob = kms.encrypt(KeyId=key_id, Plaintext=b"boto3 secret", EncryptionContext={"purpose": "py"})["CiphertextBlob"]
out = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "py"})
check(out["Plaintext"] == b"boto3 secret" and out["KeyId"].endswith(key_id), "kms decrypt: %r" % out)
try:
    kms.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "other"})
    sys.exit("boto3 scenario: decrypt with another context succeeded")
except ClientError as e:
    check(e.response["Error"]["Code"] == "InvalidCiphertextException", "decrypt: %s" % e.response["Error"])

# S3: a round trip, a paginated listing, S3's error codes, and an SSE-KMS
# object under the key above. boto3 sends path-style requests to a custom
# endpoint.
s3 = client("s3", ACCOUNT, "test")
bucket = "boto3-scenario-bucket"
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello from boto3")
got = s3.get_object(Bucket=bucket, Key="hello.txt")
check(got["Body"].read() == b"hello from boto3", "get_object body")
check(got["ContentLength"] == 16, "ContentLength %s" % got["ContentLength"])
for i in range(7):
    s3.put_object(Bucket=bucket, Key="logs/%02d.log" % i, Body=b"line %d\n" % i)
pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="logs/", PaginationConfig={"PageSize": 3}))
keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
check(len(pages) == 3 and keys == ["logs/%02d.log" % i for i in range(7)], "paginated listing: %d pages, %s" % (len(pages), keys))
top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
check([p["Prefix"] for p in top.get("CommonPrefixes", [])] == ["logs/"], "common prefixes %s" % top.get("CommonPrefixes"))
for call, code, status in [(lambda: s3.get_object(Bucket=bucket, Key="missing"), "NoSuchKey", 404),
                           (lambda: s3.get_object(Bucket="no-such-bucket-here", Key="x"), "NoSuchBucket", 404),
                           (lambda: s3.create_bucket(Bucket="Bad_Name"), "InvalidBucketName", 400)]:
    try:
        call()
        sys.exit("boto3 scenario: %s did not happen" % code)
    except ClientError as e:
        check(e.response["Error"]["Code"] == code, "want %s, got %s" % (code, e.response["Error"]))
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == status, "%s status" % code)
put = s3.put_object(Bucket=bucket, Key="secret.bin", Body=b"sealed", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id)
check(put["ServerSideEncryption"] == "aws:kms" and put["SSEKMSKeyId"].endswith(key_id), "SSE-KMS put: %r" % put)
check(s3.get_object(Bucket=bucket, Key="secret.bin")["Body"].read() == b"sealed", "SSE-KMS get")
for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    objs = [{"Key": o["Key"]} for o in p.get("Contents", [])]
    if objs:
        deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": objs})
        check(len(deleted.get("Deleted", [])) == len(objs) and not deleted.get("Errors"), "delete_objects: %r" % deleted)
s3.delete_bucket(Bucket=bucket)
check(bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]], "the bucket is still listed")

# Image Builder: an instance profile with the managed policies, an
# infrastructure configuration, a recipe on Amazon Linux 2023 with Amazon's
# update-linux component, a pipeline, a run polled to AVAILABLE.
iam.create_role(RoleName="py-build-instance", AssumeRolePolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
for managed in ("AmazonSSMManagedInstanceCore", "EC2InstanceProfileForImageBuilder"):
    iam.attach_role_policy(RoleName="py-build-instance", PolicyArn="arn:aws:iam::aws:policy/" + managed)
iam.create_instance_profile(InstanceProfileName="py-build-instance")
iam.add_role_to_instance_profile(InstanceProfileName="py-build-instance", RoleName="py-build-instance")
builder = client("imagebuilder", ACCOUNT, "test")
infra = builder.create_infrastructure_configuration(name="py-infra", instanceProfileName="py-build-instance")["infrastructureConfigurationArn"]
recipe = builder.create_image_recipe(
    name="py-recipe", semanticVersion="1.0.0", parentImage="arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x",
    components=[{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}])["imageRecipeArn"]
pipeline = builder.create_image_pipeline(name="py-pipeline", imageRecipeArn=recipe, infrastructureConfigurationArn=infra)["imagePipelineArn"]
image = builder.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
check(image == "arn:aws:imagebuilder:us-east-1:%s:image/py-recipe/1.0.0/1" % ACCOUNT, "start_image_pipeline_execution: " + image)
state = {}
for _ in range(60):
    state = builder.get_image(imageBuildVersionArn=image)["image"]["state"]
    if state["status"] in ("AVAILABLE", "FAILED"):
        break
    time.sleep(0.5)
check(state["status"] == "AVAILABLE", "the pipeline's image: %r" % state)
listed = [i["arn"] for i in builder.list_image_pipeline_images(imagePipelineArn=pipeline)["imageSummaryList"]]
check(listed == [image], "list_image_pipeline_images: %s" % listed)
print("boto3 scenario: ok (boto3 %s)" % boto3.__version__)
