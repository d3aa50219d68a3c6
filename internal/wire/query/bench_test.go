package query

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
)

func BenchmarkDecodeCreateUser5Tags(b *testing.B) {
	op := iamOp("CreateUser")
	params := url.Values{
		"Action":              {"CreateUser"},
		"Version":             {"2010-05-08"},
		"UserName":            {"alice"},
		"Path":                {"/engineering/"},
		"PermissionsBoundary": {"arn:aws:iam::123456789012:policy/boundary"},
	}
	for i := 1; i <= 5; i++ {
		params.Set(fmt.Sprintf("Tags.member.%d.Key", i), fmt.Sprintf("key%d", i))
		params.Set(fmt.Sprintf("Tags.member.%d.Value", i), fmt.Sprintf("value%d", i))
	}
	msg := &iamv1.CreateUserRequest{}
	b.ReportAllocs()
	for b.Loop() {
		proto.Reset(msg)
		if err := DecodeInput(op, params, msg); err != nil {
			b.Fatal(err)
		}
	}
	if len(msg.GetTags()) != 5 {
		b.Fatalf("decoded %d tags", len(msg.GetTags()))
	}
}

func BenchmarkEncodeListUsers100(b *testing.B) {
	op := iamOp("ListUsers")
	svc := iamv1.Model()
	out := &iamv1.ListUsersResponse{IsTruncated: proto.Bool(true), Marker: proto.String("bWFya2VyCg==")}
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		name := fmt.Sprintf("user-%03d", i)
		out.Users = append(out.Users, &iamv1.User{
			Path:       proto.String("/"),
			UserName:   proto.String(name),
			UserId:     proto.String(fmt.Sprintf("AIDA%016d", i)),
			Arn:        proto.String("arn:aws:iam::123456789012:user/" + name),
			CreateDate: timestamppb.New(created.Add(time.Duration(i) * time.Minute)),
		})
	}
	buf := AppendOutput(nil, svc, op, out, testRequestID)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendOutput(buf[:0], svc, op, out, testRequestID)
	}
}
