package simulate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const outputDir = "../../../testdata/simulate-output"

// Every testdata/simulate-output/NAME.json, run with --output text and
// --output table (laid out for 80 columns, as when the output is not a
// terminal), prints NAME.text and NAME.table: narrow fits and keeps its
// horizontal sections, wide is turned vertical, page is one page with
// IsTruncated and Marker.
func TestOutputFormatsGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(outputDir, "*.json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		for _, format := range []string{"text", "table"} {
			name := strings.TrimSuffix(filepath.Base(in), ".json") + "." + format
			t.Run(name, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				if code := Main([]string{"--cli-input-json", "file://" + in, "--output=" + format}, strings.NewReader(""), &stdout, &stderr); code != 0 {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
				golden := filepath.Join(outputDir, name)
				if *update {
					if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("missing golden file (run with -update and review it): %v", err)
				}
				if stdout.String() != string(want) {
					t.Errorf("differs from %s:\n--- got\n%s--- want\n%s", golden, stdout.String(), want)
				}
			})
		}
	}
}

// The table's pieces: column widths scaled with Python's rounding (half
// to even) and the remainder moved; cells centred and left-aligned as the
// CLI pads them.
func TestTablePieces(t *testing.T) {
	s := &section{widths: []int{1, 1, 1, 1}} // 5 each, 20 in all
	if got := s.columnWidths(22); !equalInts(got, []int{5, 5, 6, 6}) {
		// 5.5 rounds to 6 (even) four times: 24, two taken from the first.
		t.Errorf("columnWidths(22) = %v", got)
	}
	if got := s.columnWidths(18); !equalInts(got, []int{4, 4, 5, 5}) {
		// 4.5 rounds to 4 four times: 16, two given to the last.
		t.Errorf("columnWidths(18) = %v", got)
	}
	if got := centered("ab", 10, "|", "|"); got != "|   ab   |" {
		t.Errorf("centered = %q", got)
	}
	if got := leftAligned("abc", 8, "|", "|"); got != "|  abc |" {
		t.Errorf("leftAligned = %q", got)
	}
	if got := leftAligned("abcdef", 8, "|", "|"); got != "|abcdef|" {
		t.Errorf("leftAligned without room = %q", got)
	}
	// Text: a list of scalars at the top level is one tab-separated line;
	// the structures of a list share every scalar column.
	got := renderText(jsonObject{{"L", jsonArray{jsonObject{{"A", jsonString("x")}}, jsonObject{{"B", jsonBool(true)}}}}, {"S", jsonArray{jsonString("p"), jsonString("q")}}})
	if want := "L\tx\t\nL\t\tTrue\nS\tp\nS\tq\n"; got != want {
		t.Errorf("renderText = %q, want %q", got, want)
	}
	if got := renderText(jsonArray{jsonString("p"), jsonInt(2)}); got != "p\t2\n" {
		t.Errorf("renderText of a bare list = %q", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
