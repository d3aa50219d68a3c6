package emulator_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSecretsNeverLogged runs a scenario with debug logging — an IAM
// user's access key, a session token from STS, calls with both, a call
// with a wrong secret — and checks that no secret key and no session token
// appears in the log or in an error message.
func TestSecretsNeverLogged(t *testing.T) {
	const rootSecret = "root-secret-7f3a9c"
	var logs lockedBuffer
	emu := emulatortest.Start(t, func(c *emulator.Config) {
		c.RootSecret = rootSecret
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	root := emu.AWSConfigWithCredentials(accountA, rootSecret, "")
	iamc := iam.NewFromConfig(root)
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("logged")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("logged"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["imagebuilder:ListComponents","sts:GetSessionToken"],"Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("logged")})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	user := emu.AWSConfigWithCredentials(id, secret, "")
	if _, err := imagebuilder.NewFromConfig(user).ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Fatal(err)
	}
	sess, err := sts.NewFromConfig(user).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := sess.Credentials
	tempSecret, token := aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)
	temp := emu.AWSConfigWithCredentials(aws.ToString(c.AccessKeyId), tempSecret, token)
	if _, err := imagebuilder.NewFromConfig(temp).ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		t.Fatal(err)
	}
	var errs []string
	// Denied, and wrongly signed: their messages must not echo secrets.
	if _, err := imagebuilder.NewFromConfig(temp).DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String("arn:aws:imagebuilder:us-east-1:" + accountA + ":component/x/1.0.0/1")}); err != nil {
		errs = append(errs, err.Error())
	}
	bad := emu.AWSConfigWithCredentials(id, secret+"x", "")
	if _, err := imagebuilder.NewFromConfig(bad).ListComponents(ctx, &imagebuilder.ListComponentsInput{}); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) != 2 {
		t.Fatalf("expected two refusals, got %v", errs)
	}
	text := logs.String() + strings.Join(errs, "\n")
	if !strings.Contains(text, "request") {
		t.Fatalf("debug logging produced nothing:\n%s", text)
	}
	for name, v := range map[string]string{"root secret": rootSecret, "user secret": secret, "temporary secret": tempSecret, "session token": token} {
		if strings.Contains(text, v) {
			t.Errorf("the %s appears in the logs or an error message", name)
		}
	}
}
