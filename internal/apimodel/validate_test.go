package apimodel_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/apimodel"
	iamv1 "github.com/ibemu/ibemu/proto/iam/v1"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

func validate(t *testing.T, svc *apimodel.Service, opName string, msg proto.Message) []apimodel.Violation {
	t.Helper()
	op, ok := svc.Operation(opName)
	if !ok {
		t.Fatalf("no operation %s", opName)
	}
	return apimodel.Validate(op.Input, msg.ProtoReflect())
}

func TestValidateImageBuilder(t *testing.T) {
	valid := func() *ibv1.CreateComponentRequest {
		return &ibv1.CreateComponentRequest{
			Name: proto.String("my-component"), SemanticVersion: proto.String("1.0.0"),
			Platform: proto.String("Linux"), ClientToken: proto.String("token"), Data: proto.String("x"),
		}
	}
	if vs := validate(t, ibv1.Model(), "CreateComponent", valid()); vs != nil {
		t.Fatalf("valid request: %v", vs)
	}
	cases := []struct {
		name   string
		mutate func(*ibv1.CreateComponentRequest)
		kind   apimodel.ViolationKind
		msg    string
	}{
		{"missing name", func(r *ibv1.CreateComponentRequest) { r.Name = nil }, apimodel.Missing,
			"The value supplied for parameter 'name' is not valid. name is required."},
		{"bad version", func(r *ibv1.CreateComponentRequest) { r.SemanticVersion = proto.String("1.0") }, apimodel.NoMatch,
			`The value supplied for parameter 'semanticVersion' is not valid. semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$`},
		{"unknown platform", func(r *ibv1.CreateComponentRequest) { r.Platform = proto.String("Solaris") }, apimodel.NotInEnum,
			"The value supplied for parameter 'platform' is not valid. platform must be one of [Windows, Linux, macOS]."},
		{"empty description", func(r *ibv1.CreateComponentRequest) { r.Description = proto.String("") }, apimodel.TooShort,
			"The value supplied for parameter 'description' is not valid. description must be at least 1 characters long."},
		{"long description in runes", func(r *ibv1.CreateComponentRequest) { r.Description = proto.String(strings.Repeat("é", 1025)) }, apimodel.TooLong,
			"description must be at most 1024 characters long."},
		{"too many tags", func(r *ibv1.CreateComponentRequest) {
			r.Tags = map[string]string{}
			for i := 0; i < 51; i++ {
				r.Tags[strings.Repeat("k", i+1)] = "v"
			}
		}, apimodel.TooLong, "tags must contain at most 50 items."},
		{"empty tag key", func(r *ibv1.CreateComponentRequest) { r.Tags = map[string]string{"": "v"} }, apimodel.TooShort,
			"The value supplied for parameter 'tags[]' is not valid."},
		{"NUL in data", func(r *ibv1.CreateComponentRequest) { r.Data = proto.String("a\x00b") }, apimodel.NoMatch, "data must match pattern"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := valid()
			c.mutate(r)
			vs := validate(t, ibv1.Model(), "CreateComponent", r)
			if len(vs) == 0 || vs[0].Kind != c.kind {
				t.Fatalf("violations %+v, want kind %d first", vs, c.kind)
			}
			e := ibv1.Model().ValidationError(vs)
			if e.Code != "InvalidParameterValueException" || e.HTTPStatus != 400 || !strings.Contains(e.Message, c.msg) {
				t.Errorf("error %s %d %q, want message containing %q", e.Code, e.HTTPStatus, e.Message, c.msg)
			}
		})
	}
}

func TestValidateNestedPaths(t *testing.T) {
	r := &ibv1.CreateImageRecipeRequest{
		Name: proto.String("recipe"), SemanticVersion: proto.String("1.0.0"), ParentImage: proto.String("ami-1"), ClientToken: proto.String("t"),
		Components: []*ibv1.ComponentConfiguration{{ComponentArn: proto.String("arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1")}, {}},
	}
	vs := validate(t, ibv1.Model(), "CreateImageRecipe", r)
	if len(vs) != 1 {
		t.Fatalf("violations %+v", vs)
	}
	if got := apimodel.DottedPath(vs[0].Path); got != "components[1].componentArn" {
		t.Errorf("path %q", got)
	}
	if got := apimodel.CoralPath(vs[0].Path); got != "components.2.member.componentArn" {
		t.Errorf("coral path %q", got)
	}
}

func TestValidateRange(t *testing.T) {
	vs := validate(t, ibv1.Model(), "ListComponents", &ibv1.ListComponentsRequest{MaxResults: proto.Int32(26)})
	if len(vs) != 1 || vs[0].Kind != apimodel.TooLarge {
		t.Fatalf("violations %+v", vs)
	}
	if e := ibv1.Model().ValidationError(vs); !strings.HasSuffix(e.Message, "maxResults must be less than or equal to 25.") {
		t.Errorf("message %q", e.Message)
	}
}

func TestCoralValidationError(t *testing.T) {
	r := &iamv1.CreateUserRequest{
		UserName: proto.String("bad name!"),
		Tags:     []*iamv1.Tag{{Key: proto.String("k")}},
	}
	vs := validate(t, iamv1.Model(), "CreateUser", r)
	e := iamv1.Model().ValidationError(vs)
	want := `2 validation errors detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+; Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null`
	if e.Code != "ValidationError" || e.HTTPStatus != 400 || e.Message != want {
		t.Errorf("got %s %d\n%s\nwant\n%s", e.Code, e.HTTPStatus, e.Message, want)
	}
}

func TestSensitiveValuesNeverQuoted(t *testing.T) {
	r := &iamv1.CreateLoginProfileRequest{UserName: proto.String("u"), Password: proto.String("")}
	vs := validate(t, iamv1.Model(), "CreateLoginProfile", r)
	e := iamv1.Model().ValidationError(vs)
	if len(vs) == 0 || strings.Contains(e.Message, "''") || !strings.Contains(e.Message, "'***'") {
		t.Errorf("message %q", e.Message)
	}
}

// The path is passed down on the stack: violations found at siblings,
// list items and map keys each keep their own copy of it.
func TestValidatePathsAreCopies(t *testing.T) {
	r := &ibv1.CreateImageRecipeRequest{
		Name: proto.String("recipe"), SemanticVersion: proto.String("1.0"), ParentImage: proto.String("ami-1"), ClientToken: proto.String("t"),
		Components: []*ibv1.ComponentConfiguration{{}, {ComponentArn: proto.String("arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1")}, {}},
		Tags:       map[string]string{"": "v"},
	}
	var got []string
	for _, v := range validate(t, ibv1.Model(), "CreateImageRecipe", r) {
		got = append(got, apimodel.DottedPath(v.Path))
	}
	want := []string{"semanticVersion", "components[0].componentArn", "components[2].componentArn", "tags[]"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("paths %q, want %q", got, want)
	}
}

// A valid input allocates nothing in Validate (GetComponent on every
// request).
func TestValidateValidAllocations(t *testing.T) {
	op, _ := ibv1.Model().Operation("GetComponent")
	in := (&ibv1.GetComponentRequest{ComponentBuildVersionArn: proto.String("arn:aws:imagebuilder:us-east-1:111122223333:component/c/1.0.0/1")}).ProtoReflect()
	if vs := apimodel.Validate(op.Input, in); vs != nil {
		t.Fatalf("violations %+v", vs)
	}
	if n := testing.AllocsPerRun(100, func() { apimodel.Validate(op.Input, in) }); n != 0 {
		t.Errorf("Validate allocates %v times per valid input, want 0", n)
	}
}
