package policy

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// ValueType is the type of a request context value, as the simulator's
// ContextKeyType names them (without the List suffix).
type ValueType uint8

// Context value types.
const (
	TypeString ValueType = iota
	TypeNumeric
	TypeBoolean
	TypeDate
	TypeIP
	TypeBinary
)

func (t ValueType) String() string {
	switch t {
	case TypeNumeric:
		return "numeric"
	case TypeBoolean:
		return "boolean"
	case TypeDate:
		return "date"
	case TypeIP:
		return "ip"
	case TypeBinary:
		return "binary"
	}
	return "string"
}

// Value is one value of a context key. The raw text is always kept; the typed
// form is parsed once when the value is added, so operators do not re-parse.
//
// The typed forms are stored compactly (an address as its 16 bytes, binary
// data as a string) because a request context holds a dozen values and is
// built for every request.
type Value struct {
	Raw  string
	num  float64
	when instant
	bin  string
	ip   [16]byte
	ipV  uint8 // 0: no address, 4 or 6: the family of ip
	Type ValueType
	b    bool
}

// addr is an IP-typed value's address.
func (v *Value) addr() (netip.Addr, bool) {
	switch v.ipV {
	case 4:
		return netip.AddrFrom4([4]byte(v.ip[:4])), true
	case 6:
		return netip.AddrFrom16(v.ip), true
	}
	return netip.Addr{}, false
}

func (v *Value) setAddr(a netip.Addr) {
	if a.Is4() {
		b := a.As4()
		copy(v.ip[:], b[:])
		v.ipV = 4
		return
	}
	v.ip, v.ipV = a.As16(), 6
}

type contextEntry struct {
	name   string
	lower  string // name lower-cased, for lookups
	values []Value
	// list marks multivalued keys; they cannot be used as policy variables.
	list bool
}

// Context is the request context: condition keys and their values. Key names
// are case-insensitive; they are normalised once, when a key is set, so
// lookups during evaluation are plain map reads.
//
// Entries and single values live in slabs that grow by appending, so setting
// the dozen keys of a typical request costs a handful of allocations rather
// than three per key; a value once set is never modified in place (a later
// Set replaces the entry), so decisions that keep a Context stay valid. A
// request has a few dozen keys at most, which a linear scan finds faster
// than a map is built; a map indexes contexts that grow larger.
type Context struct {
	entries []contextEntry
	vals    []Value          // backing store of single-valued keys
	index   map[string]int32 // lower-cased key → position, past indexAbove entries
}

// indexAbove is the number of keys past which lookups use a map.
const indexAbove = 32

// typicalKeys sizes a new Context: the dozen global keys of a request plus
// a few the request and the resource contribute.
const typicalKeys = 16

// contextSlab is a new Context with its first slabs, allocated at once.
type contextSlab struct {
	ctx     Context
	entries [typicalKeys]contextEntry
	vals    [typicalKeys]Value
}

// NewContext returns an empty request context.
func NewContext() *Context {
	s := &contextSlab{}
	s.ctx.entries, s.ctx.vals = s.entries[:0], s.vals[:0]
	return &s.ctx
}

// Set sets a single-valued key (or a key with several values that is not a
// list key). It replaces any earlier values.
func (c *Context) Set(key string, typ ValueType, values ...string) error {
	return c.set(key, typ, false, values)
}

// SetList sets a multivalued key such as aws:TagKeys.
func (c *Context) SetList(key string, typ ValueType, values ...string) error {
	return c.set(key, typ, true, values)
}

// SetString sets a single-valued string key.
func (c *Context) SetString(key, value string) {
	c.put(key, contextEntry{name: key, values: c.single(Value{Raw: value, Type: TypeString})})
}

func (c *Context) set(key string, typ ValueType, list bool, raw []string) error {
	e := contextEntry{name: key, list: list || len(raw) > 1}
	if len(raw) == 1 && !list {
		v, err := parseValue(raw[0], typ)
		if err != nil {
			return fmt.Errorf("context key %s: %w", key, err)
		}
		e.values = c.single(v)
	} else {
		e.values = make([]Value, 0, len(raw))
		for _, r := range raw {
			v, err := parseValue(r, typ)
			if err != nil {
				return fmt.Errorf("context key %s: %w", key, err)
			}
			e.values = append(e.values, v)
		}
	}
	c.put(key, e)
	return nil
}

// single stores v in the value slab and returns it as a one-element slice
// that appends cannot reach.
func (c *Context) single(v Value) []Value {
	c.vals = append(c.vals, v)
	n := len(c.vals)
	return c.vals[n-1 : n : n]
}

// SetValue sets a single-valued key to v, a value ParseValue returned: the
// same as Set with v's text and type, without parsing it again.
func (c *Context) SetValue(key string, v Value) {
	c.put(key, contextEntry{name: key, values: c.single(v)})
}

// ParseValue parses raw as a value of type typ, as Set does. A caller that
// sets the same value on many contexts parses it once and uses SetValue.
func ParseValue(raw string, typ ValueType) (Value, error) {
	return parseValue(raw, typ)
}

// SetTag sets the single-valued string key prefix+tag (such as
// "aws:ResourceTag/"+tag), building the key's name and its lower-cased form
// in one allocation.
func (c *Context) SetTag(prefix, tag, value string) {
	name, lower := tagKey(prefix, tag)
	c.putLower(contextEntry{name: name, lower: lower, values: c.single(Value{Raw: value, Type: TypeString})})
}

// tagKey returns prefix+tag and its lower-cased form (what lowerKey would
// return), sharing one allocation when both are ASCII.
func tagKey(prefix, tag string) (name, lower string) {
	n := len(prefix) + len(tag)
	if !isASCII(prefix) || !isASCII(tag) {
		name = prefix + tag
		return name, lowerKey(name)
	}
	var b strings.Builder
	b.Grow(2 * n)
	b.WriteString(prefix)
	b.WriteString(tag)
	writeLowerASCII(&b, prefix)
	writeLowerASCII(&b, tag)
	s := b.String()
	return s[:n], s[n:]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// writeLowerASCII writes s, an ASCII string, lower-cased.
func writeLowerASCII(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
}

func (c *Context) put(key string, e contextEntry) {
	e.lower = lowerKey(key)
	c.putLower(e)
}

// putLower is put with e.lower already set.
func (c *Context) putLower(e contextEntry) {
	if i := c.find(e.lower); i >= 0 {
		c.entries[i] = e
		return
	}
	c.appendEntry(e)
}

// appendEntry adds an entry whose key is not present.
func (c *Context) appendEntry(e contextEntry) {
	c.entries = append(c.entries, e)
	switch n := len(c.entries); {
	case c.index != nil:
		c.index[e.lower] = int32(n - 1)
	case n > indexAbove:
		c.index = make(map[string]int32, 2*n)
		for i := range c.entries {
			c.index[c.entries[i].lower] = int32(i)
		}
	}
}

// find returns the position of a lower-cased key, or -1.
func (c *Context) find(lower string) int {
	if c.index != nil {
		if i, ok := c.index[lower]; ok {
			return int(i)
		}
		return -1
	}
	for i := range c.entries {
		if c.entries[i].lower == lower {
			return i
		}
	}
	return -1
}

// entry returns the entry of a lower-cased key, or nil.
func (c *Context) entry(lowerKey string) *contextEntry {
	if c == nil {
		return nil
	}
	if i := c.find(lowerKey); i >= 0 {
		return &c.entries[i]
	}
	return nil
}

// lowerKey lower-cases a key name without allocating when it is lower case
// already or is one of the global keys every request carries.
func lowerKey(key string) string {
	upper := false
	for i := 0; i < len(key); i++ {
		if c := key[i]; c >= 'A' && c <= 'Z' {
			upper = true
			break
		}
	}
	if !upper {
		return key
	}
	if l, ok := knownLower[key]; ok {
		return l
	}
	return strings.ToLower(key)
}

// knownLower holds the lower-case forms of the keys set on every request.
var knownLower = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport", "aws:SourceIp", "aws:RequestedRegion",
		"aws:ViaAWSService", "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType",
		"aws:PrincipalIsAWSService", "aws:PrincipalServiceName", "aws:ResourceAccount", "aws:TokenIssueTime",
		"aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:SourceIdentity", "aws:TagKeys",
		"aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:FederatedProvider",
	} {
		m[k] = strings.ToLower(k)
	}
	return m
}()

func parseValue(raw string, typ ValueType) (Value, error) {
	v := Value{Raw: raw, Type: typ}
	var ok bool
	switch typ {
	case TypeString:
		return v, nil
	case TypeNumeric:
		v.num, ok = parseNumber(raw)
	case TypeBoolean:
		v.b, ok = parseBool(raw)
	case TypeDate:
		v.when, ok = parseDate(raw)
	case TypeIP:
		var a netip.Addr
		if a, ok = parseIPAddr(raw); ok {
			v.setAddr(a)
		}
	case TypeBinary:
		b, err := base64.StdEncoding.DecodeString(raw)
		v.bin, ok = string(b), err == nil
	default:
		return v, fmt.Errorf("unknown value type %d", typ)
	}
	if !ok {
		return v, fmt.Errorf("%q is not a valid %s value", raw, typ)
	}
	return v, nil
}

// Has reports whether key is present (with at least one value).
func (c *Context) Has(key string) bool {
	_, ok := c.Lookup(key)
	return ok
}

// Lookup returns the values of a key. A key with no values counts as absent,
// as AWS treats an empty data set.
func (c *Context) Lookup(key string) ([]Value, bool) {
	return c.lookup(strings.ToLower(key))
}

func (c *Context) lookup(lowerKey string) ([]Value, bool) {
	e := c.entry(lowerKey)
	if e == nil || len(e.values) == 0 {
		return nil, false
	}
	return e.values, true
}

// variable resolves a policy variable: only single-valued keys can be used.
func (c *Context) variable(lowerKey string) (string, bool) {
	e := c.entry(lowerKey)
	if e == nil || e.list || len(e.values) != 1 {
		return "", false
	}
	return e.values[0].Raw, true
}

// Keys lists the keys present, as they were written, in sorted order.
func (c *Context) Keys() []string {
	if c == nil {
		return nil
	}
	out := make([]string, 0, len(c.entries))
	for i := range c.entries {
		out = append(out, c.entries[i].name)
	}
	slices.Sort(out)
	return out
}

// KeyValues is one key of a Context with its values, as AppendSorted lists
// them.
type KeyValues struct {
	Name   string
	Values []Value
}

// AppendSorted appends the keys present with their values to dst, in the
// order Keys lists them, and returns the extended slice: a caller that walks
// every key of many contexts reuses one slice and looks nothing up. A key
// with no values is listed with none.
func (c *Context) AppendSorted(dst []KeyValues) []KeyValues {
	if c == nil {
		return dst
	}
	start := len(dst)
	for i := range c.entries {
		dst = append(dst, KeyValues{Name: c.entries[i].name, Values: c.entries[i].values})
	}
	slices.SortFunc(dst[start:], func(a, b KeyValues) int { return strings.Compare(a.Name, b.Name) })
	return dst
}

// AppendUnsorted is AppendSorted without the sort: the keys in the order
// they were first set. A caller that stores contexts (the decision log)
// sorts when it reads them back, off the request path.
func (c *Context) AppendUnsorted(dst []KeyValues) []KeyValues {
	if c == nil {
		return dst
	}
	for i := range c.entries {
		dst = append(dst, KeyValues{Name: c.entries[i].name, Values: c.entries[i].values})
	}
	return dst
}

// Clone returns a copy that can be changed without affecting c.
func (c *Context) Clone() *Context {
	n := NewContext()
	if c == nil {
		return n
	}
	n.entries = append(n.entries, c.entries...)
	if c.index != nil {
		n.index = make(map[string]int32, len(c.index))
		for k, i := range c.index {
			n.index[k] = i
		}
	}
	return n
}

// setIfAbsent adds a string key unless the caller already provided it.
func (c *Context) setIfAbsent(key string, typ ValueType, value string) {
	lower := lowerKey(key)
	if c.find(lower) >= 0 {
		return
	}
	v, err := parseValue(value, typ)
	if err != nil {
		return
	}
	c.appendEntry(contextEntry{name: key, lower: lower, values: c.single(v)})
}

// AddPrincipalKeys adds the global condition keys AWS derives from the
// principal ("AWS global condition context keys"): aws:PrincipalArn (the role
// ARN for role sessions), aws:PrincipalAccount, aws:PrincipalType,
// aws:userid, aws:username (IAM users only), aws:PrincipalTag/* (user or role
// tags and session tags), aws:PrincipalIsAWSService and
// aws:PrincipalServiceName (service principals only). Keys already set are
// left alone.
func (c *Context) AddPrincipalKeys(p *Principal) {
	if p == nil {
		return
	}
	isService := "false"
	switch p.Kind {
	case PrincipalRoot:
		c.setIfAbsent("aws:PrincipalArn", TypeString, p.arnOrRoot())
		c.setIfAbsent("aws:PrincipalAccount", TypeString, p.Account)
		c.setIfAbsent("aws:PrincipalType", TypeString, "Account")
		c.setIfAbsent("aws:userid", TypeString, p.Account)
	case PrincipalUser:
		c.setIfAbsent("aws:PrincipalArn", TypeString, p.ARN)
		c.setIfAbsent("aws:PrincipalAccount", TypeString, p.Account)
		c.setIfAbsent("aws:PrincipalType", TypeString, "User")
		if p.UserID != "" {
			c.setIfAbsent("aws:userid", TypeString, p.UserID)
		}
		if p.Username != "" {
			c.setIfAbsent("aws:username", TypeString, p.Username)
		}
	case PrincipalAssumedRole:
		c.setIfAbsent("aws:PrincipalArn", TypeString, p.RoleARN)
		c.setIfAbsent("aws:PrincipalAccount", TypeString, p.Account)
		c.setIfAbsent("aws:PrincipalType", TypeString, "AssumedRole")
		if p.UserID != "" {
			c.setIfAbsent("aws:userid", TypeString, p.UserID)
		}
	case PrincipalFederatedUser:
		c.setIfAbsent("aws:PrincipalArn", TypeString, p.ARN)
		c.setIfAbsent("aws:PrincipalAccount", TypeString, p.Account)
		c.setIfAbsent("aws:PrincipalType", TypeString, "FederatedUser")
		if p.UserID != "" {
			c.setIfAbsent("aws:userid", TypeString, p.UserID)
		}
	case PrincipalAnonymous:
		c.setIfAbsent("aws:PrincipalType", TypeString, "Anonymous")
		c.setIfAbsent("aws:userid", TypeString, "anonymous")
	case PrincipalService:
		isService = "true"
		c.setIfAbsent("aws:PrincipalServiceName", TypeString, p.ServiceName)
	}
	if p.Kind != PrincipalWebIdentity {
		c.setIfAbsent("aws:PrincipalIsAWSService", TypeBoolean, isService)
	}
	for k, v := range p.Tags {
		name, lower := tagKey("aws:PrincipalTag/", k)
		if c.find(lower) < 0 {
			c.appendEntry(contextEntry{name: name, lower: lower, values: c.single(Value{Raw: v, Type: TypeString})})
		}
	}
}
