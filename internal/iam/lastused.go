package iam

import (
	"context"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ibemu/ibemu/internal/auth"
	"github.com/ibemu/ibemu/internal/callctx"
	"github.com/ibemu/ibemu/internal/storage"
	recordsv1 "github.com/ibemu/ibemu/proto/records/v1"
)

// Last use of access keys (GetAccessKeyLastUsed) and roles (RoleLastUsed).
//
// Recording a use must not cost a database write per request. Uses are kept
// in memory, and written to the key's or role's record in the background at
// most once a minute per key or role (persistInterval), in a transaction of
// their own that does not touch anything else. Reads merge the newer
// in-memory value over the stored one. A crash loses at most the last
// minute of last-used times, which IAM itself reports only approximately
// ("data is available within about four hours").
//
// Uses are recorded where the call is known: by Caller (the enforcement
// layer asks it for every authorized call made with IAM credentials) and by
// the IAM API's own handlers for the IAM calls they serve.
const persistInterval = time.Minute

type use struct {
	at              time.Time
	service, region string
	persisted       time.Time
}

type roleRef struct{ account, key string }

type usageTracker struct {
	s     *Service
	mu    sync.Mutex
	keys  map[string]*use
	roles map[roleRef]*use
}

func newUsageTracker(s *Service) *usageTracker {
	return &usageTracker{s: s, keys: map[string]*use{}, roles: map[roleRef]*use{}}
}

// noteCall records the use made by the call's principal: its access key
// (IAM users) or its role (role sessions).
func (t *usageTracker) noteCall(c *callctx.Call, p *auth.Principal) {
	if c == nil || p == nil {
		return
	}
	switch {
	case p.Kind == auth.PrincipalIAMUser && strings.HasPrefix(p.AccessKeyID, prefixAccessKey):
		t.note(p.AccessKeyID, roleRef{}, c.Time, c.Service, c.Region)
	case p.Kind == auth.PrincipalAssumedRole && p.Session != nil && p.Session.RoleARN != "":
		if account, _, name, ok := splitEntityARN(p.Session.RoleARN, "role"); ok {
			t.noteRole(account, name, c.Region, c.Time)
		}
	}
}

func (t *usageTracker) noteRole(account, name, region string, at time.Time) {
	t.note("", roleRef{account: account, key: strings.ToLower(name)}, at, "", region)
}

func (t *usageTracker) note(keyID string, role roleRef, at time.Time, service, region string) {
	t.mu.Lock()
	var u *use
	if keyID != "" {
		if u = t.keys[keyID]; u == nil {
			u = &use{}
			t.keys[keyID] = u
		}
	} else {
		if u = t.roles[role]; u == nil {
			u = &use{}
			t.roles[role] = u
		}
	}
	if at.Before(u.at) {
		t.mu.Unlock()
		return
	}
	u.at, u.service, u.region = at, service, region
	flush := at.Sub(u.persisted) >= persistInterval
	if flush {
		u.persisted = at
	}
	snapshot := *u
	t.mu.Unlock()
	if flush {
		go t.persist(keyID, role, snapshot)
	}
}

// persist writes one use to its record. Failures (a closed database at
// shutdown, a record deleted meanwhile) only lose a last-used time.
func (t *usageTracker) persist(keyID string, role roleRef, u use) {
	_ = t.s.db.Update(context.Background(), func(tx *storage.Tx) error {
		if keyID != "" {
			ref, found, err := accessKeyIndex.Get(tx, keyIndexScope, []byte(keyID))
			if err != nil || !found {
				return err
			}
			sc := accountScope(ref.GetAccount())
			k, found, err := accessKeys.Get(tx, sc, accessKeyKey(ref.GetUserKey(), keyID))
			if err != nil || !found {
				return err
			}
			k.LastUsedDate, k.LastUsedService, k.LastUsedRegion = stamp(u.at), u.service, u.region
			return accessKeys.Put(tx, sc, accessKeyKey(ref.GetUserKey(), keyID), k)
		}
		sc := accountScope(role.account)
		r, found, err := roleKind.get(tx, sc, role.key)
		if err != nil || !found {
			return err
		}
		r.LastUsed, r.LastUsedRegion = stamp(u.at), u.region
		return roleKind.put(tx, sc, r)
	})
}

// key returns k with the newest known last use.
func (t *usageTracker) key(k *recordsv1.IAMAccessKey) *recordsv1.IAMAccessKey {
	snap, ok := t.latest(k.GetAccessKeyId(), roleRef{})
	if !ok || (k.GetLastUsedDate() != nil && !snap.at.After(k.GetLastUsedDate().AsTime())) {
		return k
	}
	k = proto.Clone(k).(*recordsv1.IAMAccessKey)
	k.LastUsedDate, k.LastUsedService, k.LastUsedRegion = stamp(snap.at), snap.service, snap.region
	return k
}

// role returns r with the newest known last use.
func (t *usageTracker) role(account string, r *recordsv1.IAMEntity) *recordsv1.IAMEntity {
	snap, ok := t.latest("", roleRef{account: account, key: strings.ToLower(r.GetName())})
	if !ok || (r.GetLastUsed() != nil && !snap.at.After(r.GetLastUsed().AsTime())) {
		return r
	}
	r = proto.Clone(r).(*recordsv1.IAMEntity)
	r.LastUsed, r.LastUsedRegion = stamp(snap.at), snap.region
	return r
}

// latest is the use recorded in memory for a key (keyID) or a role.
func (t *usageTracker) latest(keyID string, role roleRef) (use, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.roles[role]
	if keyID != "" {
		u, ok = t.keys[keyID]
	}
	if !ok {
		return use{}, false
	}
	return *u, true
}

// splitEntityARN splits arn:aws:iam::ACCOUNT:TYPE/PATH/NAME.
func splitEntityARN(entityARN, typ string) (account, path, name string, ok bool) {
	rest, ok := strings.CutPrefix(entityARN, "arn:aws:iam::")
	if !ok {
		return "", "", "", false
	}
	account, res, ok := strings.Cut(rest, ":")
	if !ok {
		return "", "", "", false
	}
	if res, ok = strings.CutPrefix(res, typ+"/"); !ok {
		return "", "", "", false
	}
	i := strings.LastIndexByte(res, '/')
	return account, "/" + res[:i+1], res[i+1:], res[i+1:] != ""
}
