package policy

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
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
// The typed forms share two machine words (a number's bits, a date's
// seconds and nanoseconds, an address's 16 bytes; binary data is a string
// beside them) because a request context holds a dozen values and is built
// for every request: a Value is 56 bytes.
type Value struct {
	Raw  string
	bin  string
	w    [2]uint64 // typed form: see num, when, addr
	Type ValueType
	ipV  uint8 // 0: no address, 4 or 6: the family of the address in w
	b    bool
}

// num is a numeric value's number.
func (v *Value) num() float64 { return math.Float64frombits(v.w[0]) }

func (v *Value) setNum(f float64) { v.w[0] = math.Float64bits(f) }

// when is a date value's instant.
func (v *Value) when() instant { return instant{sec: int64(v.w[0]), nsec: int32(v.w[1])} }

func (v *Value) setWhen(t instant) { v.w[0], v.w[1] = uint64(t.sec), uint64(uint32(t.nsec)) }

// addr is an IP-typed value's address.
func (v *Value) addr() (netip.Addr, bool) {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], v.w[0])
	binary.BigEndian.PutUint64(b[8:], v.w[1])
	switch v.ipV {
	case 4:
		return netip.AddrFrom4([4]byte(b[:4])), true
	case 6:
		return netip.AddrFrom16(b), true
	}
	return netip.Addr{}, false
}

func (v *Value) setAddr(a netip.Addr) {
	var b [16]byte
	if a.Is4() {
		a4 := a.As4()
		copy(b[:], a4[:])
		v.ipV = 4
	} else {
		b, v.ipV = a.As16(), 6
	}
	v.w[0], v.w[1] = binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
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
//
// A Context made by Derive inherits the keys of a frozen parent: the keys
// every request of one caller shares (the principal's, the time of this
// second, the source address) are built once and shared, and each request
// only adds its own. A key set on the child shadows the parent's; every
// method answers as if the parent's keys had been copied into the child.
type Context struct {
	entries []contextEntry
	vals    []Value          // backing store of single-valued keys
	index   map[string]int32 // lower-cased key → position, past indexAbove entries
	// parent holds inherited keys; it is frozen (see Derive).
	parent *Context
	// frozen is set by Freeze: the context no longer changes, and its keys
	// (the parent's included) are listed in AppendSorted order.
	frozen *frozenOrder
}

// frozenOrder is a frozen Context's keys, sorted once for every AppendSorted.
type frozenOrder struct {
	kv    []KeyValues
	lower []string // lower[i] is kv[i]'s lower-cased name
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

// typicalDerivedKeys sizes a derived Context: the resource's account and
// tags, a few request keys.
const typicalDerivedKeys = 4

type derivedSlab struct {
	ctx     Context
	entries [typicalDerivedKeys]contextEntry
	vals    [typicalDerivedKeys]Value
}

// Freeze makes c read-only, so it can be shared between goroutines and be
// the parent of derived contexts; setting a key on it afterwards panics.
// Freeze itself is not safe to call concurrently: freeze a context before
// sharing it.
func (c *Context) Freeze() {
	if c.frozen != nil {
		return
	}
	f := &frozenOrder{}
	f.kv = c.appendSorted(nil, &f.lower)
	c.frozen = f
}

// Frozen reports whether Freeze was called.
func (c *Context) Frozen() bool { return c != nil && c.frozen != nil }

// Derive returns an empty context that inherits c's keys. c must be frozen
// (Freeze); it is shared, not copied. Keys set on the result shadow c's.
func (c *Context) Derive() *Context {
	return c.DeriveIn(new(DerivedSpace))
}

// DerivedSpace is the memory of a derived Context (its first few keys and
// values), for a caller that allocates it together with what the context
// lives as long as (the enforcer: with the decision that keeps it). The
// zero value is ready; a DerivedSpace holds one Context at most.
type DerivedSpace struct{ s derivedSlab }

// DeriveIn is Derive with the new context placed in sp, which must be
// unused (zero). The result is valid as long as sp is.
func (c *Context) DeriveIn(sp *DerivedSpace) *Context {
	if c.frozen == nil {
		panic("policy: Derive of a Context that is not frozen")
	}
	s := &sp.s
	if s.ctx.parent != nil || s.ctx.entries != nil {
		panic("policy: DeriveIn of a DerivedSpace already used")
	}
	s.ctx.entries, s.ctx.vals = s.entries[:0], s.vals[:0]
	s.ctx.parent = c
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
// "aws:ResourceTag/"+tag). The key's name and its lower-cased form are
// built in one allocation, and kept for the next request naming the same
// tag (resources and principals carry the same few tags request after
// request).
func (c *Context) SetTag(prefix, tag, value string) {
	name, lower := cachedTagKey(prefix, tag)
	c.putLower(contextEntry{name: name, lower: lower, values: c.single(Value{Raw: value, Type: TypeString})})
}

// tagKeyEntry is a tag key's name (prefix+tag) and lower-cased form.
type tagKeyEntry struct {
	prefixLen   int
	name, lower string
}

// tagKeys keeps recent tag keys; a hash of prefix and tag picks the slot.
var tagKeys [256]atomic.Pointer[tagKeyEntry]

// cachedTagKey is tagKey, from tagKeys when the same key was built before.
func cachedTagKey(prefix, tag string) (name, lower string) {
	h := uint32(2166136261)
	for _, s := range [2]string{prefix, tag} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
	}
	slot := &tagKeys[h%uint32(len(tagKeys))]
	if e := slot.Load(); e != nil && e.prefixLen == len(prefix) && len(e.name) == len(prefix)+len(tag) &&
		e.name[:len(prefix)] == prefix && e.name[len(prefix):] == tag {
		return e.name, e.lower
	}
	name, lower = tagKey(prefix, tag)
	slot.Store(&tagKeyEntry{prefixLen: len(prefix), name: name, lower: lower})
	return name, lower
}

// KeyName is a condition key's name with its lower-cased form, computed
// once, for keys a caller sets on every request.
type KeyName struct{ name, lower string }

// NewKeyName returns the KeyName of name.
func NewKeyName(name string) KeyName { return KeyName{name: name, lower: lowerKey(name)} }

// SetStringName is SetString for a KeyName.
func (c *Context) SetStringName(k KeyName, value string) {
	if k.name == "" {
		return
	}
	c.putLower(contextEntry{name: k.name, lower: k.lower, values: c.single(Value{Raw: value, Type: TypeString})})
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

// putLower is put with e.lower already set. The key is set on c itself,
// shadowing a parent's.
func (c *Context) putLower(e contextEntry) {
	c.mustNotBeFrozen()
	if i := c.find(e.lower); i >= 0 {
		c.entries[i] = e
		return
	}
	c.appendEntry(e)
}

func (c *Context) mustNotBeFrozen() {
	if c.frozen != nil {
		panic("policy: a frozen Context cannot change")
	}
}

// appendEntry adds an entry whose key is not present on c itself.
func (c *Context) appendEntry(e contextEntry) {
	c.mustNotBeFrozen()
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

// find returns the position of a lower-cased key among c's own entries (not
// its parent's), or -1.
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

// entry returns the entry of a lower-cased key, c's own or else the
// nearest parent's, or nil.
func (c *Context) entry(lowerKey string) *contextEntry {
	for ; c != nil; c = c.parent {
		if i := c.find(lowerKey); i >= 0 {
			return &c.entries[i]
		}
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
		var f float64
		if f, ok = parseNumber(raw); ok {
			v.setNum(f)
		}
	case TypeBoolean:
		v.b, ok = parseBool(raw)
	case TypeDate:
		var t instant
		if t, ok = parseDate(raw); ok {
			v.setWhen(t)
		}
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
	kv := c.AppendSorted(make([]KeyValues, 0, c.approxLen()))
	out := make([]string, len(kv))
	for i := range kv {
		out[i] = kv[i].Name
	}
	return out
}

// approxLen is the number of entries of c and its parents, shadowed ones
// included.
func (c *Context) approxLen() int {
	n := 0
	for ; c != nil; c = c.parent {
		n += len(c.entries)
	}
	return n
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
	if c.frozen != nil {
		return append(dst, c.frozen.kv...)
	}
	return c.appendSorted(dst, nil)
}

func compareKeyValues(a, b KeyValues) int { return strings.Compare(a.Name, b.Name) }

// appendSorted lists c's keys, merging its own entries (sorted here) with
// its parent's (sorted when the parent was frozen) and leaving out the
// parent's keys c shadows. With lowers, it also fills *lowers with the
// lower-cased names in the same order.
func (c *Context) appendSorted(dst []KeyValues, lowers *[]string) []KeyValues {
	start := len(dst)
	for i := range c.entries {
		dst = append(dst, KeyValues{Name: c.entries[i].name, Values: c.entries[i].values})
	}
	own := dst[start:]
	slices.SortFunc(own, compareKeyValues)
	if lowers != nil {
		for i := range own {
			*lowers = append(*lowers, c.lowerOf(own[i].Name))
		}
	}
	p := c.parent
	if p == nil {
		return dst
	}
	// Merge: the parent's list is sorted; own names never equal an
	// unshadowed parent name (equal names are equal keys).
	pkv, plow := p.frozen.kv, p.frozen.lower
	n := len(own)
	var tmp [typicalDerivedKeys]KeyValues
	var ownCopy []KeyValues
	if n <= len(tmp) {
		ownCopy = tmp[:n]
	} else {
		ownCopy = make([]KeyValues, n)
	}
	copy(ownCopy, own)
	var ownLower []string
	if lowers != nil {
		ownLower = append([]string(nil), (*lowers)[len(*lowers)-n:]...)
		*lowers = (*lowers)[:len(*lowers)-n]
	}
	dst = dst[:start]
	i := 0
	for j := range pkv {
		if c.find(plow[j]) >= 0 {
			continue // shadowed
		}
		for i < n && strings.Compare(ownCopy[i].Name, pkv[j].Name) < 0 {
			dst = append(dst, ownCopy[i])
			if lowers != nil {
				*lowers = append(*lowers, ownLower[i])
			}
			i++
		}
		dst = append(dst, pkv[j])
		if lowers != nil {
			*lowers = append(*lowers, plow[j])
		}
	}
	for ; i < n; i++ {
		dst = append(dst, ownCopy[i])
		if lowers != nil {
			*lowers = append(*lowers, ownLower[i])
		}
	}
	clear(tmp[:])
	return dst
}

// AppendUnsorted is AppendSorted without the sort: the parent's keys c
// does not shadow, then c's own in the order they were first set. A caller
// that stores contexts (the decision log) sorts when it reads them back,
// off the request path. The Values slices are shared: never change them.
func (c *Context) AppendUnsorted(dst []KeyValues) []KeyValues {
	if c == nil {
		return dst
	}
	if c.frozen != nil {
		return append(dst, c.frozen.kv...)
	}
	if p := c.parent; p != nil {
		for j := range p.frozen.kv {
			if c.find(p.frozen.lower[j]) >= 0 {
				continue // shadowed
			}
			dst = append(dst, p.frozen.kv[j])
		}
	}
	for i := range c.entries {
		dst = append(dst, KeyValues{Name: c.entries[i].name, Values: c.entries[i].values})
	}
	return dst
}

// lowerOf returns the lower-cased name of one of c's own keys.
func (c *Context) lowerOf(name string) string {
	for i := range c.entries {
		if c.entries[i].name == name {
			return c.entries[i].lower
		}
	}
	return lowerKey(name)
}

// Clone returns a copy that can be changed without affecting c. It shares
// c's (frozen) parent.
func (c *Context) Clone() *Context {
	n := NewContext()
	if c == nil {
		return n
	}
	n.parent = c.parent
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
	if c.entry(lower) != nil {
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
		if c.entry(lower) == nil {
			c.appendEntry(contextEntry{name: name, lower: lower, values: c.single(Value{Raw: v, Type: TypeString})})
		}
	}
}
