package componentdoc

import (
	"slices"
	"testing"
)

func TestParseValidDocuments(t *testing.T) {
	tests := []struct {
		file     string
		platform string
		name     string
		steps    []string
	}{
		{
			file: "linux_webserver.yaml", platform: PlatformLinux, name: "InstallNginx",
			steps: []string{
				"build/UpdateSystem:UpdateOS", "build/InstallNginx:ExecuteBash", "build/InstallExtras:ExecuteBash",
				"build/CreateSiteRoot:CreateFolder", "build/DownloadSite:S3Download", "build/WriteConfig:CreateFile",
				"build/RestrictConfig:SetFilePermissions", "build/EnableService:ExecuteBash",
				"build/RebootAfterInstall:Reboot", "validate/CheckConfig:ExecuteBash", "validate/ReadConfig:ReadFile",
				"validate/AssertPort:Assert", "test/ProbePorts:ExecuteBash",
			},
		},
		{
			file: "windows_iis.yaml", platform: PlatformWindows, name: "ConfigureIIS",
			steps: []string{
				"build/EnableIIS:ExecutePowerShell", "build/DownloadRewrite:WebDownload", "build/InstallRewrite:InstallMSI",
				"build/DisableTls10:SetRegistry", "build/WarmUpSites:ExecutePowerShell", "build/InstallUpdates:UpdateOS",
				"build/RebootForUpdates:Reboot", "validate/CheckService:ExecutePowerShell", "test/RequestHomePage:ExecutePowerShell",
			},
		},
		{
			file: "json_document.json", platform: PlatformLinux, name: "RequiredPackages",
			steps: []string{"build/Download:S3Download", "build/Install:ExecuteBash"},
		},
		{
			file: "anchors_and_merge.yaml", platform: PlatformMacOS,
			steps: []string{"build/FetchAgent:WebDownload", "build/FetchAgentAgain:WebDownload", "test/RunAgentSelfTest:ExecuteBinary"},
		},
		{
			file: "typical_2kb.yaml", platform: "linux", name: "InstallMonitoringAgent",
			steps: []string{
				"build/DownloadAgent:S3Download", "build/InstallAgent:ExecuteBash", "build/DownloadConfig:S3Download",
				"build/LockConfig:SetFilePermissions", "build/EnableAgent:ExecuteBash", "build/Cleanup:DeleteFile",
				"validate/AgentRunning:ExecuteBash", "validate/ConfigPresent:ExecuteBash", "test/AgentResponds:ExecuteBash",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readTestdata(t, tt.file)
			for _, platform := range []string{tt.platform, ""} {
				doc, err := ParseForPlatform(data, platform)
				if err != nil {
					t.Fatalf("platform %q: %v", platform, err)
				}
				if doc.SchemaVersion != "1.0" || doc.Name != tt.name {
					t.Errorf("schemaVersion %q name %q, want 1.0 and %q", doc.SchemaVersion, doc.Name, tt.name)
				}
				if got := stepSummary(doc); !slices.Equal(got, tt.steps) {
					t.Errorf("steps\n got %q\nwant %q", got, tt.steps)
				}
			}
		})
	}
}

func TestParseStepDetails(t *testing.T) {
	doc, err := ParseForPlatform(readTestdata(t, "linux_webserver.yaml"), PlatformLinux)
	if err != nil {
		t.Fatal(err)
	}
	build := doc.Phase(PhaseBuild)
	if build == nil || doc.Phase("missing") != nil {
		t.Fatal("Phase lookup is wrong")
	}
	byName := map[string]Step{}
	for _, p := range doc.Phases {
		for _, s := range p.Steps {
			byName[s.Name] = s
		}
	}
	update := byName["UpdateSystem"]
	if update.HasInputs || update.MaxAttempts != 3 || update.TimeoutSeconds != DefaultTimeoutSeconds || update.OnFailure != "Abort" {
		t.Errorf("UpdateSystem = %+v", update)
	}
	install := byName["InstallNginx"]
	if !install.HasInputs || install.TimeoutSeconds != 600 || install.MaxAttempts != DefaultMaxAttempts || install.OnFailure != DefaultOnFailure {
		t.Errorf("InstallNginx = %+v", install)
	}
	extras := byName["InstallExtras"]
	if extras.OnFailure != "Continue" || extras.Loop == nil || extras.Loop.Kind != LoopForEach || !extras.Loop.Delimited ||
		extras.Loop.Name != "extras" || extras.Loop.List != "{{ ExtraPackages }}" || extras.Loop.Delimiter != "," {
		t.Errorf("InstallExtras = %+v loop %+v", extras, extras.Loop)
	}
	if !byName["EnableService"].HasCondition || byName["InstallNginx"].HasCondition {
		t.Error("HasCondition not reported")
	}
	probe := byName["ProbePorts"].Loop
	if probe == nil || probe.Kind != LoopFor || probe.Start != 1 || probe.End != 5 || probe.UpdateBy != 1 {
		t.Errorf("ProbePorts loop = %+v", probe)
	}
	if got := doc.Constants; len(got) != 1 || got[0] != (Constant{Name: "SiteRoot", Type: "string", Value: "/var/www/example"}) {
		t.Errorf("constants = %+v", got)
	}

	win, err := ParseForPlatform(readTestdata(t, "windows_iis.yaml"), PlatformWindows)
	if err != nil {
		t.Fatal(err)
	}
	warm := win.Phases[0].Steps[4]
	if warm.Loop == nil || !slices.Equal(warm.Loop.Items, []string{"Default Web Site", "{{ build.EnableIIS.outputs.stdout }}"}) {
		t.Errorf("WarmUpSites loop = %+v", warm.Loop)
	}
	request := win.Phases[2].Steps[0]
	if request.OnFailure != "Ignore" || request.MaxAttempts != 5 || request.Loop.UpdateBy != -1 {
		t.Errorf("RequestHomePage = %+v", request)
	}
}

func TestParseMergeKeysApply(t *testing.T) {
	doc, err := Parse(readTestdata(t, "anchors_and_merge.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	again := doc.Phases[0].Steps[1]
	// Merged from the anchored step; its own name overrides the merged one.
	if again.Name != "FetchAgentAgain" || again.MaxAttempts != 3 || !again.HasInputs {
		t.Errorf("merged step = %+v", again)
	}
}

func TestParseAcceptsEdgeForms(t *testing.T) {
	tests := map[string]string{
		"schemaVersion quoted": "schemaVersion: '1.0'\nphases:\n  - name: test\n    steps: []\n",
		"container-host-test only": "schemaVersion: 1.0\nphases:\n  - name: container-host-test\n" +
			"    steps:\n      - name: Probe\n        action: ExecuteBash\n        inputs:\n          commands: [echo ok]\n",
		"custom phase next to build": "schemaVersion: 1.0\nphases:\n  - name: build\n    steps: []\n  - name: custom-phase\n    steps: []\n",
		"timeout -1":                 minimal("      - name: A\n        action: ExecuteBash\n        timeoutSeconds: -1\n        inputs: {commands: [x]}\n"),
		"quoted integers":            minimal("      - name: A\n        action: ExecuteBash\n        timeoutSeconds: '60'\n        maxAttempts: \"2\"\n        inputs: {commands: [x]}\n"),
		"onFailure any case":         minimal("      - name: A\n        action: ExecuteBash\n        onFailure: continue\n        inputs: {commands: [x]}\n"),
		"unknown step key":           minimal("      - name: A\n        action: ExecuteBash\n        comment: kept for humans\n        inputs: {commands: [x]}\n"),
		"unknown top-level key":      "schemaVersion: 1.0\nowner: platform-team\nphases:\n  - name: build\n    steps: []\n",
		"null optional fields":       minimal("      - name: A\n        action: ExecuteBash\n        onFailure:\n        timeoutSeconds:\n        loop:\n        if:\n        inputs: {commands: [x]}\n"),
		"execute document defaults": minimal("      - name: Nested\n        action: ExecuteDocument\n        timeoutSeconds: -1\n        maxAttempts: 1\n" +
			"        inputs:\n          document: arn:aws:imagebuilder:us-west-2:aws:component/sample/1.0.0\n"),
		"if with then and else": minimal("      - name: A\n        action: ExecuteBash\n        if:\n          stringEquals: linux\n" +
			"          value: '{{ Platform }}'\n          then: Execute\n          else: Skip\n        inputs: {commands: [x]}\n"),
		"if four logical levels": minimal("      - name: A\n        action: ExecuteBash\n        if:\n          and:\n            - or:\n" +
			"                - not:\n                    and:\n                      - binaryExists: yum\n        inputs: {commands: [x]}\n"),
		"forEach default delimiter": minimal("      - name: A\n        action: ExecuteBash\n        loop:\n          forEach:\n            list: a,b\n        inputs: {commands: [x]}\n"),
		"for loop single value":     minimal("      - name: A\n        action: ExecuteBash\n        loop:\n          for: {start: 2, end: 2, updateBy: -5}\n        inputs: {commands: [x]}\n"),
		"reboot without inputs":     minimal("      - name: A\n        action: Reboot\n"),
		"document separator":        "---\nschemaVersion: 1.0\nphases:\n  - name: validate\n    steps: []\n",
		"same loop name in two phases": "schemaVersion: 1.0\nphases:\n" +
			"  - name: build\n    steps:\n      - name: A\n        action: ExecuteBash\n        loop: {name: l, forEach: [x]}\n        inputs: {commands: [x]}\n" +
			"  - name: test\n    steps:\n      - name: A\n        action: ExecuteBash\n        loop: {name: l, forEach: [x]}\n        inputs: {commands: [x]}\n",
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseForPlatform(data, PlatformLinux); err != nil {
				t.Fatalf("rejected: %v\n%s", err, data)
			}
		})
	}
}

func TestParseEmptyOptionalSections(t *testing.T) {
	doc, err := Parse("schemaVersion: 1.0\nparameters:\nconstants: []\nphases:\n  - name: build\n    steps: []\n")
	if err != nil {
		t.Fatal(err)
	}
	if doc.Parameters != nil || doc.Constants != nil || len(doc.Phases) != 1 || len(doc.Phases[0].Steps) != 0 {
		t.Errorf("doc = %+v", doc)
	}
}

func TestActionsList(t *testing.T) {
	got := Actions()
	if len(got) != 30 || !slices.IsSorted(got) {
		t.Fatalf("Actions() = %v", got)
	}
	for _, tt := range []struct {
		action, platform string
		want             bool
	}{
		{"ExecuteBash", PlatformLinux, true},
		{"ExecuteBash", PlatformWindows, false},
		{"ExecuteBash", PlatformMacOS, true},
		{"ExecutePowerShell", PlatformWindows, true},
		{"ExecutePowerShell", PlatformLinux, false},
		{"SetRegistry", "windows", true},
		{"SetFileOwner", PlatformWindows, false},
		{"S3Download", "", true},
		{"InvokeBash", "", false},
		{"S3Download", "Solaris", false},
	} {
		if got := ActionSupported(tt.action, tt.platform); got != tt.want {
			t.Errorf("ActionSupported(%q, %q) = %v, want %v", tt.action, tt.platform, got, tt.want)
		}
	}
}
