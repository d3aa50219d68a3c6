package query

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

func TestSTSAssumeRoleThroughSDK(t *testing.T) {
	for _, expiration := range []time.Time{
		time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC),
		time.Date(2030, 5, 6, 7, 8, 9, 456_000_000, time.UTC),
	} {
		f, srv := startFake(t, stsv1.Model(), func(*apimodel.Operation, proto.Message) (proto.Message, *awserr.Error) {
			return &stsv1.AssumeRoleResponse{
				Credentials: &stsv1.Credentials{
					AccessKeyId:     proto.String("ASIAEXAMPLE"),
					SecretAccessKey: proto.String("secret/+="),
					SessionToken:    proto.String("token" + strings.Repeat("x", 400)),
					Expiration:      timestamppb.New(expiration),
				},
				AssumedRoleUser: &stsv1.AssumedRoleUser{
					AssumedRoleId: proto.String("AROAEXAMPLE:sess"),
					Arn:           proto.String("arn:aws:sts::123456789012:assumed-role/r/sess"),
				},
				PackedPolicySize: proto.Int32(6),
				SourceIdentity:   proto.String("alice"),
			}, nil
		})
		out, err := stsClient(srv.URL).AssumeRole(context.Background(), &sts.AssumeRoleInput{
			RoleArn:         aws.String("arn:aws:iam::123456789012:role/r"),
			RoleSessionName: aws.String("sess"),
			PolicyArns: []types.PolicyDescriptorType{
				{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")},
				{Arn: aws.String("arn:aws:iam::123456789012:policy/p")},
			},
			Policy:            aws.String(`{"Version":"2012-10-17"}`),
			DurationSeconds:   aws.Int32(900),
			Tags:              []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}},
			TransitiveTagKeys: []string{"team"},
			ExternalId:        aws.String("ext"),
			SerialNumber:      aws.String("arn:aws:iam::123456789012:mfa/alice"),
			TokenCode:         aws.String("123456"),
			SourceIdentity:    aws.String("alice"),
			ProvidedContexts: []types.ProvidedContext{{
				ProviderArn: aws.String("arn:aws:iam::aws:contextProvider/IdentityCenter"), ContextAssertion: aws.String("assertion"),
			}},
			// Newer than the model the emulator is built from: sent, and
			// ignored like any parameter that names no member.
			MinimumSessionTokenSize: aws.Int32(2048),
		})
		if err != nil {
			t.Fatalf("AssumeRole: %v", err)
		}
		f.wantInput(t, "AssumeRole", &stsv1.AssumeRoleRequest{
			RoleArn:         proto.String("arn:aws:iam::123456789012:role/r"),
			RoleSessionName: proto.String("sess"),
			PolicyArns: []*stsv1.PolicyDescriptorType{
				{Arn: proto.String("arn:aws:iam::aws:policy/ReadOnlyAccess")},
				{Arn: proto.String("arn:aws:iam::123456789012:policy/p")},
			},
			Policy:            proto.String(`{"Version":"2012-10-17"}`),
			DurationSeconds:   proto.Int32(900),
			Tags:              []*stsv1.Tag{{Key: proto.String("team"), Value: proto.String("blue")}},
			TransitiveTagKeys: []string{"team"},
			ExternalId:        proto.String("ext"),
			SerialNumber:      proto.String("arn:aws:iam::123456789012:mfa/alice"),
			TokenCode:         proto.String("123456"),
			SourceIdentity:    proto.String("alice"),
			ProvidedContexts: []*stsv1.ProvidedContext{{
				ProviderArn: proto.String("arn:aws:iam::aws:contextProvider/IdentityCenter"), ContextAssertion: proto.String("assertion"),
			}},
		})
		c := out.Credentials
		if c == nil {
			t.Fatal("no Credentials")
		}
		checkStr(t, "AccessKeyId", c.AccessKeyId, "ASIAEXAMPLE")
		checkStr(t, "SecretAccessKey", c.SecretAccessKey, "secret/+=")
		checkStr(t, "SessionToken", c.SessionToken, "token"+strings.Repeat("x", 400))
		checkTime(t, "Expiration", c.Expiration, expiration)
		checkStr(t, "AssumedRoleId", out.AssumedRoleUser.AssumedRoleId, "AROAEXAMPLE:sess")
		checkStr(t, "Arn", out.AssumedRoleUser.Arn, "arn:aws:sts::123456789012:assumed-role/r/sess")
		if out.PackedPolicySize == nil || *out.PackedPolicySize != 6 {
			t.Errorf("PackedPolicySize = %v", out.PackedPolicySize)
		}
		checkStr(t, "SourceIdentity", out.SourceIdentity, "alice")
	}
}

func TestSTSErrorsThroughSDK(t *testing.T) {
	var next *awserr.Error
	_, srv := startFake(t, stsv1.Model(), func(*apimodel.Operation, proto.Message) (proto.Message, *awserr.Error) {
		return nil, next
	})
	c := stsClient(srv.URL)
	ctx := context.Background()
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s")}

	next = awserr.New("MalformedPolicyDocument", http.StatusBadRequest, "Syntax errors in policy.")
	_, err := c.AssumeRole(ctx, in)
	var mpd *types.MalformedPolicyDocumentException
	if !errors.As(err, &mpd) || mpd.ErrorMessage() != "Syntax errors in policy." {
		t.Errorf("error %T %v, want *types.MalformedPolicyDocumentException", err, err)
	}

	next = awserr.New("ExpiredTokenException", http.StatusBadRequest, "The security token included in the request is expired")
	_, err = c.AssumeRole(ctx, in)
	var ete *types.ExpiredTokenException
	if !errors.As(err, &ete) || ete.ErrorMessage() != "The security token included in the request is expired" {
		t.Errorf("error %T %v, want *types.ExpiredTokenException", err, err)
	}
	checkRequest(t, err, http.StatusBadRequest)
}
