package query

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

var (
	created  = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	lastUsed = time.Date(2024, 6, 7, 8, 9, 10, 123_000_000, time.UTC)
)

// A string with every character class the XML writer has to treat.
const awkward = `a&b<c>d"e'f` + "\r\n\tg ü 日本 😀"

func TestIAMCreateUserThroughSDK(t *testing.T) {
	ctx := context.Background()
	// Twelve tags: the SDK sorts parameter names as strings, so
	// Tags.member.10 arrives before Tags.member.2.
	var sdkTags []types.Tag
	var protoTags []*iamv1.Tag
	for i := 1; i <= 12; i++ {
		k, v := fmt.Sprintf("key-%02d", i), fmt.Sprintf("value %d &=+/%%", i)
		sdkTags = append(sdkTags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		protoTags = append(protoTags, &iamv1.Tag{Key: proto.String(k), Value: proto.String(v)})
	}
	user := &iamv1.User{
		Path:             proto.String("/engineering/"),
		UserName:         proto.String("alice"),
		UserId:           proto.String("AIDAEXAMPLE1234567890"),
		Arn:              proto.String("arn:aws:iam::123456789012:user/engineering/alice"),
		CreateDate:       timestamppb.New(created),
		PasswordLastUsed: timestamppb.New(lastUsed),
		PermissionsBoundary: &iamv1.AttachedPermissionsBoundary{
			PermissionsBoundaryType: proto.String("PermissionsBoundaryPolicy"),
			PermissionsBoundaryArn:  proto.String("arn:aws:iam::123456789012:policy/boundary"),
		},
		Tags: protoTags,
	}
	f, srv := startFake(t, iamv1.Model(), func(op *apimodel.Operation, in proto.Message) (proto.Message, *awserr.Error) {
		return &iamv1.CreateUserResponse{User: user}, nil
	})

	out, err := iamClient(srv.URL).CreateUser(ctx, &iam.CreateUserInput{
		Path:                aws.String("/engineering/"),
		UserName:            aws.String("alice"),
		PermissionsBoundary: aws.String("arn:aws:iam::123456789012:policy/boundary"),
		Tags:                sdkTags,
	})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	f.wantInput(t, "CreateUser", &iamv1.CreateUserRequest{
		Path:                proto.String("/engineering/"),
		UserName:            proto.String("alice"),
		PermissionsBoundary: proto.String("arn:aws:iam::123456789012:policy/boundary"),
		Tags:                protoTags,
	})

	u := out.User
	if u == nil {
		t.Fatal("no User in output")
	}
	checkStr(t, "Path", u.Path, "/engineering/")
	checkStr(t, "UserName", u.UserName, "alice")
	checkStr(t, "UserId", u.UserId, "AIDAEXAMPLE1234567890")
	checkStr(t, "Arn", u.Arn, "arn:aws:iam::123456789012:user/engineering/alice")
	checkTime(t, "CreateDate", u.CreateDate, created)
	checkTime(t, "PasswordLastUsed", u.PasswordLastUsed, lastUsed)
	if u.PermissionsBoundary == nil || u.PermissionsBoundary.PermissionsBoundaryType != types.PermissionsBoundaryAttachmentTypePolicy {
		t.Errorf("PermissionsBoundary = %+v", u.PermissionsBoundary)
	} else {
		checkStr(t, "PermissionsBoundaryArn", u.PermissionsBoundary.PermissionsBoundaryArn, "arn:aws:iam::123456789012:policy/boundary")
	}
	if len(u.Tags) != len(sdkTags) {
		t.Fatalf("got %d tags, want %d", len(u.Tags), len(sdkTags))
	}
	for i := range sdkTags {
		checkStr(t, "Tag key", u.Tags[i].Key, *sdkTags[i].Key)
		checkStr(t, "Tag value", u.Tags[i].Value, *sdkTags[i].Value)
	}
	body := f.lastBody()
	for _, want := range []string{
		`<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateUserResult><User><Path>/engineering/</Path>`,
		`<CreateDate>2024-01-02T03:04:05Z</CreateDate><PasswordLastUsed>2024-06-07T08:09:10.123Z</PasswordLastUsed>`,
		`</User></CreateUserResult><ResponseMetadata><RequestId>` + testRequestID + `</RequestId></ResponseMetadata></CreateUserResponse>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("response body lacks %s\nbody: %s", want, body)
		}
	}
}

func TestIAMEmptyListThroughSDK(t *testing.T) {
	f, srv := startFake(t, iamv1.Model(), func(*apimodel.Operation, proto.Message) (proto.Message, *awserr.Error) {
		return &iamv1.CreateUserResponse{User: &iamv1.User{UserName: proto.String("bob")}}, nil
	})
	// An empty, non-nil slice goes on the wire as "Tags=".
	_, err := iamClient(srv.URL).CreateUser(context.Background(), &iam.CreateUserInput{
		UserName: aws.String("bob"),
		Tags:     []types.Tag{},
	})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	f.wantInput(t, "CreateUser", &iamv1.CreateUserRequest{UserName: proto.String("bob")})
}

func TestIAMGetUserEscapingThroughSDK(t *testing.T) {
	f, srv := startFake(t, iamv1.Model(), func(*apimodel.Operation, proto.Message) (proto.Message, *awserr.Error) {
		return &iamv1.GetUserResponse{User: &iamv1.User{
			UserName:   proto.String(awkward),
			Path:       proto.String("/"),
			CreateDate: timestamppb.New(created),
		}}, nil
	})
	out, err := iamClient(srv.URL).GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String(awkward)})
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	f.wantInput(t, "GetUser", &iamv1.GetUserRequest{UserName: proto.String(awkward)})
	checkStr(t, "UserName", out.User.UserName, awkward)
	checkStr(t, "Path", out.User.Path, "/")
	checkTime(t, "CreateDate", out.User.CreateDate, created)
	if out.User.Arn != nil || out.User.Tags != nil || out.User.PermissionsBoundary != nil {
		t.Errorf("unset members came back: %+v", out.User)
	}
}

func TestIAMListUsersThroughSDK(t *testing.T) {
	var users []*iamv1.User
	for i := range 3 {
		name := fmt.Sprintf("user%d", i)
		users = append(users, &iamv1.User{
			Path: proto.String("/"), UserName: proto.String(name), UserId: proto.String("AIDA" + name),
			Arn: proto.String("arn:aws:iam::123456789012:user/" + name), CreateDate: timestamppb.New(created.Add(time.Duration(i) * time.Hour)),
		})
	}
	f, srv := startFake(t, iamv1.Model(), func(*apimodel.Operation, proto.Message) (proto.Message, *awserr.Error) {
		return &iamv1.ListUsersResponse{Users: users, IsTruncated: proto.Bool(true), Marker: proto.String("next+page/=")}, nil
	})
	out, err := iamClient(srv.URL).ListUsers(context.Background(), &iam.ListUsersInput{
		PathPrefix: aws.String("/"), Marker: aws.String("prev page"), MaxItems: aws.Int32(3),
	})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	f.wantInput(t, "ListUsers", &iamv1.ListUsersRequest{
		PathPrefix: proto.String("/"), Marker: proto.String("prev page"), MaxItems: proto.Int32(3),
	})
	if !out.IsTruncated {
		t.Error("IsTruncated = false")
	}
	checkStr(t, "Marker", out.Marker, "next+page/=")
	if len(out.Users) != 3 {
		t.Fatalf("got %d users", len(out.Users))
	}
	for i, u := range out.Users {
		checkStr(t, "UserName", u.UserName, users[i].GetUserName())
		checkStr(t, "UserId", u.UserId, users[i].GetUserId())
		checkStr(t, "Arn", u.Arn, users[i].GetArn())
		checkTime(t, "CreateDate", u.CreateDate, users[i].GetCreateDate().AsTime())
	}
}

func TestIAMSimulateCustomPolicyThroughSDK(t *testing.T) {
	pos := func(line, col int32) *iamv1.Position {
		return &iamv1.Position{Line: proto.Int32(line), Column: proto.Int32(col)}
	}
	reply := &iamv1.SimulatePolicyResponse{
		EvaluationResults: []*iamv1.EvaluationResult{{
			EvalActionName:   proto.String("s3:GetObject"),
			EvalResourceName: proto.String("arn:aws:s3:::bucket/*"),
			EvalDecision:     proto.String("allowed"),
			MatchedStatements: []*iamv1.Statement{{
				SourcePolicyId: proto.String("PolicyInputList.1"), SourcePolicyType: proto.String("user"),
				StartPosition: pos(1, 2), EndPosition: pos(3, 40),
			}},
			MissingContextValues:              []string{"aws:SourceIp", "aws:username"},
			OrganizationsDecisionDetail:       &iamv1.OrganizationsDecisionDetail{AllowedByOrganizations: proto.Bool(true)},
			PermissionsBoundaryDecisionDetail: &iamv1.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: proto.Bool(false)},
			EvalDecisionDetails:               map[string]string{"IAM Policy": "allowed", "Permissions Boundary Policy": "implicitDeny"},
			ResourceSpecificResults: []*iamv1.ResourceSpecificResult{{
				EvalResourceName:     proto.String("arn:aws:s3:::bucket/key"),
				EvalResourceDecision: proto.String("explicitDeny"),
				MissingContextValues: []string{"s3:prefix"},
				EvalDecisionDetails:  map[string]string{"Resource Policy": "explicitDeny"},
				MatchedStatements:    []*iamv1.Statement{{SourcePolicyId: proto.String("ResourcePolicy"), StartPosition: pos(5, 6)}},
				PermissionsBoundaryDecisionDetail: &iamv1.PermissionsBoundaryDecisionDetail{
					AllowedByPermissionsBoundary: proto.Bool(true),
				},
			}},
		}, {
			EvalActionName: proto.String("s3:PutObject"),
			EvalDecision:   proto.String("implicitDeny"),
		}},
		IsTruncated: proto.Bool(false),
	}
	f, srv := startFake(t, iamv1.Model(), func(*apimodel.Operation, proto.Message) (proto.Message, *awserr.Error) {
		return reply, nil
	})
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	out, err := iamClient(srv.URL).SimulateCustomPolicy(context.Background(), &iam.SimulateCustomPolicyInput{
		PolicyInputList:                    []string{policy, `{"Version":"2012-10-17","Statement":[]}`},
		PermissionsBoundaryPolicyInputList: []string{policy},
		ActionNames:                        []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:                       []string{"arn:aws:s3:::bucket/*"},
		ResourcePolicy:                     aws.String(policy),
		ResourceOwner:                      aws.String("arn:aws:iam::123456789012:root"),
		CallerArn:                          aws.String("arn:aws:iam::123456789012:user/alice"),
		ContextEntries: []types.ContextEntry{
			{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp, ContextKeyValues: []string{"10.0.0.1"}},
			{ContextKeyName: aws.String("aws:TagKeys"), ContextKeyType: types.ContextKeyTypeEnumStringList, ContextKeyValues: []string{"a", "b", "c"}},
		},
		ResourceHandlingOption: aws.String("EC2-VPC-InstanceStore"),
		MaxItems:               aws.Int32(100),
		Marker:                 aws.String("m"),
	})
	if err != nil {
		t.Fatalf("SimulateCustomPolicy: %v", err)
	}
	f.wantInput(t, "SimulateCustomPolicy", &iamv1.SimulateCustomPolicyRequest{
		PolicyInputList:                    []string{policy, `{"Version":"2012-10-17","Statement":[]}`},
		PermissionsBoundaryPolicyInputList: []string{policy},
		ActionNames:                        []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:                       []string{"arn:aws:s3:::bucket/*"},
		ResourcePolicy:                     proto.String(policy),
		ResourceOwner:                      proto.String("arn:aws:iam::123456789012:root"),
		CallerArn:                          proto.String("arn:aws:iam::123456789012:user/alice"),
		ContextEntries: []*iamv1.ContextEntry{
			{ContextKeyName: proto.String("aws:SourceIp"), ContextKeyType: proto.String("ip"), ContextKeyValues: []string{"10.0.0.1"}},
			{ContextKeyName: proto.String("aws:TagKeys"), ContextKeyType: proto.String("stringList"), ContextKeyValues: []string{"a", "b", "c"}},
		},
		ResourceHandlingOption: proto.String("EC2-VPC-InstanceStore"),
		MaxItems:               proto.Int32(100),
		Marker:                 proto.String("m"),
	})

	if out.IsTruncated || out.Marker != nil {
		t.Errorf("IsTruncated=%v Marker=%v", out.IsTruncated, out.Marker)
	}
	if len(out.EvaluationResults) != 2 {
		t.Fatalf("got %d results", len(out.EvaluationResults))
	}
	r := out.EvaluationResults[0]
	checkStr(t, "EvalActionName", r.EvalActionName, "s3:GetObject")
	checkStr(t, "EvalResourceName", r.EvalResourceName, "arn:aws:s3:::bucket/*")
	if r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed {
		t.Errorf("EvalDecision = %q", r.EvalDecision)
	}
	wantStatements := []types.Statement{{
		SourcePolicyId: aws.String("PolicyInputList.1"), SourcePolicyType: types.PolicySourceTypeUser,
		StartPosition: &types.Position{Line: 1, Column: 2}, EndPosition: &types.Position{Line: 3, Column: 40},
	}}
	if !reflect.DeepEqual(r.MatchedStatements, wantStatements) {
		t.Errorf("MatchedStatements = %+v", r.MatchedStatements)
	}
	if !reflect.DeepEqual(r.MissingContextValues, []string{"aws:SourceIp", "aws:username"}) {
		t.Errorf("MissingContextValues = %v", r.MissingContextValues)
	}
	if r.OrganizationsDecisionDetail == nil || !r.OrganizationsDecisionDetail.AllowedByOrganizations {
		t.Errorf("OrganizationsDecisionDetail = %+v", r.OrganizationsDecisionDetail)
	}
	if r.PermissionsBoundaryDecisionDetail == nil || r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		t.Errorf("PermissionsBoundaryDecisionDetail = %+v", r.PermissionsBoundaryDecisionDetail)
	}
	wantDetails := map[string]types.PolicyEvaluationDecisionType{"IAM Policy": "allowed", "Permissions Boundary Policy": "implicitDeny"}
	if !reflect.DeepEqual(r.EvalDecisionDetails, wantDetails) {
		t.Errorf("EvalDecisionDetails = %v", r.EvalDecisionDetails)
	}
	if len(r.ResourceSpecificResults) != 1 {
		t.Fatalf("ResourceSpecificResults = %+v", r.ResourceSpecificResults)
	}
	rs := r.ResourceSpecificResults[0]
	checkStr(t, "EvalResourceName", rs.EvalResourceName, "arn:aws:s3:::bucket/key")
	if rs.EvalResourceDecision != types.PolicyEvaluationDecisionTypeExplicitDeny {
		t.Errorf("EvalResourceDecision = %q", rs.EvalResourceDecision)
	}
	if !reflect.DeepEqual(rs.EvalDecisionDetails, map[string]types.PolicyEvaluationDecisionType{"Resource Policy": "explicitDeny"}) {
		t.Errorf("nested EvalDecisionDetails = %v", rs.EvalDecisionDetails)
	}
	if !reflect.DeepEqual(rs.MissingContextValues, []string{"s3:prefix"}) {
		t.Errorf("nested MissingContextValues = %v", rs.MissingContextValues)
	}
	if len(rs.MatchedStatements) != 1 || rs.MatchedStatements[0].StartPosition == nil || rs.MatchedStatements[0].StartPosition.Line != 5 {
		t.Errorf("nested MatchedStatements = %+v", rs.MatchedStatements)
	}
	if rs.PermissionsBoundaryDecisionDetail == nil || !rs.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		t.Errorf("nested PermissionsBoundaryDecisionDetail = %+v", rs.PermissionsBoundaryDecisionDetail)
	}
	r2 := out.EvaluationResults[1]
	checkStr(t, "EvalActionName", r2.EvalActionName, "s3:PutObject")
	if r2.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || len(r2.EvalDecisionDetails) != 0 || len(r2.MatchedStatements) != 0 {
		t.Errorf("second result = %+v", r2)
	}
}

func TestIAMGetAccountSummaryThroughSDK(t *testing.T) {
	summary := map[string]int32{"Users": 7, "UsersQuota": 5000, "AccountMFAEnabled": 0, "Policies": -1}
	f, srv := startFake(t, iamv1.Model(), func(*apimodel.Operation, proto.Message) (proto.Message, *awserr.Error) {
		return &iamv1.GetAccountSummaryResponse{SummaryMap: summary}, nil
	})
	out, err := iamClient(srv.URL).GetAccountSummary(context.Background(), &iam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatalf("GetAccountSummary: %v", err)
	}
	f.wantInput(t, "GetAccountSummary", &iamv1.GetAccountSummaryRequest{})
	if !reflect.DeepEqual(out.SummaryMap, summary) {
		t.Errorf("SummaryMap = %v, want %v", out.SummaryMap, summary)
	}
	// Entries go out in key order, so responses are reproducible.
	body := f.lastBody()
	if !strings.Contains(body, `<SummaryMap><entry><key>AccountMFAEnabled</key><value>0</value></entry><entry><key>Policies</key><value>-1</value></entry><entry><key>Users</key>`) {
		t.Errorf("unexpected map encoding: %s", body)
	}
}

func TestIAMEmptyOutputsThroughSDK(t *testing.T) {
	f, srv := startFake(t, iamv1.Model(), func(op *apimodel.Operation, _ proto.Message) (proto.Message, *awserr.Error) {
		return newMessage(op.Output), nil
	})
	c := iamClient(srv.URL)
	// DeleteUser's output is smithy.api#Unit: like AWS, the answer carries
	// only the response metadata, and the SDK accepts it.
	if _, err := c.DeleteUser(context.Background(), &iam.DeleteUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	f.wantInput(t, "DeleteUser", &iamv1.DeleteUserRequest{UserName: proto.String("carol")})
	if got, want := f.lastBody(), `<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>`+testRequestID+`</RequestId></ResponseMetadata></DeleteUserResponse>`; got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	// UpdateRole's output is a structure without members: the SDK fails
	// unless the result element is there.
	if _, err := c.UpdateRole(context.Background(), &iam.UpdateRoleInput{
		RoleName: aws.String("r"), Description: aws.String(""), MaxSessionDuration: aws.Int32(3600),
	}); err != nil {
		t.Fatalf("UpdateRole: %v", err)
	}
	f.wantInput(t, "UpdateRole", &iamv1.UpdateRoleRequest{
		RoleName: proto.String("r"), Description: proto.String(""), MaxSessionDuration: proto.Int32(3600),
	})
}

func TestIAMErrorsThroughSDK(t *testing.T) {
	var next *awserr.Error
	_, srv := startFake(t, iamv1.Model(), func(*apimodel.Operation, proto.Message) (proto.Message, *awserr.Error) {
		return nil, next
	})
	c := iamClient(srv.URL)
	ctx := context.Background()

	t.Run("modeled", func(t *testing.T) {
		next = awserr.New("NoSuchEntity", http.StatusNotFound, "The user with name bob cannot be found.")
		_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
		var nse *types.NoSuchEntityException
		if !errors.As(err, &nse) {
			t.Fatalf("error %T %v, want *types.NoSuchEntityException", err, err)
		}
		if nse.ErrorCode() != "NoSuchEntity" || nse.ErrorMessage() != "The user with name bob cannot be found." {
			t.Errorf("code %q message %q", nse.ErrorCode(), nse.ErrorMessage())
		}
		checkRequest(t, err, http.StatusNotFound)
	})
	t.Run("modeled server fault", func(t *testing.T) {
		next = awserr.New("ServiceFailure", http.StatusInternalServerError, "The request processing has failed because of an unknown error.")
		_, err := c.ListUsers(ctx, &iam.ListUsersInput{})
		var sf *types.ServiceFailureException
		if !errors.As(err, &sf) {
			t.Fatalf("error %T %v, want *types.ServiceFailureException", err, err)
		}
		if sf.ErrorFault() != smithy.FaultServer {
			t.Errorf("fault %v", sf.ErrorFault())
		}
		checkRequest(t, err, http.StatusInternalServerError)
	})
	t.Run("unmodeled", func(t *testing.T) {
		msg := "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:GetUser on resource: user bob because no identity-based policy allows the iam:GetUser action"
		next = awserr.New("AccessDenied", http.StatusForbidden, msg)
		_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
		var ge *smithy.GenericAPIError
		if !errors.As(err, &ge) {
			t.Fatalf("error %T %v, want *smithy.GenericAPIError", err, err)
		}
		if ge.Code != "AccessDenied" || ge.Message != msg {
			t.Errorf("code %q message %q", ge.Code, ge.Message)
		}
		checkRequest(t, err, http.StatusForbidden)
	})
	t.Run("message with markup", func(t *testing.T) {
		next = awserr.New("InvalidInput", http.StatusBadRequest, awkward)
		_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("x")})
		var ie *types.InvalidInputException
		if !errors.As(err, &ie) || ie.ErrorMessage() != awkward {
			t.Fatalf("error %T %v", err, err)
		}
	})
}

// checkRequest checks the HTTP status and request id the SDK reports.
func checkRequest(t *testing.T, err error, status int) {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %T has no response", err)
	}
	if re.HTTPStatusCode() != status {
		t.Errorf("status %d, want %d", re.HTTPStatusCode(), status)
	}
	if re.ServiceRequestID() != testRequestID {
		t.Errorf("request id %q", re.ServiceRequestID())
	}
}

func checkStr(t *testing.T, what string, got *string, want string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s missing, want %q", what, want)
	} else if *got != want {
		t.Errorf("%s = %q, want %q", what, *got, want)
	}
}

func checkTime(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil {
		t.Errorf("%s missing, want %v", what, want)
	} else if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}
