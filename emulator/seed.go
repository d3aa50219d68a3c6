package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ibemu/ibemu/internal/kms"
	"github.com/ibemu/ibemu/internal/lazyre"
)

// Seed is the content of a seed file: the state a test suite starts from.
// A seed file is YAML or JSON (JSON is read as YAML); unknown fields are
// errors. docs/seeds.md documents the schema with examples; in short:
//
//	region: us-east-1            # default us-east-1
//	accounts:
//	  - id: "111122223333"
//	    iam: {policies, groups, users, roles, instanceProfiles}
//	    kms: {keys}
//	    s3: {buckets}
//	    imagebuilder: {components, imageRecipes, infrastructureConfigurations,
//	                   distributionConfigurations, imagePipelines, resourcePolicies}
//
// Everything is created as the root user of its account through the
// services' own handlers, so a seed entry is validated exactly as the same
// request over the wire would be. Applying a seed is idempotent: an entry
// that already exists (same name, same key id) is left as it is, not
// updated, and not an error.
type Seed struct {
	// Region is where regional resources (KMS keys, S3 buckets, Image
	// Builder resources) are created; "" means DefaultRegion.
	Region string `yaml:"region,omitempty" json:"region,omitempty"`
	// Accounts are applied in order, each service across all accounts
	// before the next service: IAM, then KMS, then S3, then Image Builder
	// (so an account's recipe may use a component another account shares).
	Accounts []SeedAccount `yaml:"accounts" json:"accounts"`

	// file is the seed's path: object files are relative to its directory.
	file string
}

// SeedAccount is one account's resources. ID is its 12-digit account id.
type SeedAccount struct {
	ID           string           `yaml:"id" json:"id"`
	IAM          SeedIAM          `yaml:"iam,omitempty" json:"iam,omitempty"`
	KMS          SeedKMS          `yaml:"kms,omitempty" json:"kms,omitempty"`
	S3           SeedS3           `yaml:"s3,omitempty" json:"s3,omitempty"`
	ImageBuilder SeedImageBuilder `yaml:"imagebuilder,omitempty" json:"imagebuilder,omitempty"`
}

// SeedIAM declares IAM entities, created in this order: customer managed
// policies, groups, users, roles, instance profiles.
type SeedIAM struct {
	Policies         []SeedPolicy          `yaml:"policies,omitempty" json:"policies,omitempty"`
	Groups           []SeedGroup           `yaml:"groups,omitempty" json:"groups,omitempty"`
	Users            []SeedUser            `yaml:"users,omitempty" json:"users,omitempty"`
	Roles            []SeedRole            `yaml:"roles,omitempty" json:"roles,omitempty"`
	InstanceProfiles []SeedInstanceProfile `yaml:"instanceProfiles,omitempty" json:"instanceProfiles,omitempty"`
}

// SeedPolicy is a customer managed policy (CreatePolicy).
type SeedPolicy struct {
	Name        string         `yaml:"name" json:"name"`
	Path        string         `yaml:"path,omitempty" json:"path,omitempty"`
	Description string         `yaml:"description,omitempty" json:"description,omitempty"`
	Document    PolicyDocument `yaml:"document" json:"document"`
}

// SeedAttachments are the policies of a user, group or role:
// ManagedPolicies are ARNs to attach (AWS managed, such as
// arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore, or customer
// managed), InlinePolicies maps a policy name to its document.
type SeedAttachments struct {
	ManagedPolicies []string                  `yaml:"managedPolicies,omitempty" json:"managedPolicies,omitempty"`
	InlinePolicies  map[string]PolicyDocument `yaml:"inlinePolicies,omitempty" json:"inlinePolicies,omitempty"`
}

// SeedGroup is an IAM group (CreateGroup) and its policies.
type SeedGroup struct {
	Name            string `yaml:"name" json:"name"`
	Path            string `yaml:"path,omitempty" json:"path,omitempty"`
	SeedAttachments `yaml:",inline"`
}

// SeedUser is an IAM user (CreateUser), its group memberships, policies
// and access keys.
type SeedUser struct {
	Name                string            `yaml:"name" json:"name"`
	Path                string            `yaml:"path,omitempty" json:"path,omitempty"`
	PermissionsBoundary string            `yaml:"permissionsBoundary,omitempty" json:"permissionsBoundary,omitempty"`
	Tags                map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	Groups              []string          `yaml:"groups,omitempty" json:"groups,omitempty"`
	AccessKeys          []SeedAccessKey   `yaml:"accessKeys,omitempty" json:"accessKeys,omitempty"`
	SeedAttachments     `yaml:",inline" json:",inline"`
}

// SeedAccessKey is an access key with a fixed id (AKIA and 16 characters
// A–Z, 0–9) and secret (16 to 128 characters, no spaces): test code can
// sign with them without reading anything back. IAM allows two per user.
type SeedAccessKey struct {
	ID     string `yaml:"id" json:"id"`
	Secret string `yaml:"secret" json:"secret"`
}

// SeedRole is an IAM role (CreateRole): TrustPolicy is its assume-role
// policy document.
type SeedRole struct {
	Name                string            `yaml:"name" json:"name"`
	Path                string            `yaml:"path,omitempty" json:"path,omitempty"`
	Description         string            `yaml:"description,omitempty" json:"description,omitempty"`
	TrustPolicy         PolicyDocument    `yaml:"trustPolicy" json:"trustPolicy"`
	MaxSessionDuration  int32             `yaml:"maxSessionDuration,omitempty" json:"maxSessionDuration,omitempty"`
	PermissionsBoundary string            `yaml:"permissionsBoundary,omitempty" json:"permissionsBoundary,omitempty"`
	Tags                map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	SeedAttachments     `yaml:",inline" json:",inline"`
}

// SeedInstanceProfile is an instance profile (CreateInstanceProfile) and
// the role in it (at most one, as in IAM).
type SeedInstanceProfile struct {
	Name  string   `yaml:"name" json:"name"`
	Path  string   `yaml:"path,omitempty" json:"path,omitempty"`
	Roles []string `yaml:"roles,omitempty" json:"roles,omitempty"`
}

// SeedKMS declares KMS keys.
type SeedKMS struct {
	Keys []SeedKey `yaml:"keys,omitempty" json:"keys,omitempty"`
}

// SeedKey is a symmetric encryption key with a fixed key id (a lowercase
// UUID), its key policy ("" means KMS's default key policy), and aliases
// ("alias/…").
type SeedKey struct {
	ID          string            `yaml:"id" json:"id"`
	Description string            `yaml:"description,omitempty" json:"description,omitempty"`
	Policy      PolicyDocument    `yaml:"policy,omitempty" json:"policy,omitempty"`
	Aliases     []string          `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	Tags        map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// SeedS3 declares S3 buckets.
type SeedS3 struct {
	Buckets []SeedBucket `yaml:"buckets,omitempty" json:"buckets,omitempty"`
}

// SeedBucket is a bucket (CreateBucket), its bucket policy and objects.
type SeedBucket struct {
	Name    string         `yaml:"name" json:"name"`
	Policy  PolicyDocument `yaml:"policy,omitempty" json:"policy,omitempty"`
	Objects []SeedObject   `yaml:"objects,omitempty" json:"objects,omitempty"`
}

// SeedObject is an object: exactly one of Content (the bytes, as text) and
// File (a path relative to the seed file's directory).
type SeedObject struct {
	Key         string `yaml:"key" json:"key"`
	Content     string `yaml:"content,omitempty" json:"content,omitempty"`
	File        string `yaml:"file,omitempty" json:"file,omitempty"`
	ContentType string `yaml:"contentType,omitempty" json:"contentType,omitempty"`
}

// SeedImageBuilder declares Image Builder resources. Each entry is the
// input of the Create operation — CreateComponent, CreateImageRecipe,
// CreateInfrastructureConfiguration, CreateDistributionConfiguration,
// CreateImagePipeline — with the member names of the AWS API (as
// `aws imagebuilder create-component --generate-cli-skeleton` prints them;
// clientToken may be left out). Resources are created in the order of the
// fields here; ResourcePolicies (PutComponentPolicy, PutImageRecipePolicy,
// PutImagePolicy, PutContainerRecipePolicy chosen by the ARN) come right
// after the components.
type SeedImageBuilder struct {
	Components                   []SeedInput              `yaml:"components,omitempty" json:"components,omitempty"`
	ResourcePolicies             []SeedImageBuilderPolicy `yaml:"resourcePolicies,omitempty" json:"resourcePolicies,omitempty"`
	ImageRecipes                 []SeedInput              `yaml:"imageRecipes,omitempty" json:"imageRecipes,omitempty"`
	InfrastructureConfigurations []SeedInput              `yaml:"infrastructureConfigurations,omitempty" json:"infrastructureConfigurations,omitempty"`
	DistributionConfigurations   []SeedInput              `yaml:"distributionConfigurations,omitempty" json:"distributionConfigurations,omitempty"`
	ImagePipelines               []SeedInput              `yaml:"imagePipelines,omitempty" json:"imagePipelines,omitempty"`
}

// SeedImageBuilderPolicy is a resource policy on an Image Builder
// resource of the account (a component, image recipe, container recipe or
// image, by ARN).
type SeedImageBuilderPolicy struct {
	ResourceArn string         `yaml:"resourceArn" json:"resourceArn"`
	Policy      PolicyDocument `yaml:"policy" json:"policy"`
}

// SeedInput is an API input as a seed file writes it: an object whose
// members are those of the AWS operation's input. JSON holds it as JSON.
type SeedInput struct {
	JSON json.RawMessage
	line int
}

// UnmarshalYAML implements yaml.Unmarshaler: a mapping.
func (in *SeedInput) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: an object with the members of the operation's input", n.Line)
	}
	b, err := nodeJSON(n)
	if err != nil {
		return err
	}
	in.JSON, in.line = b, n.Line
	return nil
}

// MarshalJSON implements json.Marshaler.
func (in SeedInput) MarshalJSON() ([]byte, error) {
	if len(in.JSON) == 0 {
		return []byte("{}"), nil
	}
	return in.JSON, nil
}

// UnmarshalJSON implements json.Unmarshaler: an object.
func (in *SeedInput) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return errors.New("an object with the members of the operation's input")
	}
	in.JSON = append(json.RawMessage(nil), b...)
	return nil
}

// name is the input's "name" member, for messages.
func (in SeedInput) name() string {
	var n struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(in.JSON, &n)
	return n.Name
}

// PolicyDocument is a policy document in a seed: written either as a
// JSON string or as a YAML/JSON object. String returns it as JSON text ("" when
// absent).
type PolicyDocument struct{ text string }

// NewPolicyDocument returns a PolicyDocument holding text (JSON).
func NewPolicyDocument(text string) PolicyDocument { return PolicyDocument{text: text} }

// String returns the document as JSON text.
func (p PolicyDocument) String() string { return p.text }

// UnmarshalYAML implements yaml.Unmarshaler: a string or an object.
func (p *PolicyDocument) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		p.text = n.Value
		return nil
	case yaml.MappingNode:
		b, err := nodeJSON(n)
		if err != nil {
			return err
		}
		p.text = string(b)
		return nil
	}
	return fmt.Errorf("line %d: a policy document is an object or a JSON string", n.Line)
}

// MarshalJSON implements json.Marshaler: the document as an object.
func (p PolicyDocument) MarshalJSON() ([]byte, error) {
	if p.text == "" {
		return []byte(`""`), nil
	}
	if json.Valid([]byte(p.text)) {
		return []byte(p.text), nil
	}
	return json.Marshal(p.text)
}

// UnmarshalJSON implements json.Unmarshaler: a string or an object.
func (p *PolicyDocument) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		p.text = s
		return nil
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		p.text = string(t)
		return nil
	}
	return errors.New("a policy document is an object or a JSON string")
}

// nodeJSON renders a YAML node as JSON.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	v, err := jsonable(v)
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	return json.Marshal(v)
}

// jsonable turns what yaml.v3 decodes into values encoding/json accepts.
func jsonable(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			j, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[k] = j
		}
		return t, nil
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("a key %v that is not a string", k)
			}
			j, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			out[ks] = j
		}
		return out, nil
	case []any:
		for i, e := range t {
			j, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[i] = j
		}
		return t, nil
	case float64:
		if t != t || t > 1e308 || t < -1e308 {
			return nil, errors.New("a number JSON cannot hold")
		}
	}
	return v, nil
}

// SeedError is a seed that cannot be read or applied: File is the seed
// file ("" for a Seed given in Go), Entry the entry at fault (such as
// accounts[0].iam.users[1] (alice)), Err the problem.
type SeedError struct {
	File  string
	Entry string
	Err   error
}

func (e *SeedError) Error() string {
	var b strings.Builder
	b.WriteString("seed")
	if e.File != "" {
		b.WriteString(" " + e.File)
	}
	if e.Entry != "" {
		b.WriteString(": " + e.Entry)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *SeedError) Unwrap() error { return e.Err }

// maxSeedSize bounds a seed file.
const maxSeedSize = 64 << 20

// LoadSeed reads and checks the seed file at path (YAML or JSON). Errors
// are *SeedError naming the file, and the entry when one is at fault.
func LoadSeed(path string) (*Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &SeedError{File: path, Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSeedSize+1))
	if err != nil {
		return nil, &SeedError{File: path, Err: err}
	}
	if len(b) > maxSeedSize {
		return nil, &SeedError{File: path, Err: fmt.Errorf("larger than %d bytes", maxSeedSize)}
	}
	s, err := ParseSeed(b)
	if err != nil {
		var se *SeedError
		if errors.As(err, &se) {
			se.File = path
			return nil, se
		}
		return nil, &SeedError{File: path, Err: err}
	}
	s.file = path
	return s, nil
}

// ParseSeed parses and checks a seed (YAML or JSON). Object files are
// looked up relative to the current directory (LoadSeed: to the file's).
// Errors are *SeedError naming the entry at fault.
func ParseSeed(b []byte) (*Seed, error) {
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	var s Seed
	if err := d.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &SeedError{Err: errors.New("empty: a seed declares at least one account")}
		}
		return nil, &SeedError{Err: fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	var extra any
	if err := d.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &SeedError{Err: errors.New("more than one YAML document: a seed is one")}
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

var (
	accountPattern   = lazyre.New(`^[0-9]{12}$`)
	accessKeyPattern = lazyre.New(`^AKIA[A-Z0-9]{16}$`)
	secretPattern    = lazyre.New(`^[!-~]{16,128}$`)
	regionPattern    = lazyre.New(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
)

// check validates what the services cannot: the seed's own structure and
// the fixed identifiers no API accepts. The services validate the rest
// when the seed is applied.
func (s *Seed) check() error {
	fail := func(entry string, format string, args ...any) error {
		return &SeedError{Entry: entry, Err: fmt.Errorf(format, args...)}
	}
	if s.Region != "" && !regionPattern.MatchString(s.Region) {
		return fail("region", "%q is not a region name such as us-east-1", s.Region)
	}
	if len(s.Accounts) == 0 {
		return fail("accounts", "a seed declares at least one account")
	}
	seen := map[string]bool{}
	keys := map[string]bool{}
	kmsKeys := map[string]bool{} // key ids are unique across accounts, as on AWS
	for i, a := range s.Accounts {
		at := fmt.Sprintf("accounts[%d]", i)
		if !accountPattern.MatchString(a.ID) {
			return fail(at+".id", "%q is not a 12-digit account id (quote it in YAML: \"012345678901\")", a.ID)
		}
		if seen[a.ID] {
			return fail(at+".id", "account %s is declared twice", a.ID)
		}
		seen[a.ID] = true
		for j, u := range a.IAM.Users {
			if len(u.AccessKeys) > 2 {
				return fail(fmt.Sprintf("%s.iam.users[%d] (%s).accessKeys", at, j, u.Name), "IAM allows two access keys per user, not %d", len(u.AccessKeys))
			}
			for k, key := range u.AccessKeys {
				ke := fmt.Sprintf("%s.iam.users[%d] (%s).accessKeys[%d]", at, j, u.Name, k)
				if !accessKeyPattern.MatchString(key.ID) {
					return fail(ke+".id", "%q is not an access key id: AKIA and 16 characters A-Z or 0-9", key.ID)
				}
				if !secretPattern.MatchString(key.Secret) {
					return fail(ke+".secret", "a secret is 16 to 128 printable characters without spaces")
				}
				if keys[key.ID] {
					return fail(ke+".id", "access key id %s is declared twice", key.ID)
				}
				keys[key.ID] = true
			}
		}
		for j, k := range a.KMS.Keys {
			if !kms.ValidKeyID(k.ID) {
				return fail(fmt.Sprintf("%s.kms.keys[%d].id", at, j), "%q is not a key id: a lowercase UUID such as 1234abcd-12ab-34cd-56ef-1234567890ab", k.ID)
			}
			if kmsKeys[k.ID] {
				return fail(fmt.Sprintf("%s.kms.keys[%d].id", at, j), "KMS key id %s is declared twice", k.ID)
			}
			kmsKeys[k.ID] = true
			for n, al := range k.Aliases {
				if !strings.HasPrefix(al, "alias/") {
					return fail(fmt.Sprintf("%s.kms.keys[%d].aliases[%d]", at, j, n), "%q: an alias name begins with alias/", al)
				}
			}
		}
		for j, b := range a.S3.Buckets {
			for n, o := range b.Objects {
				oe := fmt.Sprintf("%s.s3.buckets[%d] (%s).objects[%d] (%s)", at, j, b.Name, n, o.Key)
				if o.Content != "" && o.File != "" {
					return fail(oe, "give content or file, not both")
				}
				if o.File != "" && filepath.IsAbs(o.File) {
					return fail(oe+".file", "%q: a path relative to the seed file", o.File)
				}
			}
		}
	}
	return nil
}

// region is the seed's region.
func (s *Seed) region() string {
	if s.Region == "" {
		return DefaultRegion
	}
	return s.Region
}

// objectPath resolves an object's file against the seed's directory.
func (s *Seed) objectPath(file string) string {
	if s.file == "" {
		return file
	}
	return filepath.Join(filepath.Dir(s.file), file)
}

// Inline replaces every object's File with its Content, read relative to
// the seed file, so the seed can travel to another process (the admin
// API's Seed reads no files). Errors are *SeedError naming the object.
func (s *Seed) Inline() error {
	for i := range s.Accounts {
		for j := range s.Accounts[i].S3.Buckets {
			b := &s.Accounts[i].S3.Buckets[j]
			for k := range b.Objects {
				o := &b.Objects[k]
				if o.File == "" {
					continue
				}
				body, err := os.ReadFile(s.objectPath(o.File))
				if err != nil {
					return &SeedError{File: s.file, Entry: fmt.Sprintf("accounts[%d].s3.buckets[%d].objects[%d].file", i, j, k), Err: err}
				}
				o.Content, o.File = string(body), ""
			}
		}
	}
	return nil
}

// hasFiles reports whether any object names a file instead of inline
// content.
func (s *Seed) hasFiles() bool {
	for _, a := range s.Accounts {
		for _, b := range a.S3.Buckets {
			for _, o := range b.Objects {
				if o.File != "" {
					return true
				}
			}
		}
	}
	return false
}
