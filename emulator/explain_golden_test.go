package emulator_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/explain")

// explainCases are typical denials; each returns the denied call's error.
var explainCases = map[string]func(t *testing.T, p *principals) error{
	"missing-action": func(t *testing.T, p *principals) error {
		arn := mustCreate(t, client(t, p.emu, accountA), createInput("explained", "1.0.0"))
		c, _ := p.user("lister", map[string]string{"list": `{"Version":"2012-10-17","Statement":[{"Sid":"List","Effect":"Allow","Action":"imagebuilder:ListComponents","Resource":"*"}]}`})
		_, err := c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		return err
	},
	"wrong-resource": func(t *testing.T, p *principals) error {
		arn := mustCreate(t, client(t, p.emu, accountA), createInput("explained", "1.0.0"))
		c, _ := p.user("narrow", map[string]string{"other": `{"Version":"2012-10-17","Statement":[{"Sid":"OtherComponents","Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":"arn:aws:imagebuilder:us-east-1:111122223333:component/other/*"}]}`})
		_, err := c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		return err
	},
	"tag-condition": func(t *testing.T, p *principals) error {
		in := createInput("explained", "1.0.0")
		in.Tags = map[string]string{"team": "red"}
		arn := mustCreate(t, client(t, p.emu, accountA), in)
		c, _ := p.user("blue", map[string]string{"blue": `{"Version":"2012-10-17","Statement":[{"Sid":"BlueTeam","Effect":"Allow","Action":"imagebuilder:GetComponent","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`})
		_, err := c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		return err
	},
	"explicit-deny": func(t *testing.T, p *principals) error {
		arn := mustCreate(t, client(t, p.emu, accountA), createInput("explained", "1.0.0"))
		c, _ := p.user("denied", map[string]string{"all": allowAll, "deny": `{"Version":"2012-10-17","Statement":[{"Sid":"NoReads","Effect":"Deny","Action":"imagebuilder:Get*","Resource":"*"}]}`})
		_, err := c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		return err
	},
	"permissions-boundary": func(t *testing.T, p *principals) error {
		arn := mustCreate(t, client(t, p.emu, accountA), createInput("explained", "1.0.0"))
		c, _ := p.user("bounded", map[string]string{"all": allowAll})
		b, err := p.root.CreatePolicy(p.ctx, &iam.CreatePolicyInput{PolicyName: aws.String("list-only"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"ListOnly","Effect":"Allow","Action":"imagebuilder:List*","Resource":"*"}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.root.PutUserPermissionsBoundary(p.ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("bounded"), PermissionsBoundary: b.Policy.Arn}); err != nil {
			t.Fatal(err)
		}
		_, err = c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		return err
	},
	"session-policy": func(t *testing.T, p *principals) error {
		arn := mustCreate(t, client(t, p.emu, accountA), createInput("explained", "1.0.0"))
		_, creds := p.user("assumer", map[string]string{"assume": allowAssumeAny})
		role := mustRole(t, p.root, "builder", trustPolicy([]string{"arn:aws:iam::" + accountA + ":user/assumer"}, "sts:AssumeRole"), allowAll, 0)
		out := mustAssume(t, stsClient(t, withKey(p.emu.AWSConfig(accountA), creds.AccessKeyID, creds.SecretAccessKey)), &sts.AssumeRoleInput{
			RoleArn: aws.String(role), RoleSessionName: aws.String("s1"),
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"ListOnly","Effect":"Allow","Action":"imagebuilder:List*","Resource":"*"}]}`),
		})
		_, err := ibClient(t, session(p.emu, out.Credentials)).GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		return err
	},
	"cross-account-identity": func(t *testing.T, p *principals) error {
		owner := client(t, p.emu, accountA)
		arn := mustCreate(t, owner, createInput("shared", "1.0.0"))
		mustPutComponentPolicy(t, owner, arn, `{"Version":"2012-10-17","Statement":[{"Sid":"ShareWithB","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+accountB+`:root"},"Action":"imagebuilder:GetComponent","Resource":"`+arn+`"}]}`)
		rootB := iamClient(t, p.emu.AWSConfig(accountB))
		c, _ := p.userIn(rootB, accountB, "consumer", map[string]string{"s3": `{"Version":"2012-10-17","Statement":[{"Sid":"S3Only","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`})
		_, err := c.GetComponent(p.ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
		return err
	},
	"missing-passrole": func(t *testing.T, p *principals) error {
		mustInstanceProfile(t, p.root, "builder")
		c, _ := p.user("infra", map[string]string{"ib": `{"Version":"2012-10-17","Statement":[{"Sid":"ImageBuilder","Effect":"Allow","Action":["imagebuilder:*","iam:GetInstanceProfile"],"Resource":"*"}]}`})
		_, err := c.CreateInfrastructureConfiguration(p.ctx, infraInput("infra"))
		return err
	},
	"kms-key-policy": func(t *testing.T, p *principals) error {
		key := mustKey(t, kmsClient(t, p.emu.AWSConfig(accountA)), keyPolicy(`{"Sid":"RootAdmin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+accountA+`:root"},"Action":"kms:PutKeyPolicy","Resource":"*"}`))
		_, creds := p.user("keyuser", map[string]string{"kms": `{"Version":"2012-10-17","Statement":[{"Sid":"AllKMS","Effect":"Allow","Action":"kms:*","Resource":"*"}]}`})
		c := kmsClient(t, withKey(p.emu.AWSConfig(accountA), creds.AccessKeyID, creds.SecretAccessKey))
		_, err := c.DescribeKey(p.ctx, &kms.DescribeKeyInput{KeyId: key.Arn})
		return err
	},
	"s3-bucket-policy": func(t *testing.T, p *principals) error {
		putS3Object(t, p.emu, accountA, "explained", "doc.yaml", "x")
		// The user first: a bucket policy must name principals that exist.
		_, creds := p.user("reader", map[string]string{"s3": `{"Version":"2012-10-17","Statement":[{"Sid":"AllS3","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`})
		root := emulatortest.S3Client(p.emu, p.emu.AWSConfig(accountA), true)
		if _, err := root.PutBucketPolicy(p.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("explained"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"NoReader","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + accountA + `:user/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::explained/*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		c := emulatortest.S3Client(p.emu, withKey(p.emu.AWSConfig(accountA), creds.AccessKeyID, creds.SecretAccessKey), true)
		_, err := c.GetObject(p.ctx, &s3.GetObjectInput{Bucket: aws.String("explained"), Key: aws.String("doc.yaml")})
		return err
	},
}

var (
	uuidRE    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRE    = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	uniqueIDs = regexp.MustCompile(`\b(AIDA|AROA|ASIA|AKIA)[A-Z0-9]{12,}`)
)

// normalize replaces what changes from run to run.
func normalize(s, requestID string) string {
	s = strings.ReplaceAll(s, requestID, "REQUEST_ID")
	s = uuidRE.ReplaceAllString(s, "UUID")
	s = timeRE.ReplaceAllString(s, "TIME")
	return uniqueIDs.ReplaceAllString(s, "${1}ID")
}

// The explanation of each typical denial, as `emulator explain` prints it,
// matches testdata/explain/NAME.txt (go test -run TestExplainGolden -update
// rewrites them).
func TestExplainGolden(t *testing.T) {
	t.Parallel()
	for name, setup := range explainCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPrincipals(t)
			err := setup(t, p)
			if err == nil {
				t.Fatal("the request was allowed")
			}
			id := anyRequestID(t, err)
			got := normalize(p.emu.Explain(id), id)
			if !strings.Contains(got, "Smallest change that would allow it") {
				t.Errorf("no fix suggested:\n%s", got)
			}
			path := filepath.Join("..", "testdata", "explain", name+".txt")
			if *updateGolden {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("explanation differs from %s (run with -update after checking):\n%s", path, got)
			}
		})
	}
}

// anyRequestID is the request id of a failed SDK call of any service.
func anyRequestID(t *testing.T, err error) string {
	t.Helper()
	type requestIDer interface{ ServiceRequestID() string }
	var re requestIDer
	for e := err; e != nil; {
		if r, ok := e.(requestIDer); ok {
			re = r
			break
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	if re == nil || re.ServiceRequestID() == "" {
		return requestID(t, err)
	}
	return re.ServiceRequestID()
}

var _ = emulator.DefaultRootSecret

// TestExplainFailedBuildGolden: a build whose instance role lacks
// AmazonSSMManagedInstanceCore ends FAILED; the CreateImage request id
// explains the check that failed, as testdata/explain/failed-build.txt.
func TestExplainFailedBuildGolden(t *testing.T) {
	t.Parallel()
	e := startBuilds(t)
	recipe, infra := e.pipelineParts(t, "nossm", "", "", ibInstance)
	_, id := e.create(t, &imagebuilder.CreateImageInput{ImageRecipeArn: aws.String(recipe), InfrastructureConfigurationArn: aws.String(infra)})
	e.run(t, 2*buildTime)
	got := normalize(e.emu.Explain(id), id)
	if !strings.Contains(got, "ssm:UpdateInstanceInformation") || !strings.Contains(got, "Smallest change that would allow it") {
		t.Fatalf("the explanation of the failed build does not show the SSM check and its fix:\n%s", got)
	}
	path := filepath.Join("..", "testdata", "explain", "failed-build.txt")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("explanation differs from %s (run with -update after checking):\n%s", path, got)
	}
}
