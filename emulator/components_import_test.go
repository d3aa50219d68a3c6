package emulator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"go.yaml.in/yaml/v3"
)

func importInput(name, version string, platform types.Platform, typ types.ComponentType, script string) *imagebuilder.ImportComponentInput {
	return &imagebuilder.ImportComponentInput{
		Name:            aws.String(name),
		SemanticVersion: aws.String(version),
		Platform:        platform,
		Type:            typ,
		Format:          types.ComponentFormatShell,
		Data:            aws.String(script),
	}
}

// TestImportComponentShell imports shell scripts for Linux and Windows, as
// build and test components, and reads back a component document that runs
// the script.
func TestImportComponentShell(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	cases := []struct {
		name       string
		platform   types.Platform
		typ        types.ComponentType
		script     string
		wantAction string
	}{
		{"linux-build", types.PlatformLinux, types.ComponentTypeBuild, "#!/bin/bash\nset -e\nyum install -y httpd\necho \"done: $HOSTNAME\"", "ExecuteBash"},
		{"linux-test", types.PlatformLinux, types.ComponentTypeTest, "curl -fsS http://localhost/", "ExecuteBash"},
		{"windows-build", types.PlatformWindows, types.ComponentTypeBuild, "Install-WindowsFeature -Name Web-Server\nWrite-Host 'done'", "ExecutePowerShell"},
		{"windows-test", types.PlatformWindows, types.ComponentTypeTest, "Invoke-WebRequest http://localhost/ -UseBasicParsing", "ExecutePowerShell"},
	}
	for _, tc := range cases {
		in := importInput(tc.name, "1.0.0", tc.platform, tc.typ, tc.script)
		in.Description = aws.String("imported " + tc.name)
		in.Tags = map[string]string{"source": "import"}
		out, err := c.ImportComponent(ctx, in)
		if err != nil {
			t.Fatalf("ImportComponent %s: %v", tc.name, err)
		}
		arn := componentARN(accountA, tc.name, "1.0.0", 1)
		if got := aws.ToString(out.ComponentBuildVersionArn); got != arn {
			t.Errorf("%s: arn = %s, want %s", tc.name, got, arn)
		}
		if aws.ToString(out.ClientToken) == "" || aws.ToString(out.RequestId) == "" {
			t.Errorf("%s: clientToken %q requestId %q", tc.name, aws.ToString(out.ClientToken), aws.ToString(out.RequestId))
		}
		comp := mustGet(t, c, arn).Component
		if comp.Platform != tc.platform || comp.Type != tc.typ || aws.ToString(comp.Description) != "imported "+tc.name ||
			comp.Tags["source"] != "import" || aws.ToString(comp.Owner) != accountA {
			t.Errorf("%s: component = %+v", tc.name, comp)
		}
		data := aws.ToString(comp.Data)
		if !strings.Contains(data, "action: "+tc.wantAction) {
			t.Errorf("%s: document does not run the script with %s:\n%s", tc.name, tc.wantAction, data)
		}
		for _, line := range strings.Split(tc.script, "\n") {
			if !strings.Contains(data, line) {
				t.Errorf("%s: document lost the script line %q:\n%s", tc.name, line, data)
			}
		}
		phase := "build"
		if tc.typ == types.ComponentTypeTest {
			phase = "test"
		}
		if !strings.Contains(data, "name: "+phase) {
			t.Errorf("%s: document has no %s phase:\n%s", tc.name, phase, data)
		}
	}

	// The imported document is a valid component document: creating a
	// component from it succeeds.
	linux := mustGet(t, c, componentARN(accountA, "linux-build", "1.0.0", 1)).Component
	reused := createInput("linux-build-copy", "1.0.0")
	reused.Data = linux.Data
	mustCreate(t, c, reused)

	// Imports are listed like created components.
	filtered := listARNs(t, c, &imagebuilder.ListComponentsInput{Filters: []types.Filter{{Name: aws.String("type"), Values: []string{"TEST"}}}})
	requireSameStrings(t, "TEST components", filtered, []string{
		versionARN(accountA, "linux-test", "1.0.0"),
		versionARN(accountA, "windows-test", "1.0.0"),
	})
}

// TestImportComponentScriptVerbatim: whatever the script looks like, the
// imported document carries it unchanged (regression: scripts whose first
// line was indented, or started with a tab, were refused).
func TestImportComponentScriptVerbatim(t *testing.T) {
	t.Parallel()
	_, c := startClient(t)
	ctx := testContext(t)
	scripts := []string{
		"  indented first line\necho second",
		"\techo tab-indented",
		"echo a\r\necho b\r\n",
		"echo '# not a comment' # a comment\n---\n...\n",
		"key: value\n- item\n{ braces }",
		"\n\necho after blank lines\n\n",
		"trailing spaces   \n   ",
		"unicode: caf\u00e9 \u2713",
	}
	for i, script := range scripts {
		name := fmt.Sprintf("verbatim-%d", i)
		out, err := c.ImportComponent(ctx, importInput(name, "1.0.0", types.PlatformLinux, types.ComponentTypeBuild, script))
		if err != nil {
			t.Errorf("script %q: %v", script, err)
			continue
		}
		data := aws.ToString(mustGet(t, c, aws.ToString(out.ComponentBuildVersionArn)).Component.Data)
		var doc struct {
			Phases []struct {
				Steps []struct {
					Inputs struct {
						Commands []string `yaml:"commands"`
					} `yaml:"inputs"`
				} `yaml:"steps"`
			} `yaml:"phases"`
		}
		if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
			t.Errorf("script %q: the document is not YAML: %v\n%s", script, err, data)
			continue
		}
		var commands []string
		for _, p := range doc.Phases {
			for _, s := range p.Steps {
				commands = append(commands, s.Inputs.Commands...)
			}
		}
		if len(commands) != 1 || commands[0] != script {
			t.Errorf("script %q reads back as %q from\n%s", script, commands, data)
		}
	}
}

// TestImportComponentErrors: data or uri (not both), a known format, and the
// same version rules as CreateComponent.
func TestImportComponentErrors(t *testing.T) {
	t.Parallel()
	emu, c := startClient(t)
	ctx := testContext(t)

	both := importInput("both", "1.0.0", types.PlatformLinux, types.ComponentTypeBuild, "echo hi")
	both.Uri = aws.String("s3://bucket/script.sh")
	_, err := c.ImportComponent(ctx, both)
	requireAPIError(t, err, "InvalidParameterCombinationException", 400)
	requireTyped[*types.InvalidParameterCombinationException](t, err)

	_, err = c.ImportComponent(ctx, importInput("big", "1073741824.0.0", types.PlatformLinux, types.ComponentTypeBuild, "echo hi"))
	requireAPIError(t, err, "InvalidVersionNumberException", 400)
	requireTyped[*types.InvalidVersionNumberException](t, err)

	badFormat := importInput("format", "1.0.0", types.PlatformLinux, types.ComponentTypeBuild, "echo hi")
	badFormat.Format = "POWERSHELL"
	_, err = c.ImportComponent(ctx, badFormat)
	requireAPIError(t, err, "InvalidParameterValueException", 400)

	badType := importInput("kind", "1.0.0", types.PlatformLinux, "DEPLOY", "echo hi")
	_, err = c.ImportComponent(ctx, badType)
	requireAPIError(t, err, "InvalidParameterValueException", 400)

	requireNoComponents(t, c)

	// From S3: the script is read as the caller and wrapped like inline data.
	bucket := uniqueBucket("scripts")
	putS3Object(t, emu, accountA, bucket, "scripts/install.sh", "yum install -y jq")
	fromS3 := importInput("from-s3", "1.0.0", types.PlatformLinux, types.ComponentTypeBuild, "")
	fromS3.Data = nil
	fromS3.Uri = aws.String("s3://" + bucket + "/scripts/install.sh")
	out, err := c.ImportComponent(ctx, fromS3)
	if err != nil {
		t.Fatalf("ImportComponent from S3: %v", err)
	}
	got := mustGet(t, c, aws.ToString(out.ComponentBuildVersionArn)).Component
	if got.Type != types.ComponentTypeBuild || !strings.Contains(aws.ToString(got.Data), "yum install -y jq") {
		t.Errorf("imported from S3: type %s, data %q", got.Type, aws.ToString(got.Data))
	}
}
