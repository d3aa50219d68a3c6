package imagebuilder

import (
	"slices"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// filterSet is a list request's filters: several filters must all match,
// the values of one filter are alternatives.
type filterSet map[string][]string

// parseFilters checks the filter names a listing supports.
func parseFilters(filters []*ibv1.Filter, allowed ...string) (filterSet, *awserr.Error) {
	fs := filterSet{}
	for i, f := range filters {
		name := f.GetName()
		if !slices.Contains(allowed, name) {
			return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'filters[%d].name' is not valid. The filter name %q is not supported; use one of: %s.", i, name, strings.Join(allowed, ", "))
		}
		if len(f.GetValues()) == 0 {
			return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter 'filters[%d].values' is not valid. A filter needs at least one value.", i)
		}
		fs[name] = append(fs[name], f.GetValues()...)
	}
	return fs, nil
}

// match reports whether the filter called name accepts any of the values
// the resource has for it. An absent filter accepts everything.
func (fs filterSet) match(name string, have ...string) bool {
	want, ok := fs[name]
	if !ok {
		return true
	}
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}
