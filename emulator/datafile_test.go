package emulator_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/ibemu/ibemu/emulator"
	"github.com/ibemu/ibemu/emulator/emulatortest"
)

// Data files written by earlier builds, each <name>.db with <name>.json
// saying what the build stored in it (see testdata/datafiles/README.md).
const dataFilesDir = "../testdata/datafiles"

// writeDataFileEnv, set to a file name (without extension), makes
// TestWriteDataFile write its data file into dataFilesDir under that name,
// to be committed:
//
//	IBEMU_WRITE_DATAFILE=components-v1 go test -run TestWriteDataFile ./emulator/
const writeDataFileEnv = "IBEMU_WRITE_DATAFILE"

// dataFileManifest is the <name>.json beside a data file: what the build
// that wrote it answered, which every later build must answer too.
type dataFileManifest struct {
	WrittenBy  string            `json:"writtenBy"`
	WrittenAt  string            `json:"writtenAt"`
	Components []storedComponent `json:"components"`
	// Listed is ListComponents per account: the version ARNs, in order.
	Listed map[string][]string `json:"listed"`
	// NextBuild is a CreateComponent the reader sends, and the build
	// version ARN it must get: the numbering continues after the stored
	// builds.
	NextBuild struct {
		Account, Name, Version, Arn string
	} `json:"nextBuild"`
}

// storedComponent is what GetComponent answers about one build version.
type storedComponent struct {
	Account             string            `json:"account"`
	Arn                 string            `json:"arn"`
	Name                string            `json:"name"`
	Version             string            `json:"version"`
	Platform            string            `json:"platform"`
	Type                string            `json:"type"`
	Owner               string            `json:"owner"`
	Description         string            `json:"description,omitempty"`
	ChangeDescription   string            `json:"changeDescription,omitempty"`
	Data                string            `json:"data"`
	DateCreated         string            `json:"dateCreated"`
	Encrypted           bool              `json:"encrypted"`
	SupportedOsVersions []string          `json:"supportedOsVersions,omitempty"`
	Tags                map[string]string `json:"tags,omitempty"`
	Parameters          []storedParameter `json:"parameters,omitempty"`
}

type storedParameter struct {
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	DefaultValue []string `json:"defaultValue,omitempty"`
	Description  string   `json:"description,omitempty"`
}

func storedFrom(account string, c *types.Component) storedComponent {
	s := storedComponent{
		Account:             account,
		Arn:                 aws.ToString(c.Arn),
		Name:                aws.ToString(c.Name),
		Version:             aws.ToString(c.Version),
		Platform:            string(c.Platform),
		Type:                string(c.Type),
		Owner:               aws.ToString(c.Owner),
		Description:         aws.ToString(c.Description),
		ChangeDescription:   aws.ToString(c.ChangeDescription),
		Data:                aws.ToString(c.Data),
		DateCreated:         aws.ToString(c.DateCreated),
		Encrypted:           aws.ToBool(c.Encrypted),
		SupportedOsVersions: c.SupportedOsVersions,
		Tags:                c.Tags,
	}
	for _, p := range c.Parameters {
		s.Parameters = append(s.Parameters, storedParameter{
			Name: aws.ToString(p.Name), Type: aws.ToString(p.Type), DefaultValue: p.DefaultValue, Description: aws.ToString(p.Description),
		})
	}
	if len(s.Tags) == 0 {
		s.Tags = nil
	}
	return s
}

// TestDataFilesFromEarlierBuilds opens every committed data file (a copy)
// with this build and reads back, through the SDK, what the build that
// wrote it stored: protobuf field numbers, storage keys and the schema
// version must stay compatible, or a migration must carry the file over.
func TestDataFilesFromEarlierBuilds(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(dataFilesDir, "*.db"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no data files in %s", dataFilesDir)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".db")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(strings.TrimSuffix(file, ".db") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var want dataFileManifest
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "emulator.db")
			copyFile(t, file, path)
			checkDataFile(t, path, &want)
		})
	}
}

// TestWriteDataFile writes a data file the way TestDataFilesFromEarlierBuilds
// expects one and checks it with the same reader. It writes into a
// temporary directory, or, with IBEMU_WRITE_DATAFILE=<name>, into
// testdata/datafiles as <name>.db and <name>.json for committing: do that
// when a build changes what it stores, so later builds are held to both
// layouts.
func TestWriteDataFile(t *testing.T) {
	t.Parallel()
	dir, name := t.TempDir(), "components"
	if env := os.Getenv(writeDataFileEnv); env != "" {
		dir, name = dataFilesDir, env
	}
	dbPath := filepath.Join(dir, name+".db")
	if _, err := os.Stat(dbPath); err == nil {
		t.Fatalf("%s exists: data files are never rewritten, pick a new name", dbPath)
	}
	manifest := writeDataFile(t, dbPath)
	raw, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "emulator.db")
	copyFile(t, dbPath, path)
	checkDataFile(t, path, manifest)
}

// writeDataFile creates components through the SDK on an emulator over
// path, closes it, and returns what it stored.
func writeDataFile(t *testing.T, path string) *dataFileManifest {
	emu := emulatortest.Start(t, func(cfg *emulator.Config) { cfg.DataPath = path })
	a, b := client(t, emu, accountA), client(t, emu, accountB)
	ctx := testContext(t)

	tagged := createInput("datafile-linux", "1.0.0")
	tagged.Description = aws.String("Installs a package; stored by an earlier build.")
	tagged.ChangeDescription = aws.String("First build.")
	tagged.SupportedOsVersions = []string{"Amazon Linux 2023"}
	tagged.Tags = map[string]string{"team": "build", "stage": "prod"}
	tagged.ClientToken = aws.String("datafile-token-1")
	second := createInput("datafile-linux", "1.0.0")
	second.Tags = map[string]string{"build": "second"}
	windows := &imagebuilder.CreateComponentInput{
		Name:            aws.String("datafile-windows"),
		SemanticVersion: aws.String("2.0.0"),
		Platform:        types.PlatformWindows,
		Data:            aws.String(windowsDoc("datafile-windows")),
		Tags:            map[string]string{"os": "windows"},
	}
	var arns []struct{ account, arn string }
	for _, in := range []*imagebuilder.CreateComponentInput{tagged, second, createInput("datafile-linux", "1.1.0"), windows, createInput("datafile-doomed", "1.0.0")} {
		arns = append(arns, struct{ account, arn string }{accountA, mustCreate(t, a, in)})
	}
	// A deleted build leaves nothing to read but keeps its number used.
	doomed := arns[len(arns)-1].arn
	arns = arns[:len(arns)-1]
	if _, err := a.DeleteComponent(ctx, &imagebuilder.DeleteComponentInput{ComponentBuildVersionArn: aws.String(doomed)}); err != nil {
		t.Fatal(err)
	}
	imported, err := a.ImportComponent(ctx, importInput("datafile-imported", "3.0.0", types.PlatformLinux, types.ComponentTypeTest, "echo stored"))
	if err != nil {
		t.Fatal(err)
	}
	arns = append(arns, struct{ account, arn string }{accountA, aws.ToString(imported.ComponentBuildVersionArn)})
	arns = append(arns, struct{ account, arn string }{accountB, mustCreate(t, b, createInput("datafile-other-account", "1.0.0"))})

	m := &dataFileManifest{
		WrittenBy: "ibemu " + emulator.Version,
		WrittenAt: time.Now().UTC().Format(time.DateOnly),
		Listed:    map[string][]string{},
	}
	clients := map[string]*imagebuilder.Client{accountA: a, accountB: b}
	for _, x := range arns {
		m.Components = append(m.Components, storedFrom(x.account, mustGet(t, clients[x.account], x.arn).Component))
	}
	for account, c := range clients {
		m.Listed[account] = listARNs(t, c, nil)
	}
	// The sent fields read back as sent, before anything is recorded.
	if got := m.Components[0]; got.Data != linuxDoc("datafile-linux") || !reflect.DeepEqual(got.Tags, tagged.Tags) || got.Description != *tagged.Description {
		t.Fatalf("the first component reads back as %+v", got)
	}
	m.NextBuild.Account, m.NextBuild.Name, m.NextBuild.Version = accountA, "datafile-linux", "1.0.0"
	m.NextBuild.Arn = componentARN(accountA, "datafile-linux", "1.0.0", 3)

	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := emu.Close(closeCtx); err != nil {
		t.Fatal(err)
	}
	return m
}

// checkDataFile starts an emulator over path and reads everything want
// lists back through the SDK.
func checkDataFile(t *testing.T, path string, want *dataFileManifest) {
	t.Helper()
	emu := emulatortest.Start(t, func(cfg *emulator.Config) { cfg.DataPath = path })
	clients := map[string]*imagebuilder.Client{}
	clientOf := func(account string) *imagebuilder.Client {
		if clients[account] == nil {
			clients[account] = client(t, emu, account)
		}
		return clients[account]
	}
	if len(want.Components) == 0 {
		t.Fatal("the manifest lists no components")
	}
	for _, w := range want.Components {
		got := storedFrom(w.Account, mustGet(t, clientOf(w.Account), w.Arn).Component)
		if !reflect.DeepEqual(got, w) {
			gotJSON, _ := json.MarshalIndent(got, "", "  ")
			wantJSON, _ := json.MarshalIndent(w, "", "  ")
			t.Errorf("GetComponent %s =\n%s\nwant\n%s", w.Arn, gotJSON, wantJSON)
		}
	}
	for account, arns := range want.Listed {
		requireSameStrings(t, "ListComponents of "+account, listARNs(t, clientOf(account), nil), arns)
	}
	n := want.NextBuild
	if got := mustCreate(t, clientOf(n.Account), createInput(n.Name, n.Version)); got != n.Arn {
		t.Errorf("the next build of %s %s is %s, want %s", n.Name, n.Version, got, n.Arn)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
