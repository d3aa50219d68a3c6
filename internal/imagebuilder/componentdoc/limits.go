package componentdoc

// MaxDataLength is the most characters CreateComponent accepts in its inline
// data member (InlineComponentData: length 1 to 16000).
const MaxDataLength = 16000

// Bounds on the work one document may cause. A legitimate document of at most
// MaxDataLength characters stays far below both.
const (
	// maxDepth caps nesting of mappings and sequences, aliases included.
	maxDepth = 64
	// maxNodes caps the nodes visited with aliases expanded, so a
	// "billion laughs" document costs at most this much.
	maxNodes = 100_000
)
