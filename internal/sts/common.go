package sts

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/authz"
	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/iam/policy"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// What the operations that issue credentials share: durations, session
// policies, session tags, MFA and the response shapes.

// call is the authenticated call in ctx and the enforcement layer's target,
// for an operation that needs the sealer and the IAM store.
func (s *Service) call(ctx context.Context) (*callctx.Call, *authz.Target, error) {
	if err := s.configured(); err != nil {
		return nil, nil, err
	}
	return call(ctx)
}

// call is the authenticated call in ctx and the enforcement layer's target.
func call(ctx context.Context) (*callctx.Call, *authz.Target, error) {
	c := callctx.From(ctx)
	if c == nil || c.Account == "" {
		return nil, nil, awserr.Internal(errNoCall)
	}
	return c, authz.TargetFrom(ctx), nil
}

// Errors of the Query protocol the model does not name.
func errValidation(msg string) *awserr.Error {
	return awserr.New("ValidationError", http.StatusBadRequest, msg)
}

func errInvalidParameter(msg string) *awserr.Error {
	return awserr.New("InvalidParameterValue", http.StatusBadRequest, msg)
}

func errPackedTooLarge(msg string) *awserr.Error { return stsv1.ErrPackedPolicyTooLarge("%s", msg) }

func accessDenied(msg string) *awserr.Error { return authz.AccessDenied(apimodel.AWSQuery, msg) }

// maxPolicyARNs is how many managed session policies one request may pass
// ("You can provide up to 10 managed policy ARNs").
const maxPolicyARNs = 10

// sessionPolicies validates the session policies of a request: the inline
// document as a session policy (its 2,048-character limit, then the
// grammar: MalformedPolicyDocument) and the managed policy ARNs, at most
// ten, each an AWS managed policy or a customer managed policy of account.
// It returns the document decoded and the ARNs.
func (s *Service) sessionPolicies(ctx context.Context, account string, doc *string, arns []*stsv1.PolicyDescriptorType) (string, []string, error) {
	text := ""
	if doc != nil {
		p, perr := policy.Validate(*doc, policy.ForSessionPolicy())
		if perr != nil {
			if perr.Code() == "MalformedPolicyDocument" {
				return "", nil, stsv1.ErrMalformedPolicyDocument("%s", perr.Message())
			}
			return "", nil, awserr.New(perr.Code(), perr.HTTPStatus(), perr.Message())
		}
		text = p.Text()
	}
	if len(arns) > maxPolicyARNs {
		return "", nil, errValidation("1 validation error detected: Value '[...]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	var out []string
	for _, d := range arns {
		a := d.GetArn()
		_, _, found, err := s.iam.ManagedPolicy(ctx, account, a)
		if err != nil {
			return "", nil, awserr.From(err)
		}
		if !found {
			// Wording borrowed from IAM's attach operations (not verified
			// against STS).
			return "", nil, errInvalidParameter("Policy " + a + " does not exist or is not attachable.")
		}
		out = append(out, a)
	}
	return text, out, nil
}

// tag is a session tag.
type tag struct{ key, value string }

// requestTags reads the request's session tags; keys must be unique
// regardless of case ("Tag key–value pairs are not case sensitive").
func requestTags(in []*stsv1.Tag) ([]tag, error) {
	out := make([]tag, 0, len(in))
	for _, t := range in {
		for _, o := range out {
			if strings.EqualFold(o.key, t.GetKey()) {
				return nil, errInvalidParameter("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
			}
		}
		out = append(out, tag{t.GetKey(), t.GetValue()})
	}
	return out, nil
}

func tagRecords(tags []tag) []*recordsv1.STSSessionTag {
	out := make([]*recordsv1.STSSessionTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, &recordsv1.STSSessionTag{Key: t.key, Value: t.value})
	}
	return out
}

// tagKeys are the condition keys session tags contribute to the decisions
// of a request: aws:RequestTag/KEY and aws:TagKeys.
func tagKeys(tags []tag) []authz.Key {
	if len(tags) == 0 {
		return nil
	}
	out := make([]authz.Key, 0, len(tags)+1)
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, stringKey("aws:RequestTag/"+t.key, t.value))
		names = append(names, t.key)
	}
	return append(out, authz.Key{Name: "aws:TagKeys", Type: policy.TypeString, Values: names, List: true})
}

func stringKey(name string, values ...string) authz.Key {
	return authz.Key{Name: name, Type: policy.TypeString, Values: values}
}

// duration resolves DurationSeconds: the default when absent.
func duration(seconds *int32, def time.Duration) time.Duration {
	if seconds == nil {
		return def
	}
	return time.Duration(*seconds) * time.Second
}

// mfaDevicePrefix starts the ARN of a virtual MFA device of an account.
func mfaDevicePrefix(account string) string { return "arn:aws:iam::" + account + ":mfa/" }

// checkMFA decides SerialNumber and TokenCode. The emulator has no MFA
// devices to check codes against, so it accepts, as the MFA of the caller,
// the ARN of a virtual MFA device of the caller's account
// (arn:aws:iam::ACCOUNT:mfa/NAME) with any six-digit code (the model
// checks the digits); any other serial number, or one of the two without
// the other, fails as AWS fails an MFA it cannot validate: AccessDenied.
// It reports whether the session is MFA-authenticated.
func checkMFA(account string, serial, code *string) (bool, error) {
	if serial == nil && code == nil {
		return false, nil
	}
	if serial == nil || code == nil {
		return false, accessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
	}
	name, ok := strings.CutPrefix(*serial, mfaDevicePrefix(account))
	if !ok || name == "" {
		return false, accessDenied("MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.")
	}
	return true, nil
}

// credentials is the response shape of issued credentials.
func credentials(is issued) *stsv1.Credentials {
	return &stsv1.Credentials{
		AccessKeyId:     ptr(is.AccessKeyID),
		SecretAccessKey: ptr(is.SecretAccessKey),
		SessionToken:    ptr(is.SessionToken),
		Expiration:      timestamp(is.Expiration),
	}
}

// sessionTimes are a session's issue and expiry times, in whole seconds as
// AWS reports them.
func sessionTimes(now time.Time, d time.Duration) (issued, expires int64) {
	issued = now.Unix()
	return issued, issued + int64(d/time.Second)
}

// callerSession is the session of the caller, nil for long-term keys.
func callerSession(c *callctx.Call) *auth.Session { return c.Principal.Session }
