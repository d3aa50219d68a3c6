package query

import (
	"net/url"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

// Operation resolves the operation a request names with its Action
// parameter. A Version parameter, when present, must be the service's API
// version; AWS looks operations up by name and version together, so a wrong
// version answers the same InvalidAction as an unknown name.
func Operation(svc *apimodel.Service, params url.Values) (*apimodel.Operation, *awserr.Error) {
	actions := params["Action"]
	if len(actions) == 0 || actions[0] == "" {
		return nil, missingAction()
	}
	if len(actions) > 1 {
		return nil, duplicateParam("Action")
	}
	action := actions[0]
	version := svc.APIVersion
	if vs, ok := params["Version"]; ok {
		if len(vs) > 1 {
			return nil, duplicateParam("Version")
		}
		version = vs[0]
	}
	if version != svc.APIVersion {
		return nil, invalidAction(action, version)
	}
	op, ok := svc.Operation(action)
	if !ok {
		return nil, invalidAction(action, version)
	}
	return op, nil
}
