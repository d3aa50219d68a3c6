package storage

import (
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Table is a typed collection of one message type, present in every scope.
// Declare each table once, at package level, with NewTable:
//
//	var Components = storage.NewTable[*imagebuilderpb.Component]("imagebuilder.components")
//
// Values are stored as deterministic protobuf bytes. All methods take the
// transaction so a request can combine several of them atomically.
type Table[T proto.Message] struct {
	name    string
	bucket  []byte
	msgType protoreflect.MessageType
	// gen moves after every transaction that wrote to the table, in any
	// scope (cache.go).
	gen atomic.Uint64
}

var (
	tablesMu sync.Mutex
	tables   = map[string]protoreflect.FullName{}
)

var marshalOptions = proto.MarshalOptions{Deterministic: true}

// NewTable declares the table called name holding values of type T, which
// must be a generated message pointer type such as *pb.Thing. It panics if
// name is empty or already declared, or if T cannot be instantiated: those
// are programming errors that must stop the program at initialisation, not
// corrupt a file later.
func NewTable[T proto.Message](name string) *Table[T] {
	if name == "" {
		panic("storage: NewTable: empty table name")
	}
	msgType := messageTypeOf[T]()

	tablesMu.Lock()
	defer tablesMu.Unlock()
	if prev, ok := tables[name]; ok {
		panic(fmt.Sprintf("storage: NewTable: table %q declared twice (%s, then %s)", name, prev, msgType.Descriptor().FullName()))
	}
	tables[name] = msgType.Descriptor().FullName()
	return &Table[T]{name: name, bucket: []byte(name), msgType: msgType}
}

// messageTypeOf finds T's message type from its nil value: generated message
// pointers answer ProtoReflect on a nil receiver.
func messageTypeOf[T proto.Message]() protoreflect.MessageType {
	var zero T
	if mt := messageTypeOfValue(zero); mt != nil {
		return mt
	}
	panic(fmt.Sprintf("storage: NewTable: %T is not a generated message pointer type", zero))
}

func messageTypeOfValue(m proto.Message) (mt protoreflect.MessageType) {
	if m == nil {
		return nil
	}
	defer func() {
		if recover() != nil {
			mt = nil
		}
	}()
	return m.ProtoReflect().Type()
}

// Name returns the table name given to NewTable.
func (t *Table[T]) Name() string { return t.name }

// newValue allocates an empty T.
func (t *Table[T]) newValue() T { return t.msgType.New().Interface().(T) }

// decode turns stored bytes into a fresh T. proto.Unmarshal copies what it
// keeps, so the result does not alias bbolt's memory map.
func (t *Table[T]) decode(scope Scope, key, raw []byte) (T, error) {
	v := t.newValue()
	if err := proto.Unmarshal(raw, v); err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %s", ErrCorrupt, t.describe(scope, key, err))
	}
	return v, nil
}

func (t *Table[T]) describe(scope Scope, key []byte, err error) string {
	return fmt.Sprintf("table %s, scope %s, key %q: %v", t.name, scope, key, err)
}

func (t *Table[T]) wrap(op string, scope Scope, key []byte, err error) error {
	return fmt.Errorf("storage: %s %s %s key %q: %w", op, t.name, scope, key, err)
}

func checkKey(key []byte) error {
	if len(key) == 0 {
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	if len(key) > bolt.MaxKeySize {
		return fmt.Errorf("%w: key is %d bytes, limit %d", ErrInvalidKey, len(key), bolt.MaxKeySize)
	}
	return nil
}

// Get returns the value stored under key. A missing key, table or scope
// yields found=false and no error.
func (t *Table[T]) Get(tx *Tx, scope Scope, key []byte) (value T, found bool, err error) {
	var zero T
	if err := t.checkRead(tx, scope); err != nil {
		return zero, false, t.wrap("get", scope, key, err)
	}
	b := tx.tableBucket(scope, t.bucket)
	if b == nil {
		return zero, false, nil
	}
	raw := b.Get(key)
	if raw == nil {
		return zero, false, nil
	}
	v, err := t.decode(scope, key, raw)
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}

// Put stores value under key, replacing any previous value.
func (t *Table[T]) Put(tx *Tx, scope Scope, key []byte, value T) error {
	b, raw, err := t.prepareWrite(tx, scope, key, value)
	if err != nil {
		return t.wrap("put", scope, key, err)
	}
	if err := b.Put(key, raw); err != nil {
		return t.wrap("put", scope, key, err)
	}
	return nil
}

// Insert stores value under key and fails with ErrExists if key is present.
func (t *Table[T]) Insert(tx *Tx, scope Scope, key []byte, value T) error {
	b, raw, err := t.prepareWrite(tx, scope, key, value)
	if err != nil {
		return t.wrap("insert", scope, key, err)
	}
	if b.Get(key) != nil {
		return t.wrap("insert", scope, key, ErrExists)
	}
	if err := b.Put(key, raw); err != nil {
		return t.wrap("insert", scope, key, err)
	}
	return nil
}

// Delete removes key and reports whether it was present.
func (t *Table[T]) Delete(tx *Tx, scope Scope, key []byte) (bool, error) {
	if err := t.checkWrite(tx, scope, key); err != nil {
		return false, t.wrap("delete", scope, key, err)
	}
	b := tx.tableBucket(scope, t.bucket)
	if b == nil || b.Get(key) == nil {
		return false, nil
	}
	if err := b.Delete(key); err != nil {
		return false, t.wrap("delete", scope, key, err)
	}
	return true, nil
}

func (t *Table[T]) checkRead(tx *Tx, scope Scope) error {
	if err := tx.usable(false); err != nil {
		return err
	}
	if tx.reads != nil {
		*tx.reads = append(*tx.reads, &t.gen)
	}
	return scope.validate()
}

func (t *Table[T]) checkWrite(tx *Tx, scope Scope, key []byte) error {
	if err := tx.usable(true); err != nil {
		return err
	}
	// Noted before anything can fail: a write that fails half way moves
	// the generation too, which is merely conservative.
	tx.wrote.add(&t.gen)
	if err := scope.validate(); err != nil {
		return err
	}
	return checkKey(key)
}

// prepareWrite validates a write, encodes the value and finds (or creates)
// the table's bucket. Encoding first means a bad value creates no buckets.
func (t *Table[T]) prepareWrite(tx *Tx, scope Scope, key []byte, value T) (*bolt.Bucket, []byte, error) {
	if err := t.checkWrite(tx, scope, key); err != nil {
		return nil, nil, err
	}
	if any(value) == nil || !value.ProtoReflect().IsValid() {
		return nil, nil, fmt.Errorf("%w: nil value", ErrInvalidValue)
	}
	raw, err := marshalOptions.Marshal(value)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	if raw == nil {
		// bbolt reads a nil value back as "absent"; an empty message is not.
		raw = []byte{}
	}
	b, err := tx.createTableBucket(scope, t.bucket)
	if err != nil {
		return nil, nil, err
	}
	return b, raw, nil
}
