package imagebuilder

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// kind describes one Image Builder resource type, once: how its ARNs read,
// where its records are stored, and whether it takes a resource-based
// policy. The resolver (existence, owner scope, aws:ResourceTag/*, resource
// policy), the tagging operations and the generic create/get/update/delete
// helpers all work from it, so a new resource family is a kind plus its
// own semantics.
//
// Every resource type of the model's ARN pattern has an entry in kinds;
// one without a store is not built yet, and its ARNs name resources that do
// not exist.
type kind struct {
	// typ is the ARN resource type segment: "component",
	// "infrastructure-configuration", "workflow/build", ….
	typ string
	// noun names the type in messages: "infrastructure configuration".
	noun string
	// title names it in ResourceAlreadyExistsException messages, as AWS
	// does: "The following resource 'InfrastructureConfiguration' already
	// exists: '…'".
	title string
	// versioned types have ARNs TYPE/NAME/VERSION[/BUILD]; the others
	// TYPE/NAME.
	versioned bool
	// sharing is the type's resource-based policy; nil when it takes none.
	sharing *sharing
	// store loads and saves the type's records; nil until the type is
	// built.
	store store
}

// store is how the resolver reads a kind's records and the tagging
// operations write them back.
type store interface {
	// load returns the record r names in sc (its owner's scope), and the
	// canonical ARN of what was found (a version selector resolves to a
	// build).
	load(tx *storage.Tx, sc storage.Scope, r resourceARN) (rec proto.Message, at resourceARN, found bool, err error)
	// save writes back a record load returned, changed.
	save(tx *storage.Tx, sc storage.Scope, at resourceARN, rec proto.Message) error
}

// kinds are the resource types, by ARN type segment.
var kinds = map[string]*kind{}

func register(k *kind) *kind {
	kinds[k.typ] = k
	return k
}

// The resource types of the model's ARN pattern.
var (
	componentKind       = register(&kind{typ: componentType, noun: "component", title: "Component", versioned: true, sharing: componentSharing, store: componentStore{}})
	imageKind           = register(&kind{typ: "image", noun: "image", title: "Image", versioned: true, sharing: imageSharing})
	imageRecipeKind     = register(&kind{typ: "image-recipe", noun: "image recipe", title: "ImageRecipe", versioned: true, sharing: imageRecipeSharing})
	containerRecipeKind = register(&kind{typ: "container-recipe", noun: "container recipe", title: "ContainerRecipe", versioned: true, sharing: containerRecipeSharing})
	imagePipelineKind   = register(&kind{typ: "image-pipeline", noun: "image pipeline", title: "ImagePipeline"})
	buildWorkflowKind   = register(&kind{typ: "workflow/build", noun: "workflow", title: "Workflow", versioned: true, store: workflowStore{}})
	testWorkflowKind    = register(&kind{typ: "workflow/test", noun: "workflow", title: "Workflow", versioned: true, store: workflowStore{}})
	distWorkflowKind    = register(&kind{typ: "workflow/distribution", noun: "workflow", title: "Workflow", versioned: true, store: workflowStore{}})
)

// componentStore reads component builds: a build ARN, a version ARN (its
// latest build) or a selector (the latest matching version's latest build).
type componentStore struct{}

func (componentStore) load(tx *storage.Tx, sc storage.Scope, r resourceARN) (proto.Message, resourceARN, bool, error) {
	comp, found, err := findComponent(tx, sc, r)
	if err != nil || !found {
		return nil, r, false, err
	}
	at, _ := parseARN("arn", comp.GetArn())
	return comp, at, true, nil
}

func (componentStore) save(tx *storage.Tx, sc storage.Scope, at resourceARN, rec proto.Message) error {
	v, aerr := ParseVersion(at.Version)
	if aerr != nil {
		return aerr
	}
	return componentBuilds.Put(tx, sc, buildKey(at.Name, v, at.Build), rec.(*ibv1.Component))
}

// namedStore stores an unversioned type by its ARN name segment.
type namedStore[T proto.Message] struct{ table *storage.Table[T] }

func (n namedStore[T]) load(tx *storage.Tx, sc storage.Scope, r resourceARN) (proto.Message, resourceARN, bool, error) {
	if r.Version != "" {
		return nil, r, false, nil
	}
	rec, found, err := n.table.Get(tx, sc, nameKey(r.Name).Key())
	if err != nil || !found {
		return nil, r, false, err
	}
	return rec, r, true, nil
}

func (n namedStore[T]) save(tx *storage.Tx, sc storage.Scope, at resourceARN, rec proto.Message) error {
	return n.table.Put(tx, sc, nameKey(at.Name).Key(), rec.(T))
}

// recordTags reads a record's tags member (every taggable record has one).
func recordTags(rec proto.Message) map[string]string {
	if rec == nil {
		return nil
	}
	r, fd := field(rec, "tags")
	if fd == nil || !fd.IsMap() {
		return nil
	}
	out := map[string]string{}
	r.Get(fd).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		out[k.String()] = v.String()
		return true
	})
	return out
}

// setRecordTags replaces a record's tags.
func setRecordTags(rec proto.Message, tags map[string]string) {
	r, fd := field(rec, "tags")
	if fd == nil || !fd.IsMap() {
		return
	}
	r.Clear(fd)
	if len(tags) == 0 {
		return
	}
	m := r.Mutable(fd).Map()
	for k, v := range tags {
		m.Set(protoreflect.ValueOfString(k).MapKey(), protoreflect.ValueOfString(v))
	}
}
