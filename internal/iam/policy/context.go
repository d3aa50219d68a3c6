package policy

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"sort"
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
type Value struct {
	Raw  string
	Type ValueType
	num  float64
	when instant
	ip   netip.Addr
	bin  []byte
	b    bool
}

type contextEntry struct {
	name   string
	values []Value
	// list marks multivalued keys; they cannot be used as policy variables.
	list bool
}

// Context is the request context: condition keys and their values. Key names
// are case-insensitive; they are normalised once, when a key is set, so
// lookups during evaluation are plain map reads.
type Context struct {
	keys map[string]*contextEntry
}

// NewContext returns an empty request context.
func NewContext() *Context {
	return &Context{keys: make(map[string]*contextEntry)}
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
	_ = c.set(key, TypeString, false, []string{value})
}

func (c *Context) set(key string, typ ValueType, list bool, raw []string) error {
	if c.keys == nil {
		c.keys = make(map[string]*contextEntry)
	}
	e := &contextEntry{name: key, list: list || len(raw) > 1, values: make([]Value, 0, len(raw))}
	for _, r := range raw {
		v, err := parseValue(r, typ)
		if err != nil {
			return fmt.Errorf("context key %s: %w", key, err)
		}
		e.values = append(e.values, v)
	}
	c.keys[strings.ToLower(key)] = e
	return nil
}

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
		v.ip, ok = parseIPAddr(raw)
	case TypeBinary:
		b, err := base64.StdEncoding.DecodeString(raw)
		v.bin, ok = b, err == nil
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
	if c == nil {
		return nil, false
	}
	e := c.keys[lowerKey]
	if e == nil || len(e.values) == 0 {
		return nil, false
	}
	return e.values, true
}

// variable resolves a policy variable: only single-valued keys can be used.
func (c *Context) variable(lowerKey string) (string, bool) {
	if c == nil {
		return "", false
	}
	e := c.keys[lowerKey]
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
	out := make([]string, 0, len(c.keys))
	for _, e := range c.keys {
		out = append(out, e.name)
	}
	sort.Strings(out)
	return out
}

// Clone returns a copy that can be changed without affecting c.
func (c *Context) Clone() *Context {
	n := NewContext()
	if c == nil {
		return n
	}
	for k, e := range c.keys {
		cp := *e
		n.keys[k] = &cp
	}
	return n
}

// setIfAbsent adds a string key unless the caller already provided it.
func (c *Context) setIfAbsent(key string, typ ValueType, value string) {
	if _, exists := c.keys[strings.ToLower(key)]; exists {
		return
	}
	_ = c.set(key, typ, false, []string{value})
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
	if c.keys == nil {
		c.keys = make(map[string]*contextEntry)
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
		c.setIfAbsent("aws:PrincipalTag/"+k, TypeString, v)
	}
}
