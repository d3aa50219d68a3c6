package componentdoc

// Document is a validated component document.
type Document struct {
	Name          string
	Description   string
	SchemaVersion string
	Parameters    []Parameter
	Constants     []Constant
	Phases        []Phase
}

// Parameter is a declared input parameter. Its fields line up with Image
// Builder's ComponentParameterDetail.
type Parameter struct {
	Name string
	// Type is the declared type as written (AWSTOE supports only "string").
	Type string
	// DefaultValue holds the default as a one-element list, or nil when the
	// document declares none.
	DefaultValue []string
	Description  string
}

// Constant is an immutable variable declared in the constants section.
type Constant struct {
	Name  string
	Type  string
	Value string
}

// Phase is a named group of steps.
type Phase struct {
	Name  string
	Steps []Step
}

// Step is one unit of work. Fields the document omits hold AWSTOE's defaults.
type Step struct {
	Name   string
	Action string
	// OnFailure is Abort, Continue or Ignore.
	OnFailure string
	// TimeoutSeconds is -1 for no timeout.
	TimeoutSeconds int
	MaxAttempts    int
	// HasInputs reports whether the step carries non-empty inputs.
	HasInputs bool
	// HasCondition reports whether the step has an if construct.
	HasCondition bool
	Loop         *Loop
}

// Loop kinds.
const (
	LoopFor     = "for"
	LoopForEach = "forEach"
)

// Loop is a step's looping construct.
type Loop struct {
	Name string
	// Kind is LoopFor or LoopForEach.
	Kind string
	// Start, End and UpdateBy describe a for loop.
	Start, End, UpdateBy int64
	// Items is a forEach loop's explicit list.
	Items []string
	// Delimited marks a forEach loop over List split by Delimiter.
	Delimited       bool
	List, Delimiter string
}

// Defaults AWSTOE applies to a step that omits the field.
const (
	DefaultTimeoutSeconds = 7200
	DefaultMaxAttempts    = 1
	DefaultOnFailure      = "Abort"
)

// Phase names Image Builder runs.
const (
	PhaseBuild             = "build"
	PhaseValidate          = "validate"
	PhaseTest              = "test"
	PhaseContainerHostTest = "container-host-test"
)

// Phase returns the phase with the given name, or nil.
func (d *Document) Phase(name string) *Phase {
	for i := range d.Phases {
		if d.Phases[i].Name == name {
			return &d.Phases[i]
		}
	}
	return nil
}
