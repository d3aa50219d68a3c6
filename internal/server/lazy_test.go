package server

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"

	"github.com/ibemu/ibemu/internal/apimodel"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
	kmsv1 "github.com/ibemu/ibemu/proto/kms/v1"
	s3v1 "github.com/ibemu/ibemu/proto/s3/v1"
	stsv1 "github.com/ibemu/ibemu/proto/sts/v1"
)

// TestRegisterLazy: registering builds no model, the service list needs
// none, a gRPC call builds its own API's model once (however many calls
// race to be first) and no other's, and Check builds and checks the rest.
func TestRegisterLazy(t *testing.T) {
	s := &Server{bySigner: map[string]*API{}, byService: map[string]*API{}}
	regs := []struct {
		info  apimodel.ServiceInfo
		model func() *apimodel.Service
		desc  *grpc.ServiceDesc
		impl  any
	}{
		{ibv1.Info, ibv1.ModelIndex, &ibv1.Imagebuilder_ServiceDesc, &ibv1.UnsupportedImagebuilderServer{}},
		{iamv1.Info, iamv1.ModelIndex, &iamv1.IAM_ServiceDesc, &iamv1.UnsupportedIAMServer{}},
		{stsv1.Info, stsv1.ModelIndex, &stsv1.STS_ServiceDesc, &stsv1.UnsupportedSTSServer{}},
		{kmsv1.Info, kmsv1.ModelIndex, &kmsv1.KMS_ServiceDesc, &kmsv1.UnsupportedKMSServer{}},
		{s3v1.Info, s3v1.ModelIndex, &s3v1.S3_ServiceDesc, &s3v1.UnsupportedS3Server{}},
	}
	loads := make([]atomic.Int32, len(regs))
	for i, r := range regs {
		if r.model().Info() != r.info {
			t.Errorf("%s: Info %+v, the model's %+v", r.info.Name, r.info, r.model().Info())
		}
		load := func() *apimodel.Service { loads[i].Add(1); return r.model() }
		if err := s.RegisterLazy(r.info, load, r.desc, r.impl); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Services(); len(got) != 0 {
		t.Errorf("Services() = %v, want none (every implementation is Unsupported…)", got)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt, ok := s.route("/ibemu.iam.v1.IAM/GetUser")
			if !ok || rt.op.Name != "GetUser" || rt.api.Info.SigningName != "iam" {
				t.Errorf("route(GetUser) = %+v, %v", rt, ok)
			}
		}()
	}
	wg.Wait()
	for _, m := range []string{"/ibemu.iam.v1.IAM/NoSuchOperation", "/ibemu.iam.v1.IAM/GetUser/x", "ibemu.iam.v1.IAM/GetUser", "/grpc.health.v1.Health/Check", "/", ""} {
		if rt, ok := s.route(m); ok {
			t.Errorf("route(%q) = %+v, want none", m, rt)
		}
	}
	for i := range regs {
		want := int32(0)
		if regs[i].info.SigningName == "iam" {
			want = 1
		}
		if got := loads[i].Load(); got != want {
			t.Errorf("%s: model loaded %d times, want %d", regs[i].info.SigningName, got, want)
		}
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	for i := range regs {
		if got := loads[i].Load(); got != 1 {
			t.Errorf("%s: model loaded %d times after Check, want 1", regs[i].info.SigningName, got)
		}
	}

	// A model that does not match the description is found by Check.
	bad := &Server{bySigner: map[string]*API{}, byService: map[string]*API{}}
	if err := bad.RegisterLazy(iamv1.Info, stsv1.ModelIndex, &iamv1.IAM_ServiceDesc, &iamv1.UnsupportedIAMServer{}); err != nil {
		t.Fatal(err)
	}
	if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "identity") {
		t.Errorf("Check() = %v, want the identity mismatch", err)
	}
	if err := bad.RegisterLazy(stsv1.Info, stsv1.ModelIndex, &iamv1.IAM_ServiceDesc, &iamv1.UnsupportedIAMServer{}); err == nil {
		t.Error("RegisterLazy of STS with IAM's service description succeeded")
	}
}
