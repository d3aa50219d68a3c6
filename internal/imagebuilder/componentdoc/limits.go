package componentdoc

// MaxDataLength is the most characters CreateComponent accepts in its inline
// data member (InlineComponentData: length 1 to 16000).
const MaxDataLength = 16000

// MaxURILength is the most characters accepted in a document read from S3
// (the uri member). The API reference bounds only the inline data member;
// the S3 object is not held to it. 64 KiB keeps a document's work bounded
// while accepting any component document AWS would.
const MaxURILength = 64 * 1024

// Source is where a document came from: inline in the data member, or an
// S3 object the uri member names. It sets the length limit and the member
// validation messages name.
type Source int

const (
	// Inline is a document given in the data member.
	Inline Source = iota
	// URI is a document read from the S3 object the uri member names.
	URI
)

func (s Source) member() string {
	if s == URI {
		return "uri"
	}
	return "data"
}

func (s Source) maxLength() int {
	if s == URI {
		return MaxURILength
	}
	return MaxDataLength
}

// Bounds on the work one document may cause. A legitimate document of at most
// MaxDataLength characters stays far below both.
const (
	// maxDepth caps nesting of mappings and sequences, aliases included.
	maxDepth = 64
	// maxNodes caps the nodes visited with aliases expanded, so a
	// "billion laughs" document costs at most this much.
	maxNodes = 100_000
)
