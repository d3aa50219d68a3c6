// Package restjson is the generic codec of the AWS restJson1 protocol
// (Image Builder): it routes a request to its operation by HTTP method and
// URI template, decodes labels, query parameters and the JSON body into the
// operation's generated input message, and encodes output messages and
// errors. It walks the apimodel tables; there is no per-operation code.
package restjson

import (
	"net/url"
	"strings"

	"github.com/ibemu/ibemu/internal/apimodel"
)

// Router finds the operation an HTTP request addresses.
type Router struct {
	exact    map[string]*apimodel.Operation // "METHOD /path"
	labelled []route
}

type route struct {
	op       *apimodel.Operation
	method   string
	segments []segment
}

type segment struct {
	literal string
	label   string // set when the segment is {label}
}

// NewRouter indexes the HTTP bindings of every operation of svc.
func NewRouter(svc *apimodel.Service) *Router {
	r := &Router{exact: map[string]*apimodel.Operation{}}
	for _, op := range svc.Operations {
		if op.HTTPURI == "" {
			continue
		}
		path := op.HTTPURI
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if !strings.Contains(path, "{") {
			r.exact[op.HTTPMethod+" "+path] = op
			continue
		}
		rt := route{op: op, method: op.HTTPMethod}
		for _, s := range strings.Split(strings.Trim(path, "/"), "/") {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				rt.segments = append(rt.segments, segment{label: strings.TrimSuffix(strings.Trim(s, "{}"), "+")})
			} else {
				rt.segments = append(rt.segments, segment{literal: s})
			}
		}
		r.labelled = append(r.labelled, rt)
	}
	return r
}

// Labels are the decoded values of URI labels, by label name.
type Labels map[string]string

// Match returns the operation bound to method and the escaped request path
// (r.URL.EscapedPath(): labels such as ARNs arrive with "/" and ":"
// percent-encoded and are decoded per segment). pathFound reports whether
// some operation uses the path with another method.
func (r *Router) Match(method, escapedPath string) (op *apimodel.Operation, labels Labels, pathFound bool) {
	if op, ok := r.exact[method+" "+escapedPath]; ok {
		return op, nil, true
	}
	parts := strings.Split(strings.Trim(escapedPath, "/"), "/")
	for _, rt := range r.labelled {
		if len(rt.segments) != len(parts) {
			continue
		}
		var ls Labels
		ok := true
		for i, s := range rt.segments {
			if s.label == "" {
				if parts[i] != s.literal {
					ok = false
					break
				}
				continue
			}
			v, err := url.PathUnescape(parts[i])
			if err != nil || v == "" {
				ok = false
				break
			}
			if ls == nil {
				ls = Labels{}
			}
			ls[s.label] = v
		}
		if !ok {
			continue
		}
		if rt.method == method {
			return rt.op, ls, true
		}
		pathFound = true
	}
	if !pathFound {
		for _, m := range []string{"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"} {
			if _, ok := r.exact[m+" "+escapedPath]; ok {
				pathFound = true
				break
			}
		}
	}
	return nil, nil, pathFound
}
