package imagebuilder

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// named is a family of unversioned resources stored by name in their
// owner's account and region: infrastructure and distribution
// configurations, image pipelines, lifecycle policies. Their ARNs are
// TYPE/NAME, NAME being the resource name in lower case with spaces as
// hyphens. The helpers below give every family the same semantics:
//
//   - create: the name is unique in the account and region
//     (ResourceAlreadyExistsException, in AWS's words "The following
//     resource 'InfrastructureConfiguration' already exists: 'ARN'."); a
//     clientToken makes a retry answer the first answer
//     (IdempotentParameterMismatchException for a different request with the
//     same token); tags come from the request's tags member; arn and
//     dateCreated are set.
//   - get, update, delete: the resource the ARN names, as the enforcement
//     layer resolved it, in its owner's scope; ResourceNotFoundException
//     when it does not exist ("The infrastructure configuration ARN does not
//     exist."). update sets dateUpdated and keeps name, arn, dateCreated and
//     tags; delete asks the family's inUse hook first
//     (ResourceDependencyException).
//   - list: the caller's own resources in name order, through collect.
//
// A record type T must have the members arn, name, date_created,
// date_updated and tags.
type named[T proto.Message] struct {
	*kind
	table *storage.Table[T]
	// inUse returns ResourceDependencyException when another resource
	// depends on the one at arn (a pipeline using a configuration); nil
	// allows the delete. Nil hook: nothing depends on the family.
	inUse func(tx *storage.Tx, sc storage.Scope, arn string) error
}

// newNamed declares a family and registers its kind.
func newNamed[T proto.Message](typ, noun, title, table string) *named[T] {
	t := storage.NewTable[T]("imagebuilder." + table)
	k := register(&kind{typ: typ, noun: noun, title: title, store: namedStore[T]{t}})
	return &named[T]{kind: k, table: t}
}

func (n *named[T]) notFound(arn string) error {
	return ibv1.ErrResourceNotFound("The %s %s does not exist.", n.noun, arn)
}

// createNamed stores rec, built by the handler from req, as a new resource
// named by req's name member, and answers with answer(arn). It runs in one
// transaction with the idempotency record.
func createNamed[T, R proto.Message](s *Service, ctx context.Context, n *named[T], op string, req proto.Message, rec T, answer func(arn string) R) (R, error) {
	var zero R
	c, aerr := call(ctx)
	if aerr != nil {
		return zero, aerr
	}
	name := stringField(req, "name")
	seg := arnName(name)
	arn := typeARN(c.Region, c.Account, n.typ) + "/" + seg
	setStringField(rec, "arn", arn)
	setStringField(rec, "name", name)
	setTimeField(rec, "date_created", c.Time)
	if tags := recordTags(req); len(tags) > 0 {
		setRecordTags(rec, tags)
	}
	var resp R
	err := s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, scope(c), op, req, c.Time, func() (R, error) {
			key := nameKey(seg).Key()
			if _, found, err := n.table.Get(tx, scope(c), key); err != nil || found {
				if err == nil {
					err = ibv1.ErrResourceAlreadyExists("The following resource '%s' already exists: '%s'.", n.title, arn)
				}
				return zero, err
			}
			if err := n.table.Insert(tx, scope(c), key, rec); err != nil {
				return zero, err
			}
			return answer(arn), nil
		})
		return err
	})
	if err != nil {
		return zero, storageError(err)
	}
	return resp, nil
}

// find returns the resource arn names, as the call was authorized on it.
func (n *named[T]) find(s *Service, ctx context.Context, action, member, arn string) (T, *located, error) {
	var zero T
	c, aerr := call(ctx)
	if aerr != nil {
		return zero, nil, aerr
	}
	if r, aerr := parseARN(member, arn); aerr != nil {
		return zero, nil, aerr
	} else if r.Type != n.typ || r.Version != "" {
		return zero, nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name a %s: expected %s/NAME.", member, arn, n.noun, typeARN(r.Region, r.Account, n.typ))
	}
	res, l, err := s.locate(ctx, c, action, member, arn)
	if err != nil {
		return zero, nil, err
	}
	rec, ok := l.record.(T)
	if !res.Exists || !ok {
		return zero, nil, n.notFound(arn)
	}
	return rec, l, nil
}

// get returns the resource arn names.
func (n *named[T]) get(s *Service, ctx context.Context, action, member, arn string) (T, error) {
	rec, _, err := n.find(s, ctx, action, member, arn)
	return rec, err
}

// updateNamed applies apply to the resource arn names (a copy of the stored
// record) and stores it with dateUpdated set, in one transaction with the
// idempotency record; it answers answer().
func updateNamed[T, R proto.Message](s *Service, ctx context.Context, n *named[T], op, member, arn string, req proto.Message, apply func(rec T) error, answer func() R) (R, error) {
	var zero R
	c, aerr := call(ctx)
	if aerr != nil {
		return zero, aerr
	}
	_, l, err := n.find(s, ctx, "imagebuilder:"+op, member, arn)
	if err != nil {
		return zero, err
	}
	sc := l.scope()
	var resp R
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, sc, op, req, c.Time, func() (R, error) {
			key := nameKey(l.at.Name).Key()
			rec, found, err := n.table.Get(tx, sc, key)
			if err != nil || !found {
				if err == nil {
					err = n.notFound(arn)
				}
				return zero, err
			}
			if err := apply(rec); err != nil {
				return zero, err
			}
			setTimeField(rec, "date_updated", c.Time)
			if err := n.table.Put(tx, sc, key, rec); err != nil {
				return zero, err
			}
			return answer(), nil
		})
		return err
	})
	if err != nil {
		return zero, storageError(err)
	}
	return resp, nil
}

// delete removes the resource arn names, unless something depends on it.
func (n *named[T]) delete(s *Service, ctx context.Context, action, member, arn string) error {
	_, l, err := n.find(s, ctx, action, member, arn)
	if err != nil {
		return err
	}
	sc := l.scope()
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		if n.inUse != nil {
			if err := n.inUse(tx, sc, l.at.String()); err != nil {
				return err
			}
		}
		deleted, err := n.table.Delete(tx, sc, nameKey(l.at.Name).Key())
		if err != nil {
			return err
		}
		if !deleted {
			return n.notFound(arn)
		}
		if n.sharing != nil {
			_, err = resourcePolicies.Delete(tx, sc, policyKey(l.at))
		}
		return err
	})
	return storageError(err)
}

// listNamed lists one page of the caller's resources of the family, in
// name order: the records keep accepts (nil: all), as item maps them.
// listing binds the page tokens (the operation's name).
func listNamed[T proto.Message, O any](s *Service, ctx context.Context, n *named[T], listing string, maxResults *int32, token *string, keep func(T) bool, item func(T) O) ([]O, *string, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, nil, aerr
	}
	pg, aerr := newPage(listing, nil, maxResults, token)
	if aerr != nil {
		return nil, nil, aerr
	}
	var out []O
	var next *string
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var keepKey func([]byte, T) (bool, error)
		if keep != nil {
			keepKey = func(_ []byte, v T) (bool, error) { return keep(v), nil }
		}
		var err error
		out, next, err = collect(tx, n.table, scope(c), pg, keepKey, item)
		return err
	})
	if err != nil {
		return nil, nil, storageError(err)
	}
	return out, next, nil
}

// copyFields copies the members of src that dst also has (same name, same
// kind), set or cleared as in src: a request's members into the record it
// describes. Members named in skip are left alone.
func copyFields(dst, src proto.Message, skip ...protoreflect.Name) {
	// A clone keeps dst independent of the request.
	d, sr := dst.ProtoReflect(), proto.Clone(src).ProtoReflect()
	fields := d.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if containsName(skip, fd.Name()) {
			continue
		}
		sfd := sr.Descriptor().Fields().ByName(fd.Name())
		if sfd == nil || sfd.Kind() != fd.Kind() || sfd.Cardinality() != fd.Cardinality() || sfd.IsMap() != fd.IsMap() {
			continue
		}
		if fd.Kind() == protoreflect.MessageKind && !fd.IsMap() && sfd.Message().FullName() != fd.Message().FullName() {
			continue
		}
		if !sr.Has(sfd) {
			d.Clear(fd)
			continue
		}
		d.Set(fd, sr.Get(sfd))
	}
}

// setTimeField sets a date member, which the model types either as a string
// (2020-01-27T20:43:30.306Z) or as a timestamp (lifecycle policies).
func setTimeField(m proto.Message, name protoreflect.Name, t time.Time) {
	r, fd := field(m, name)
	switch {
	case fd == nil:
	case fd.Kind() == protoreflect.StringKind:
		r.Set(fd, protoreflect.ValueOfString(timestamp(t)))
	case fd.Kind() == protoreflect.MessageKind && fd.Message().FullName() == "google.protobuf.Timestamp":
		r.Set(fd, protoreflect.ValueOfMessage(timestamppb.New(t).ProtoReflect()))
	}
}

func containsName(names []protoreflect.Name, n protoreflect.Name) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}
