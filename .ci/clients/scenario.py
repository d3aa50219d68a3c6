"""boto3 against a running emulator: the CLI scenario through Python's SDK.

Usage: scenario.py ENDPOINT
"""
import json
import sys

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
print("boto3 scenario: ok (boto3 %s)" % boto3.__version__)
