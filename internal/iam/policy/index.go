package policy

import "sort"

// stmtIndex groups a policy's statements of one effect by the service
// prefix their actions name, so evaluation only visits statements that can
// match the request's action. Lists keep document order.
type stmtIndex struct {
	all []*Statement
	// bySvc holds, per lower-cased service prefix, the statements that may
	// match an action of that service (including the wildcard ones). Policies
	// name few services, so a slice searched linearly beats a map.
	bySvc []svcBucket
	// wild are the statements that may match any service (Action "*",
	// wildcard service prefixes, NotAction).
	wild []*Statement
}

func buildIndex(sts []*Statement) stmtIndex {
	x := stmtIndex{all: sts}
	services := map[string]bool{}
	for _, st := range sts {
		if st.anyService() {
			continue
		}
		for i := range st.actions {
			services[st.actions[i].svc] = true
		}
	}
	if len(services) == 0 {
		return x
	}
	names := make([]string, 0, len(services))
	for svc := range services {
		names = append(names, svc)
	}
	sort.Strings(names)
	for _, svc := range names {
		b := svcBucket{svc: svc}
		for _, st := range sts {
			if st.anyService() || st.namesService(svc) {
				b.sts = append(b.sts, st)
			}
		}
		x.bySvc = append(x.bySvc, b)
	}
	for _, st := range sts {
		if st.anyService() {
			x.wild = append(x.wild, st)
		}
	}
	return x
}

type svcBucket struct {
	svc string
	sts []*Statement
}

func (st *Statement) namesService(svc string) bool {
	for i := range st.actions {
		if st.actions[i].svc == svc {
			return true
		}
	}
	return false
}

// anyService reports whether the statement may match actions of any service.
func (st *Statement) anyService() bool {
	if st.NotAction {
		return true
	}
	for i := range st.actions {
		if st.actions[i].svc == "" {
			return true
		}
	}
	return false
}

// candidates returns the statements that can match an action of svc, in
// document order; svcLower says svc is already lower case. Tracing visits
// all statements so explanations cover them.
func (x *stmtIndex) candidates(svc string, svcLower, tracing bool) []*Statement {
	if x.bySvc == nil || tracing || !svcLower {
		return x.all
	}
	for i := range x.bySvc {
		if x.bySvc[i].svc == svc {
			return x.bySvc[i].sts
		}
	}
	return x.wild
}

func lowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return false
		}
	}
	return true
}
