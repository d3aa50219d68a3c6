package simulate

import (
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// The AWS CLI's --output text and --output table renderings of a
// response, reproduced from their observable behaviour (awscli's text and
// table formatters, as documented and as the CLI prints):
//
// text: a structure's scalar members are printed on one line, in key
// order, separated by tabs, after the upper-cased name of the member that
// holds it (none at the top level); its lists and structures follow, each
// under its own name. The structures of one list share the columns of
// every scalar key any of them has (an absent one prints as empty). A list
// of scalars prints one "NAME\tvalue" line per element. Empty lists print
// nothing. Booleans print as Python does (True, False).
//
// table: a box-drawn table titled with the operation name; each nested
// structure or list is a section titled with its member name and indented
// by one "|" on each side per level. A section's scalar members are a
// header row (key order) and a value row; a single scalar is one
// "key | value" row. The structures of a list share one header, and each
// starts a new section when it has nested members. Columns get the width
// of their widest cell plus four and are scaled to the widest section.
// When that is wider than the terminal (80 columns when standard output
// is not a terminal), every section with one value row is turned
// vertical: one "key | value" row per column.
//
// Not reproduced: colour (the CLI colours tables only on a terminal),
// double-width East Asian characters (counted as one column here), and the
// CLI's per-page text output of a paginated call (the pages are joined
// first, which only differs when pages have different scalar keys).

// isScalar tells a JSON value the formatters print as a cell.
func isScalar(n jsonNode) bool {
	switch n.(type) {
	case jsonObject, jsonArray:
		return false
	}
	return true
}

// pyStr is a scalar as Python's str() prints it.
func pyStr(n jsonNode) string {
	switch v := n.(type) {
	case jsonString:
		return string(v)
	case jsonBool:
		if v {
			return "True"
		}
		return "False"
	case jsonInt:
		var b strings.Builder
		v.write(&b, 0)
		return b.String()
	case nil:
		return ""
	}
	return ""
}

func (o jsonObject) get(key string) (jsonNode, bool) {
	for _, m := range o {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

// sortedMembers splits a structure's keys into scalar and other members,
// each sorted.
func sortedMembers(o jsonObject) (scalars, others []string) {
	for _, m := range o {
		if isScalar(m.value) {
			scalars = append(scalars, m.key)
		} else {
			others = append(others, m.key)
		}
	}
	sort.Strings(scalars)
	sort.Strings(others)
	return scalars, others
}

func isEmpty(n jsonNode) bool {
	switch v := n.(type) {
	case jsonObject:
		return len(v) == 0
	case jsonArray:
		return len(v) == 0
	}
	return false
}

// renderText is --output text.
func renderText(n jsonNode) string {
	var b strings.Builder
	textValue(&b, n, "", nil)
	return b.String()
}

// textValue prints n under the section name ident ("" at the top level);
// columns, when not nil, are the scalar keys shared by a list's
// structures.
func textValue(b *strings.Builder, n jsonNode, ident string, columns []string) {
	switch v := n.(type) {
	case jsonObject:
		textObject(b, v, ident, columns)
	case jsonArray:
		textList(b, v, ident)
	default:
		b.WriteString(pyStr(v))
		b.WriteByte('\n')
	}
}

func textObject(b *strings.Builder, o jsonObject, ident string, columns []string) {
	var cells, rest []string
	if columns == nil {
		var scalars []string
		scalars, rest = sortedMembers(o)
		for _, k := range scalars {
			v, _ := o.get(k)
			cells = append(cells, pyStr(v))
		}
	} else {
		for _, k := range columns {
			v, _ := o.get(k)
			cells = append(cells, pyStr(v))
		}
		for _, m := range o {
			if !contains(columns, m.key) {
				rest = append(rest, m.key)
			}
		}
		sort.Strings(rest)
	}
	if len(cells) > 0 {
		if ident != "" {
			cells = append([]string{strings.ToUpper(ident)}, cells...)
		}
		b.WriteString(strings.Join(cells, "\t"))
		b.WriteByte('\n')
	}
	for _, k := range rest {
		v, _ := o.get(k)
		textValue(b, v, k, nil)
	}
}

func textList(b *strings.Builder, a jsonArray, ident string) {
	if len(a) == 0 {
		return
	}
	var scalars []jsonNode
	hasObject, hasList := false, false
	for _, el := range a {
		switch el.(type) {
		case jsonObject:
			hasObject = true
		case jsonArray:
			hasList = true
		default:
			scalars = append(scalars, el)
		}
	}
	switch {
	case hasObject:
		columns := []string{}
		for _, el := range a {
			if o, ok := el.(jsonObject); ok {
				s, _ := sortedMembers(o)
				for _, k := range s {
					if !contains(columns, k) {
						columns = append(columns, k)
					}
				}
			}
		}
		sort.Strings(columns)
		for _, el := range a {
			textValue(b, el, ident, columns)
		}
	default:
		textScalars(b, scalars, ident)
		if hasList {
			for _, el := range a {
				if !isScalar(el) {
					textValue(b, el, ident, nil)
				}
			}
		}
	}
}

func textScalars(b *strings.Builder, items []jsonNode, ident string) {
	if len(items) == 0 {
		return
	}
	if ident == "" {
		cells := make([]string, len(items))
		for i, it := range items {
			cells[i] = pyStr(it)
		}
		b.WriteString(strings.Join(cells, "\t"))
		b.WriteByte('\n')
		return
	}
	for _, it := range items {
		b.WriteString(strings.ToUpper(ident) + "\t" + pyStr(it) + "\n")
	}
}

// TerminalWidth is the width the CLI lays tables out for: the terminal's
// when w is one, else 80.
func TerminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return int(ws.Col)
		}
	}
	return 80
}

// section is one titled block of a table.
type section struct {
	title   string
	indent  int
	headers []string
	rows    [][]string
	widths  []int // the widest cell of each column
}

func textLen(s string) int { return utf8.RuneCountInString(s) }

func (s *section) measure(cells []string) {
	for i, c := range cells {
		if i >= len(s.widths) {
			s.widths = append(s.widths, textLen(c))
		} else if l := textLen(c); l > s.widths[i] {
			s.widths[i] = l
		}
	}
}

func (s *section) setHeaders(h []string) { s.headers = h; s.measure(h) }
func (s *section) addRow(r []string)     { s.rows = append(s.rows, r); s.measure(r) }

// width is the section's natural width: each column's widest cell plus
// four, two border characters, and its indentation on both sides; at
// least its title's.
func (s *section) width() int {
	total := 2 + 2*s.indent
	for _, w := range s.widths {
		total += w + 4
	}
	if t := textLen(s.title) + 2 + 2*s.indent; t > total {
		return t
	}
	return total
}

// columnWidths scales the padded column widths to total max, rounding
// half to even, then moves the remainder one column at a time (taking
// from the first columns, giving to the last).
func (s *section) columnWidths(max int) []int {
	if len(s.widths) == 0 {
		return nil
	}
	sum := 0
	for _, w := range s.widths {
		sum += w + 4
	}
	scale := float64(max) / float64(sum)
	out := make([]int, len(s.widths))
	off := -max
	for i, w := range s.widths {
		out[i] = int(math.RoundToEven(scale * float64(w+4)))
		off += out[i]
	}
	for off != 0 {
		for j := range out {
			i := j
			if off < 0 {
				i = len(out) - 1 - j
			}
			if off > 0 {
				out[i]--
				off--
			} else {
				out[i]++
				off++
			}
			if off == 0 {
				break
			}
		}
	}
	return out
}

type tableBuilder struct {
	sections []*section
	cur      *section
}

func (t *tableBuilder) newSection(title string, indent int) {
	t.cur = &section{title: title, indent: indent}
	t.sections = append(t.sections, t.cur)
}

// build adds n under title; it reports whether n had anything to show.
func (t *tableBuilder) build(title string, n jsonNode, indent int) bool {
	if isEmpty(n) {
		return false
	}
	if title != "" {
		t.newSection(title, indent)
	}
	switch v := n.(type) {
	case jsonArray:
		if _, ok := v[0].(jsonObject); ok {
			t.buildList(title, v, indent)
			break
		}
		for _, el := range v {
			switch e := el.(type) {
			case jsonArray:
				allScalar := true
				cells := make([]string, len(e))
				for i, x := range e {
					allScalar = allScalar && isScalar(x)
					cells[i] = pyStr(x)
				}
				if allScalar {
					t.cur.addRow(cells)
				} else {
					t.build("", e, 0)
				}
			case jsonObject:
				t.build("", e, 0)
			default:
				t.cur.addRow([]string{pyStr(e)})
			}
		}
	case jsonObject:
		t.buildObject(v, indent)
	}
	return true
}

func (t *tableBuilder) buildObject(o jsonObject, indent int) {
	scalars, others := sortedMembers(o)
	switch {
	case len(scalars) == 1:
		v, _ := o.get(scalars[0])
		t.cur.addRow([]string{scalars[0], pyStr(v)})
	case len(scalars) > 1:
		t.cur.setHeaders(scalars)
		row := make([]string, len(scalars))
		for i, k := range scalars {
			v, _ := o.get(k)
			row[i] = pyStr(v)
		}
		t.cur.addRow(row)
	}
	for _, k := range others {
		v, _ := o.get(k)
		t.build(k, v, indent+1)
	}
}

func (t *tableBuilder) buildList(title string, a jsonArray, indent int) {
	var headers, others []string
	for _, el := range a {
		o, ok := el.(jsonObject)
		if !ok {
			continue
		}
		s, r := sortedMembers(o)
		for _, k := range s {
			if !contains(headers, k) {
				headers = append(headers, k)
			}
		}
		for _, k := range r {
			if !contains(others, k) {
				others = append(others, k)
			}
		}
	}
	sort.Strings(headers)
	sort.Strings(others)
	t.cur.setHeaders(headers)
	for i, el := range a {
		o, _ := el.(jsonObject)
		if i > 0 && len(others) > 0 {
			t.newSection(title, indent)
			t.cur.setHeaders(headers)
		}
		row := make([]string, len(headers))
		for j, h := range headers {
			v, _ := o.get(h)
			row[j] = pyStr(v)
		}
		t.cur.addRow(row)
		for _, k := range others {
			if v, ok := o.get(k); ok {
				t.build(k, v, indent+1)
			}
		}
	}
}

// renderTable is --output table for a response of operation, laid out
// for a terminal of width columns.
func renderTable(operation string, n jsonNode, width int) string {
	t := &tableBuilder{}
	if !t.build(operation, n, 0) {
		return ""
	}
	max := tableWidth(t.sections)
	if max > width {
		for i, s := range t.sections {
			if len(s.rows) == 1 && len(s.headers) > 0 {
				v := &section{title: s.title, indent: s.indent}
				for j, h := range s.headers {
					v.addRow([]string{h, s.rows[0][j]})
				}
				t.sections[i] = v
			}
		}
		max = tableWidth(t.sections)
	}
	var b strings.Builder
	b.WriteString(strings.Repeat("-", max) + "\n")
	for _, s := range t.sections {
		s.render(&b, max)
	}
	return b.String()
}

func tableWidth(sections []*section) int {
	max := 0
	for _, s := range sections {
		if w := s.width(); w > max {
			max = w
		}
	}
	return max
}

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(" ", n)
}

// render writes the section at its indentation: title, header row and
// rows, each line framed by the indentation's "|" characters.
func (s *section) render(b *strings.Builder, max int) {
	edge := strings.Repeat("|", s.indent)
	line := func(text string) { b.WriteString(edge + text + edge + "\n") }
	max -= 2 * s.indent
	if s.title != "" {
		line(centered(s.title, max, "|", "|"))
		if len(s.headers) == 0 && len(s.rows) == 0 {
			line("+" + strings.Repeat("-", max-2) + "+")
		}
	}
	widths := s.columnWidths(max)
	if len(widths) == 0 {
		return
	}
	rule := func() {
		var r strings.Builder
		for i, w := range widths {
			if i == 0 {
				r.WriteString("+" + strings.Repeat("-", w-2) + "+")
			} else {
				r.WriteString(strings.Repeat("-", w-1) + "+")
			}
		}
		line(r.String())
	}
	if len(s.headers) > 0 {
		rule()
		var r strings.Builder
		for i, h := range s.headers {
			left := ""
			if i == 0 {
				left = "|"
			}
			r.WriteString(centered(h, widths[i], left, "|"))
		}
		line(r.String())
	}
	if len(s.rows) == 0 {
		return
	}
	rule()
	for _, row := range s.rows {
		var r strings.Builder
		for i, cell := range row {
			left := ""
			if i == 0 {
				left = "|"
			}
			r.WriteString(leftAligned(cell, widths[i], left, "|"))
		}
		line(r.String())
	}
	rule()
}

// centered puts text in the middle of a cell of length columns framed by
// left and right (an odd spare column goes to the right).
func centered(text string, length int, left, right string) string {
	tl := textLen(text)
	start := length/2 - tl/2 - 1
	used := textLen(left) + start + tl
	return left + spaces(start) + text + spaces(length-textLen(right)-used) + right
}

// leftAligned puts text two columns after left in a cell of length
// columns (no gap when it would not fit).
func leftAligned(text string, length int, left, right string) string {
	tl := textLen(text)
	pad := 2
	if length-(tl+pad+textLen(left)+textLen(right)) < 0 {
		pad = 0
	}
	used := textLen(left) + pad + tl
	return left + spaces(pad) + text + spaces(length-used-textLen(right)) + right
}
