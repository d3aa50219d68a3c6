package main

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Protobuf field numbers are part of the emulator's stored data (bbolt holds
// the generated messages) and of its gRPC API, so once released they never
// change. The generator does not derive them from member positions in the
// Smithy model, which a model refresh may reorder or extend anywhere; it
// keeps them in a committed, append-only lock file per package,
// proto/<service>/v1/fields.lock, one line per message member:
//
//	<Message>.<member> <number> <type> [retired]
//
// sorted by message, then number. The rules:
//
//   - A member listed (not retired) with the same protobuf type keeps its
//     number.
//   - A new member gets the next number never used in its message: one more
//     than the highest number the message's lines hold, retired ones
//     included.
//   - A member no longer in the model stays in the file, marked retired; the
//     .proto reserves its number (and its field name, unless an active field
//     has it), so protoc refuses any reuse. A message no longer in the model
//     has all its lines retired.
//   - A member whose protobuf type changed (integer → long, a structure
//     renamed) is a different field on the wire: its old line is retired and
//     it gets a new number.
//   - A member that comes back with the same name and the same protobuf type
//     gets its retired number back (the most recent one, if several): data
//     written while it existed decodes as that member again, which is what it
//     was. With another type it gets a new number.
//
// The generator writes the updated file with the generated code, so a model
// refresh shows its number assignments in the diff, and
// TestGeneratedCodeIsFresh fails while the committed file is behind.

// lockFileName is the lock file's name in each service's output directory.
const lockFileName = "fields.lock"

// fieldLock is the parsed lock file of one protobuf package.
type fieldLock struct {
	messages map[string][]*lockEntry // by message name, in no particular order
}

// lockEntry is one line of the lock file.
type lockEntry struct {
	Member  string // Smithy member name (the protobuf json_name)
	Number  int
	Type    string // protobuf type, see lockType
	Retired bool
}

// lockField is a member of the model asking for its number.
type lockField struct {
	Member string
	Type   string
}

// maxFieldNumber is protobuf's largest field number.
const maxFieldNumber = 1<<29 - 1

func newFieldLock() *fieldLock { return &fieldLock{messages: map[string][]*lockEntry{}} }

// parseFieldLock reads a lock file. It refuses anything the generator would
// not write: a number used twice in a message, a member active twice, a
// number protobuf reserves.
func parseFieldLock(data []byte) (*fieldLock, error) {
	l := newFieldLock()
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 && !(len(f) == 4 && f[3] == "retired") {
			return nil, fmt.Errorf("line %d: want \"<Message>.<member> <number> <type> [retired]\", got %q", n, line)
		}
		msg, member, ok := strings.Cut(f[0], ".")
		if !ok || msg == "" || member == "" {
			return nil, fmt.Errorf("line %d: %q is not <Message>.<member>", n, f[0])
		}
		num, err := strconv.Atoi(f[1])
		if err != nil || num < 1 || num > maxFieldNumber || (num >= 19000 && num <= 19999) {
			return nil, fmt.Errorf("line %d: %q is not a usable field number", n, f[1])
		}
		for _, e := range l.messages[msg] {
			if e.Number == num {
				return nil, fmt.Errorf("line %d: %s: number %d is also %s's", n, msg, num, e.Member)
			}
			if e.Member == member && !e.Retired && len(f) == 3 {
				return nil, fmt.Errorf("line %d: %s.%s is active twice (%d and %d)", n, msg, member, e.Number, num)
			}
		}
		l.messages[msg] = append(l.messages[msg], &lockEntry{Member: member, Number: num, Type: f[2], Retired: len(f) == 4})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

// assign returns the numbers of a message's members, in the order given,
// recording new members and retiring the ones missing from fields.
func (l *fieldLock) assign(message string, fields []lockField) ([]int, error) {
	entries := l.messages[message]
	next := 1
	for _, e := range entries {
		if e.Number >= next {
			next = e.Number + 1
		}
	}
	present := map[string]bool{}
	for _, f := range fields {
		present[f.Member] = true
	}
	// Retire what left the model, or changed type, first: a member may then
	// take back a retired number of the same name and type.
	for _, e := range entries {
		if e.Retired {
			continue
		}
		if !present[e.Member] {
			e.Retired = true
			continue
		}
		for _, f := range fields {
			if f.Member == e.Member && f.Type != e.Type {
				e.Retired = true
			}
		}
	}
	numbers := make([]int, len(fields))
	for i, f := range fields {
		var found, revive *lockEntry
		for _, e := range entries {
			if e.Member != f.Member || e.Type != f.Type {
				continue
			}
			if !e.Retired {
				found = e
			} else if revive == nil || e.Number > revive.Number {
				revive = e
			}
		}
		switch {
		case found != nil:
		case revive != nil:
			revive.Retired = false
			found = revive
		default:
			if next > maxFieldNumber {
				return nil, fmt.Errorf("%s: out of field numbers", message)
			}
			if next == 19000 { // protobuf's own range
				next = 20000
			}
			found = &lockEntry{Member: f.Member, Number: next, Type: f.Type}
			next++
			entries = append(entries, found)
		}
		numbers[i] = found.Number
	}
	l.messages[message] = entries
	return numbers, nil
}

// retireMessagesExcept retires every line of the messages not in keep.
func (l *fieldLock) retireMessagesExcept(keep map[string]bool) {
	for msg, entries := range l.messages {
		if keep[msg] {
			continue
		}
		for _, e := range entries {
			e.Retired = true
		}
	}
}

// reserved returns the retired numbers of a message, ascending, and the
// field names of its retired members that no active member uses (fieldName
// turns a member name into its protobuf field name).
func (l *fieldLock) reserved(message string, fieldName func(string) string) ([]int, []string) {
	var nums []int
	active := map[string]bool{}
	for _, e := range l.messages[message] {
		if !e.Retired {
			active[fieldName(e.Member)] = true
		}
	}
	seen := map[string]bool{}
	var names []string
	for _, e := range l.messages[message] {
		if !e.Retired {
			continue
		}
		nums = append(nums, e.Number)
		if n := fieldName(e.Member); !active[n] && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Ints(nums)
	sort.Strings(names)
	return nums, names
}

// format renders the lock file: the header comment, then one line per
// member sorted by message and number.
func (l *fieldLock) format(pkg string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Protobuf field numbers of package %s, kept by internal/codegen\n", pkg)
	b.WriteString("# (go generate ./proto; see internal/codegen/fieldlock.go). Append-only: a\n")
	b.WriteString("# number given to a member is never given to another. A member that left\n")
	b.WriteString("# the model stays, retired, and its number is reserved in the .proto.\n")
	b.WriteString("# <Message>.<member> <number> <type> [retired]\n")
	for _, msg := range sortedKeys(l.messages) {
		entries := append([]*lockEntry(nil), l.messages[msg]...)
		sort.Slice(entries, func(i, j int) bool { return entries[i].Number < entries[j].Number })
		for _, e := range entries {
			fmt.Fprintf(&b, "%s.%s %d %s", msg, e.Member, e.Number, e.Type)
			if e.Retired {
				b.WriteString(" retired")
			}
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// lockType is the protobuf type of a member targeting sh as the lock file
// spells it, without spaces: "string", "int64", "Component",
// "google.protobuf.Timestamp", "[]string", "map<string,Tag>". Smithy types
// with the same protobuf encoding (enum and string) spell the same.
func lockType(sh *shape) string {
	switch sh.Kind {
	case "List":
		return "[]" + elemType(sh.Elem)
	case "Map":
		return "map<string," + elemType(sh.Elem) + ">"
	}
	return elemType(sh)
}

// assignNumbers gives every structure member its field number from the lock,
// updating it, and notes each message's reserved numbers and names.
func (s *service) assignNumbers(l *fieldLock) error {
	keep := map[string]bool{}
	for _, sh := range s.Shapes {
		if sh.Kind != "Structure" {
			continue
		}
		keep[sh.Name] = true
		fields := make([]lockField, len(sh.Members))
		for i, m := range sh.Members {
			fields[i] = lockField{Member: m.Name, Type: lockType(m.Target)}
		}
		nums, err := l.assign(sh.Name, fields)
		if err != nil {
			return err
		}
		for i, m := range sh.Members {
			m.Number = nums[i]
		}
	}
	l.retireMessagesExcept(keep)
	for _, sh := range s.Shapes {
		if sh.Kind == "Structure" {
			sh.ReservedNumbers, sh.ReservedNames = l.reserved(sh.Name, snakeCase)
		}
	}
	return nil
}
