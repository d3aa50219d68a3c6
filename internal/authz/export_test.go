package authz

// EncodeRecord is the Store writer's encoding of d, for tests.
func EncodeRecord(d *Decision) ([]byte, error) {
	var e recordEncoder
	return e.appendRecord(nil, d)
}
