package emulator_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// stsEnv is an emulator with clients of accountA: IAM as the root user, STS
// as the IAM user "admin", allowed everything (root users cannot assume
// roles), and STS as the root user.
type stsEnv struct {
	emu     *emulator.Emulator
	iam     *iam.Client
	sts     *sts.Client
	rootSTS *sts.Client
	root    aws.Config
	admin   aws.Config
}

// adminARN is the ARN of the STS tests' admin user.
const adminARN = "arn:aws:iam::" + accountA + ":user/admin"

// startSTS starts an emulator (configured by configure) for the test.
func startSTS(t *testing.T, configure ...func(*emulator.Config)) *stsEnv {
	t.Helper()
	emu := emulatortest.Start(t, configure...)
	root := emu.AWSConfig(accountA)
	e := &stsEnv{emu: emu, iam: iamClient(t, root), rootSTS: stsClient(t, root), root: root}
	e.admin = e.user(t, "admin", allowAll)
	e.sts = stsClient(t, e.admin)
	return e
}

// user creates an IAM user of accountA with an inline policy (none when
// doc is "") and returns a configuration signing with its access key.
func (e *stsEnv) user(t *testing.T, name, doc string) aws.Config {
	t.Helper()
	ctx := testContext(t)
	if _, err := e.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	if doc != "" {
		if _, err := e.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatalf("PutUserPolicy %s: %v", name, err)
		}
	}
	key, err := e.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateAccessKey %s: %v", name, err)
	}
	return e.emu.AWSConfigWithCredentials(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
}

// role creates a role with a trust policy and an inline policy (none when
// doc is "") with the client c, and returns its ARN.
func mustRole(t *testing.T, c *iam.Client, name, trust, doc string, maxSession int32) string {
	t.Helper()
	ctx := testContext(t)
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}
	if maxSession != 0 {
		in.MaxSessionDuration = aws.Int32(maxSession)
	}
	out, err := c.CreateRole(ctx, in)
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	if doc != "" {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatalf("PutRolePolicy %s: %v", name, err)
		}
	}
	return aws.ToString(out.Role.Arn)
}

// trustPolicy trusts the principals (ARNs or account ids) for the actions.
func trustPolicy(principals []string, actions ...string) string {
	p, _ := json.Marshal(principals)
	a, _ := json.Marshal(actions)
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":` + string(p) + `},"Action":` + string(a) + `}]}`
}

// session is a configuration signing with temporary credentials.
func session(emu *emulator.Emulator, c *ststypes.Credentials) aws.Config {
	return emu.AWSConfigWithCredentials(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

// mustAssume assumes a role with the client and returns the answer.
func mustAssume(t *testing.T, c *sts.Client, in *sts.AssumeRoleInput) *sts.AssumeRoleOutput {
	t.Helper()
	out, err := c.AssumeRole(testContext(t), in)
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", aws.ToString(in.RoleArn), err)
	}
	return out
}

// whoAmI is GetCallerIdentity's Arn and UserId for cfg.
func whoAmI(t *testing.T, cfg aws.Config) (arn, userID string) {
	t.Helper()
	out, err := stsClient(t, cfg).GetCallerIdentity(testContext(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Arn), aws.ToString(out.UserId)
}

// ibClient is an Image Builder client for cfg, retries off.
func ibClient(t *testing.T, cfg aws.Config) *imagebuilder.Client {
	return newIB(testClientConfig(t, cfg))
}

// requestID is the request id of a failed call.
func requestID(t *testing.T, err error) string {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v carries no response", err)
	}
	return re.ServiceRequestID()
}

// encodedMessage is the encoded authorization message of a denied
// request, from the decision log.
func encodedMessage(t *testing.T, emu *emulator.Emulator, requestID string) string {
	t.Helper()
	resp, err := http.Get(emu.HTTPURL() + "/_emulator/decisions/" + requestID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var trace struct {
		Decisions []struct {
			EncodedMessage string `json:"encodedMessage"`
		} `json:"decisions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&trace); err != nil || len(trace.Decisions) == 0 || trace.Decisions[0].EncodedMessage == "" {
		t.Fatalf("decisions of %s: %+v, %v", requestID, trace, err)
	}
	return trace.Decisions[0].EncodedMessage
}

// manualClock is a clock the test moves.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *manualClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Policy documents of the STS tests.
const (
	allowAssumeAny  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	allowImageBuild = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["imagebuilder:*","sts:AssumeRole"],"Resource":"*"}]}`
)
