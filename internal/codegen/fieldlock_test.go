package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/descriptorpb"
)

// lockOf builds a lock holding one message from its first assignment.
func lockOf(t *testing.T, message string, fields ...lockField) *fieldLock {
	t.Helper()
	l := newFieldLock()
	if _, err := l.assign(message, fields); err != nil {
		t.Fatal(err)
	}
	return l
}

func str(name string) lockField { return lockField{Member: name, Type: "string"} }

// reparse round-trips a lock through its file format, as the next
// generator run would read it.
func reparse(t *testing.T, l *fieldLock) *fieldLock {
	t.Helper()
	out, err := parseFieldLock(l.format("test.v1"))
	if err != nil {
		t.Fatalf("the generator's own lock file does not parse: %v", err)
	}
	return out
}

func assignOK(t *testing.T, l *fieldLock, message string, fields ...lockField) []int {
	t.Helper()
	nums, err := l.assign(message, fields)
	if err != nil {
		t.Fatal(err)
	}
	return nums
}

// An empty lock numbers members in model order: seeding the lock from the
// numbers the generator used before it existed changed no field.
func TestFieldLockSeedsModelOrder(t *testing.T) {
	l := newFieldLock()
	if got := assignOK(t, l, "M", str("a"), str("b"), str("c")); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("numbers = %v, want 1 2 3", got)
	}
}

func TestFieldLockInsertInTheMiddle(t *testing.T) {
	l := reparse(t, lockOf(t, "M", str("a"), str("b"), str("c")))
	got := assignOK(t, l, "M", str("a"), str("new"), str("b"), str("c"))
	if !slices.Equal(got, []int{1, 4, 2, 3}) {
		t.Fatalf("numbers = %v, want a=1 new=4 b=2 c=3", got)
	}
	if nums, names := l.reserved("M", snakeCase); len(nums) != 0 || len(names) != 0 {
		t.Errorf("reserved %v %v after an insertion", nums, names)
	}
}

func TestFieldLockRemoveReserves(t *testing.T) {
	l := reparse(t, lockOf(t, "M", str("a"), str("oldName"), str("c")))
	if got := assignOK(t, l, "M", str("a"), str("c")); !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("numbers = %v, want 1 3", got)
	}
	l = reparse(t, l)
	nums, names := l.reserved("M", snakeCase)
	if !slices.Equal(nums, []int{2}) || !slices.Equal(names, []string{"old_name"}) {
		t.Fatalf("reserved %v %v, want [2] [old_name]", nums, names)
	}
	if !strings.Contains(string(l.format("test.v1")), "\nM.oldName 2 string retired\n") {
		t.Errorf("the removed member is not kept as retired:\n%s", l.format("test.v1"))
	}
	// A new member never takes the retired number, even when the removed
	// one was the highest.
	l = reparse(t, lockOf(t, "N", str("a"), str("b")))
	assignOK(t, l, "N", str("a"))
	if got := assignOK(t, l, "N", str("a"), str("c")); !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("numbers = %v, want a=1 c=3 (2 is retired)", got)
	}
}

// A member that comes back with its name and type gets its old number:
// values stored while it existed are that member's. With another type it
// is another field.
func TestFieldLockReadd(t *testing.T) {
	l := reparse(t, lockOf(t, "M", str("a"), str("b"), str("c")))
	assignOK(t, l, "M", str("a"), str("c"))
	l = reparse(t, l)
	if got := assignOK(t, l, "M", str("a"), str("b"), str("c")); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("numbers = %v, want b back at 2", got)
	}
	if nums, _ := l.reserved("M", snakeCase); len(nums) != 0 {
		t.Errorf("still reserved after the re-add: %v", nums)
	}

	l = reparse(t, l)
	assignOK(t, l, "M", str("a"), str("c"))
	got := assignOK(t, l, "M", str("a"), lockField{Member: "b", Type: "int64"}, str("c"))
	if !slices.Equal(got, []int{1, 4, 3}) {
		t.Fatalf("numbers = %v, want b as int64 at 4", got)
	}
	nums, names := l.reserved("M", snakeCase)
	if !slices.Equal(nums, []int{2}) || len(names) != 0 {
		t.Fatalf("reserved %v %v, want number 2 only (the name b is in use)", nums, names)
	}
}

func TestFieldLockTypeChange(t *testing.T) {
	l := reparse(t, lockOf(t, "M", str("a"), str("b")))
	got := assignOK(t, l, "M", str("a"), lockField{Member: "b", Type: "[]string"})
	if !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("numbers = %v, want b at a new number 3", got)
	}
	l = reparse(t, l)
	// Back to the first type: the first number again.
	if got := assignOK(t, l, "M", str("a"), str("b")); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("numbers = %v, want b back at 2", got)
	}
	if nums, _ := l.reserved("M", snakeCase); !slices.Equal(nums, []int{3}) {
		t.Errorf("reserved %v, want 3", nums)
	}
}

func TestFieldLockRemovedMessage(t *testing.T) {
	l := lockOf(t, "Gone", str("x"), str("y"))
	assignOK(t, l, "Kept", str("a"))
	l.retireMessagesExcept(map[string]bool{"Kept": true})
	l = reparse(t, l)
	if nums, _ := l.reserved("Gone", snakeCase); !slices.Equal(nums, []int{1, 2}) {
		t.Fatalf("Gone reserves %v, want 1 2", nums)
	}
	if got := assignOK(t, l, "Gone", str("z"), str("x")); !slices.Equal(got, []int{3, 1}) {
		t.Fatalf("the message's return numbered %v, want z=3 x=1", got)
	}
}

func TestFieldLockFormatIsSorted(t *testing.T) {
	l := newFieldLock()
	assignOK(t, l, "B", str("z"), str("a"))
	assignOK(t, l, "A", str("m"))
	assignOK(t, l, "B", str("new"), str("z"), str("a"))
	var lines []string
	for _, line := range strings.Split(string(l.format("test.v1")), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			lines = append(lines, line)
		}
	}
	want := []string{"A.m 1 string", "B.z 1 string", "B.a 2 string", "B.new 3 string"}
	if !slices.Equal(lines, want) {
		t.Fatalf("lines = %q, want %q", lines, want)
	}
}

func TestFieldLockParseRejects(t *testing.T) {
	for _, bad := range []string{
		"M.a 1",
		"M.a one string",
		"M.a 0 string",
		"M.a 19000 string",
		"Ma 1 string",
		"M.a 1 string gone",
		"M.a 1 string\nM.b 1 string",
		"M.a 1 string\nM.a 2 string",
	} {
		if _, err := parseFieldLock([]byte(bad)); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
	l, err := parseFieldLock([]byte("# comment\n\nM.a 1 string retired\nM.a 2 int64\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := assignOK(t, l, "M", lockField{Member: "a", Type: "int64"}); !slices.Equal(got, []int{2}) {
		t.Errorf("numbers = %v", got)
	}
}

// A member removed from the model (and one whose type changed) comes out of
// the whole pipeline reserved: the .proto compiles and its descriptor
// refuses the old numbers and name.
func TestFieldLockReservesInProto(t *testing.T) {
	model := `{"smithy": "2.0", "shapes": {
	 "t#Svc": {"type": "service", "version": "1", "operations": [{"target": "t#Op"}],
	  "traits": {"aws.api#service": {"sdkId": "T"}, "aws.auth#sigv4": {"name": "t"}, "aws.protocols#awsQuery": {}}},
	 "t#Op": {"type": "operation", "input": {"target": "t#OpRequest"}},
	 "t#OpRequest": {"type": "structure", "members": {
	  "Added": {"target": "t#Str"}, "Kept": {"target": "t#Str"}, "Count": {"target": "t#Long"}}},
	 "t#Str": {"type": "string"},
	 "t#Long": {"type": "long"}}}`
	var m smithyModel
	if err := json.Unmarshal([]byte(model), &m); err != nil {
		t.Fatal(err)
	}
	cfg := serviceConfig{Model: "t.json", Dir: "t/v1", ProtoPackage: "ibemu.t.v1", GoPackage: "tv1", GRPCService: "T"}
	svc, err := buildService(cfg, &m)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := parseFieldLock([]byte("OpRequest.Kept 1 string\nOpRequest.RemovedMember 2 string\nOpRequest.Count 3 int32\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.assignNumbers(lock); err != nil {
		t.Fatal(err)
	}
	src := svc.protoFile(modulePath)
	fd, err := compileProto(context.Background(), "t/v1/t.proto", src)
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	var msg *descriptorpb.DescriptorProto
	for _, d := range fd.GetMessageType() {
		if d.GetName() == "OpRequest" {
			msg = d
		}
	}
	got := map[string]int32{}
	for _, f := range msg.GetField() {
		got[f.GetJsonName()] = f.GetNumber()
	}
	if got["Kept"] != 1 || got["Added"] != 4 || got["Count"] != 5 {
		t.Errorf("fields %v, want Kept=1 Added=4 Count=5 (int32 → int64 is a new field)", got)
	}
	var reserved []int32
	for _, r := range msg.GetReservedRange() {
		for n := r.GetStart(); n < r.GetEnd(); n++ {
			reserved = append(reserved, n)
		}
	}
	if !slices.Equal(reserved, []int32{2, 3}) || !slices.Equal(msg.GetReservedName(), []string{"removed_member"}) {
		t.Errorf("reserved %v %v, want [2 3] [removed_member]\n%s", reserved, msg.GetReservedName(), src)
	}
	if want := "OpRequest.Count 3 int32 retired\nOpRequest.Added 4 string\nOpRequest.Count 5 int64\n"; !strings.HasSuffix(string(lock.format(cfg.ProtoPackage)), want) {
		t.Errorf("lock file:\n%s\nwant it to end with\n%s", lock.format(cfg.ProtoPackage), want)
	}
}
