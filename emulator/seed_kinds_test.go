package emulator_test

import (
	"io"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// everyKindSeed declares an entry of every kind, with the optional members
// each request carries: paths, descriptions, tags, a session duration,
// group memberships, inline and managed policies, a bucket outside
// us-east-1 with a policy, an object whose key needs escaping, a KMS key
// with tags and aliases, and a component whose members are written in
// another case and without a clientToken.
const everyKindSeed = `
region: eu-west-1
accounts:
  - id: "444444444444"
    iam:
      policies:
        - name: Reader
          path: /team/
          description: reads things
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}
      groups:
        - name: devs
          path: /team/
          managedPolicies: ["arn:aws:iam::444444444444:policy/team/Reader"]
          inlinePolicies:
            Extra: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:ListBucket", Resource: "*"}]}
      users:
        - name: dana
          path: /people/
          tags: {team: blue, cost: "42"}
          groups: [devs]
          accessKeys: [{id: AKIAKINDS00000000001, secret: kinds-secret-0000000000000001}]
          inlinePolicies:
            Own: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "sts:GetCallerIdentity", Resource: "*"}]}
      roles:
        - name: builder
          description: builds images
          maxSessionDuration: 7200
          tags: {purpose: build}
          trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}]}
          managedPolicies: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
      instanceProfiles:
        - {name: builder, roles: [builder]}
    kms:
      keys:
        - id: 4444aaaa-44aa-44aa-44aa-4444aaaa4444
          description: images
          tags: {team: blue}
          aliases: [alias/kinds, alias/kinds-2]
    s3:
      buckets:
        - name: kinds-bucket
          policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::444444444444:root"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::kinds-bucket/*"}]}
          objects:
            - {key: "docs/a b+c=d&e.yaml", content: "hello", contentType: text/yaml}
    imagebuilder:
      components:
        - {Name: kinds, SemanticVersion: 1.0.0, Platform: Linux, Data: "name: kinds\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: s\n        action: ExecuteBash\n        inputs:\n          commands: [echo hi]\n", Tags: {team: blue}}
`

// TestSeedEveryKindOfEntry: every kind of entry a seed declares is created
// with its optional members, and applying the seed again changes nothing.
func TestSeedEveryKindOfEntry(t *testing.T) {
	t.Parallel()
	seed, err := emulator.ParseSeed([]byte(everyKindSeed))
	if err != nil {
		t.Fatal(err)
	}
	emu := emulatortest.Start(t)
	ctx := testContext(t)
	if err := emu.ApplySeed(ctx, seed); err != nil {
		t.Fatalf("apply: %v", err)
	}
	cfg := emu.AWSConfig("444444444444")
	cfg.Region = "eu-west-1"
	im, km, ib := iam.NewFromConfig(cfg), kms.NewFromConfig(cfg), imagebuilder.NewFromConfig(cfg)
	sc := emulatortest.S3Client(emu, cfg, true)

	check := func() {
		t.Helper()
		p, err := im.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::444444444444:policy/team/Reader")})
		if err != nil || aws.ToString(p.Policy.Description) != "reads things" {
			t.Errorf("policy: %v %+v", err, p)
		}
		g, err := im.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs")})
		if err != nil || aws.ToString(g.Group.Path) != "/team/" || len(g.Users) != 1 || aws.ToString(g.Users[0].UserName) != "dana" {
			t.Errorf("group: %v %+v", err, g)
		}
		if gp, err := im.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: aws.String("devs")}); err != nil || !slices.Equal(gp.PolicyNames, []string{"Extra"}) {
			t.Errorf("group inline policies: %v %+v", err, gp)
		}
		u, err := im.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("dana")})
		if err != nil || aws.ToString(u.User.Path) != "/people/" || len(u.User.Tags) != 2 {
			t.Errorf("user: %v %+v", err, u)
		}
		if k, err := im.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("dana")}); err != nil || len(k.AccessKeyMetadata) != 1 || aws.ToString(k.AccessKeyMetadata[0].AccessKeyId) != "AKIAKINDS00000000001" {
			t.Errorf("access keys: %v %+v", err, k)
		}
		r, err := im.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("builder")})
		if err != nil || aws.ToInt32(r.Role.MaxSessionDuration) != 7200 || aws.ToString(r.Role.Description) != "builds images" || len(r.Role.Tags) != 1 {
			t.Errorf("role: %v %+v", err, r)
		}
		if ar, err := im.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("builder")}); err != nil || len(ar.AttachedPolicies) != 1 {
			t.Errorf("role policies: %v %+v", err, ar)
		}
		ip, err := im.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("builder")})
		if err != nil || len(ip.InstanceProfile.Roles) != 1 {
			t.Errorf("instance profile: %v %+v", err, ip)
		}
		k, err := km.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/kinds-2")})
		if err != nil || aws.ToString(k.KeyMetadata.KeyId) != "4444aaaa-44aa-44aa-44aa-4444aaaa4444" || aws.ToString(k.KeyMetadata.Description) != "images" {
			t.Errorf("key: %v %+v", err, k)
		}
		if tags, err := km.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String("4444aaaa-44aa-44aa-44aa-4444aaaa4444")}); err != nil || len(tags.Tags) != 1 {
			t.Errorf("key tags: %v %+v", err, tags)
		}
		if keys, err := km.ListKeys(ctx, &kms.ListKeysInput{}); err != nil || len(keys.Keys) != 1 {
			t.Errorf("keys: %v %+v", err, keys)
		}
		loc, err := sc.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("kinds-bucket")})
		if err != nil || string(loc.LocationConstraint) != "eu-west-1" {
			t.Errorf("bucket location: %v %+v", err, loc)
		}
		if _, err := sc.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("kinds-bucket")}); err != nil {
			t.Errorf("bucket policy: %v", err)
		}
		o, err := sc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kinds-bucket"), Key: aws.String("docs/a b+c=d&e.yaml")})
		if err != nil {
			t.Fatalf("object: %v", err)
		}
		body, _ := io.ReadAll(o.Body)
		o.Body.Close()
		if string(body) != "hello" || aws.ToString(o.ContentType) != "text/yaml" {
			t.Errorf("object: %q %q", body, aws.ToString(o.ContentType))
		}
		cs, err := ib.ListComponentBuildVersions(ctx, &imagebuilder.ListComponentBuildVersionsInput{ComponentVersionArn: aws.String("arn:aws:imagebuilder:eu-west-1:444444444444:component/kinds/1.0.0")})
		if err != nil || len(cs.ComponentSummaryList) != 1 || cs.ComponentSummaryList[0].Tags["team"] != "blue" {
			t.Errorf("component: %v %+v", err, cs)
		}
	}
	check()
	head := func() string {
		h, err := sc.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("kinds-bucket"), Key: aws.String("docs/a b+c=d&e.yaml")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToTime(h.LastModified).String()
	}
	before := head()
	if err := emu.ApplySeed(ctx, seed); err != nil {
		t.Fatalf("apply again: %v", err)
	}
	check()
	if after := head(); after != before {
		t.Errorf("applying again rewrote the object: %s, then %s", before, after)
	}
}
