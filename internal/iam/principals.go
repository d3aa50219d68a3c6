package iam

import (
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// namedEntity looks up the IAM user or role an "AWS" principal ARN names
// (arn:aws:iam::ACCOUNT:user/PATH/NAME or …:role/PATH/NAME), in any
// account. isEntity is false for principals that name no user or role
// (account ids, root ARNs, session ARNs); found is false when the ARN
// names one that does not exist (or exists under another path).
func namedEntity(tx *storage.Tx, arn string) (e *recordsv1.IAMEntity, isEntity, found bool, err error) {
	k, account, path, name, ok := entityPrincipal(arn)
	if !ok {
		return nil, false, false, nil
	}
	e, found, err = k.get(tx, accountScope(account), name)
	if err != nil {
		return nil, true, false, err
	}
	if !found || e.GetPath() != path || e.GetName() != name {
		return nil, true, false, nil
	}
	return e, true, true, nil
}
