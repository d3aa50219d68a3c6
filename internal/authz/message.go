package authz

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/ibemu/ibemu/internal/iam/policy"
	"github.com/ibemu/ibemu/internal/seal"
)

// messagePurpose keys the sealing of encoded authorization messages.
const messagePurpose = "authorization-message"

// ErrInvalidMessage is returned for an encoded authorization message this
// emulator did not produce (or that was altered).
var ErrInvalidMessage = errors.New("authz: invalid encoded authorization message")

// The decoded authorization message, in the JSON form
// sts:DecodeAuthorizationMessage returns ("DecodeAuthorizationMessage",
// STS API Reference): whether the request was allowed, whether an explicit
// deny decided it, the statements that matched, and the request context.
type authorizationMessage struct {
	Allowed           bool           `json:"allowed"`
	ExplicitDeny      bool           `json:"explicitDeny"`
	MatchedStatements items[matched] `json:"matchedStatements"`
	Failures          items[value]   `json:"failures"`
	Context           messageContext `json:"context"`
}

type items[T any] struct {
	Items []T `json:"items"`
}

type value struct {
	Value string `json:"value"`
}

type matched struct {
	StatementID string       `json:"statementId"`
	Effect      string       `json:"effect"`
	Principals  items[value] `json:"principals"`
	Actions     items[value] `json:"actions"`
	Resources   items[value] `json:"resources"`
	Conditions  items[value] `json:"conditions"`
	Policy      string       `json:"policy,omitempty"`
	PolicyType  string       `json:"policyType,omitempty"`
}

type messageContext struct {
	Principal  messagePrincipal `json:"principal"`
	Action     string           `json:"action"`
	Resource   string           `json:"resource"`
	Conditions items[condition] `json:"conditions"`
}

type messagePrincipal struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	ARN  string `json:"arn"`
}

type condition struct {
	Key    string       `json:"key"`
	Values items[value] `json:"values"`
}

func valueItems(vs []string) items[value] {
	out := items[value]{Items: make([]value, 0, len(vs))}
	for _, v := range vs {
		out.Items = append(out.Items, value{Value: v})
	}
	return out
}

// authorizationMessage builds the decoded message of a decision.
func (d *Decision) authorizationMessage() ([]byte, error) {
	m := authorizationMessage{
		Allowed:           d.Outcome == policy.Allowed,
		ExplicitDeny:      d.Outcome == policy.ExplicitDeny,
		MatchedStatements: items[matched]{Items: []matched{}},
		Failures:          items[value]{Items: []value{}},
		Context: messageContext{
			Action:     d.Action,
			Resource:   d.Resource,
			Conditions: items[condition]{Items: []condition{}},
		},
	}
	if p := d.req.Principal; p != nil {
		m.Context.Principal = messagePrincipal{ID: p.UserID, Name: p.Username, ARN: p.DisplayARN()}
	}
	if x := d.Explain(); x != nil {
		for i := range x.Policies {
			pt := &x.Policies[i]
			for _, st := range pt.Matched(matchedEffect(d.Outcome)) {
				ms := matched{
					StatementID: st.Sid,
					Effect:      strings.ToUpper(st.Effect.String()),
					Actions:     valueItems(st.Actions),
					Resources:   valueItems(st.Resources),
					Conditions:  items[value]{Items: []value{}},
					PolicyType:  pt.Kind.String(),
				}
				if st.Principal != "" {
					ms.Principals = valueItems([]string{st.Principal})
				} else {
					ms.Principals = items[value]{Items: []value{}}
				}
				if pt.Policy != nil {
					ms.Policy = pt.Policy.Name
				}
				m.MatchedStatements.Items = append(m.MatchedStatements.Items, ms)
			}
		}
	}
	if ctx := d.req.Context; ctx != nil {
		for _, k := range ctx.Keys() {
			vals, _ := ctx.Lookup(k)
			raw := make([]string, len(vals))
			for i, v := range vals {
				raw[i] = v.Raw
			}
			m.Context.Conditions.Items = append(m.Context.Conditions.Items, condition{Key: k, Values: valueItems(raw)})
		}
	}
	return json.Marshal(m)
}

// matchedEffect is the effect of the statements worth reporting: the denies
// of an explicit deny, the allows otherwise.
func matchedEffect(o policy.Outcome) policy.Effect {
	if o == policy.ExplicitDeny {
		return policy.Deny
	}
	return policy.Allow
}

// EncodeMessage seals a decision's authorization message: opaque to the
// caller, readable only through DecodeMessage (sts:DecodeAuthorizationMessage)
// with this emulator's key, and only in the account of the principal that
// was denied: the message holds that account's request context (user ids,
// source address, tags), which another account has no business reading.
func EncodeMessage(s *seal.Sealer, d *Decision) (string, error) {
	raw, err := d.authorizationMessage()
	if err != nil {
		return "", err
	}
	return s.Seal(messagePurpose, raw, []byte(d.account())), nil
}

// account is the account of the denied principal.
func (d *Decision) account() string {
	if d.req.Principal != nil {
		return d.req.Principal.Account
	}
	return ""
}

// DecodeMessage returns the JSON of a message EncodeMessage sealed for a
// principal of account.
func DecodeMessage(s *seal.Sealer, encoded, account string) (string, error) {
	raw, err := s.Open(messagePurpose, strings.TrimSpace(encoded), []byte(account))
	if err != nil {
		return "", ErrInvalidMessage
	}
	return string(raw), nil
}
