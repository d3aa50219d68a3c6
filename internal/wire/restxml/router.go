// Package restxml is the generic codec of the AWS restXml protocol (S3): it
// routes a request to its operation by HTTP method, URI template and the
// query-string literals S3 uses to select sub-resources ("?policy",
// "?list-type=2"), decodes URI labels, query parameters, headers, prefix
// headers and the payload (raw bytes or one XML document) into the
// operation's generated input message, and encodes output messages and S3's
// <Error> documents. It walks the apimodel tables; there is no per-operation
// code.
//
// The wire format follows the Smithy restXml protocol specification
// (smithy.io, "AWS restXml protocol") and S3's documented REST API: S3
// answers errors without the <ErrorResponse> wrapper
// (aws.customizations#s3UnwrappedXmlOutput, noErrorWrapping) and
// GetBucketLocation's output unwrapped.
package restxml

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/awserr"
)

// xIDParam is the query parameter the Smithy-generated SDKs add to tell
// apart operations sharing a method and path ("x-id=GetObject"). Older
// clients (the AWS CLI, boto3) do not send it, so it only ever breaks ties.
const xIDParam = "x-id"

// Router finds the operation an HTTP request addresses.
type Router struct {
	routes []*route
}

type route struct {
	op       *apimodel.Operation
	method   string
	segments []segment
	literals []literal // query literals of the URI other than x-id
	xid      string    // the x-id literal's value, "" when none
	// hints are the request's required query parameters and headers:
	// present ones make the route a better match (PUT with partNumber and
	// uploadId is UploadPart, not PutObject; with x-amz-copy-source it is
	// CopyObject).
	hintQuery  []string
	hintHeader []string
}

type segment struct {
	literal string
	label   string // set when the segment is {label} or {label+}
	greedy  bool
}

type literal struct {
	name, value string
	hasValue    bool
}

// NewRouter indexes the HTTP bindings of every operation of svc.
func NewRouter(svc *apimodel.Service) *Router {
	r := &Router{}
	for _, op := range svc.Operations {
		if op.HTTPURI == "" {
			continue
		}
		rt := &route{op: op, method: op.HTTPMethod}
		path, rawQuery, _ := strings.Cut(op.HTTPURI, "?")
		for _, s := range strings.Split(strings.Trim(path, "/"), "/") {
			switch {
			case s == "":
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
				name := strings.Trim(s, "{}")
				rt.segments = append(rt.segments, segment{label: strings.TrimSuffix(name, "+"), greedy: strings.HasSuffix(name, "+")})
			default:
				rt.segments = append(rt.segments, segment{literal: s})
			}
		}
		if rawQuery != "" {
			for _, kv := range strings.Split(rawQuery, "&") {
				name, value, hasValue := strings.Cut(kv, "=")
				if name == xIDParam {
					rt.xid = value
					continue
				}
				rt.literals = append(rt.literals, literal{name: name, value: value, hasValue: hasValue})
			}
		}
		for _, m := range op.Input.Members {
			if !m.Required {
				continue
			}
			switch m.Location {
			case apimodel.Query:
				rt.hintQuery = append(rt.hintQuery, m.LocationName)
			case apimodel.Header:
				rt.hintHeader = append(rt.hintHeader, m.LocationName)
			}
		}
		r.routes = append(r.routes, rt)
	}
	return r
}

// Labels are the decoded values of URI labels, by label name.
type Labels map[string]string

// Match returns the operation a request addresses and its URI labels.
// escapedPath is the request's escaped path (r.URL.EscapedPath(); for a
// virtual-hosted request, "/"+bucket in front of it): each label is
// unescaped on its own, so keys keep '/', "//", a leading '/' and escaped
// characters. Among the routes whose method and path match, those whose
// query literals are all present compete: more literals matched win, then
// the x-id hint, then the balance of the operation's required query
// parameters and headers present over those absent (PUT with partNumber
// and uploadId is UploadPart; without, PutObject rather than CopyObject,
// which needs x-amz-copy-source), then model order.
//
// A request no route takes gets S3's answers: 405 MethodNotAllowed when
// the path is served with other methods, 400 InvalidRequest otherwise.
func (r *Router) Match(method, escapedPath string, query url.Values, header http.Header) (*apimodel.Operation, Labels, *awserr.Error) {
	var (
		best      *route
		bestLabel Labels
		bestScore = -1
		pathFound bool
	)
	xid, hasXID := "", false
	if v, ok := query[xIDParam]; ok && len(v) > 0 {
		xid, hasXID = v[0], true
	}
	for _, rt := range r.routes {
		labels, ok := rt.matchPath(escapedPath)
		if !ok {
			continue
		}
		pathFound = true
		if rt.method != method {
			continue
		}
		score := 100 // room below for missing required parameters
		for _, l := range rt.literals {
			v, present := query[l.name]
			if !present || (l.hasValue && (len(v) == 0 || v[0] != l.value)) {
				score = -1
				break
			}
			score += 1000
		}
		if score < 0 {
			continue
		}
		if hasXID && rt.xid != "" {
			if rt.xid != xid {
				continue
			}
			score += 100
		}
		for _, q := range rt.hintQuery {
			if query.Has(q) {
				score++
			} else {
				score--
			}
		}
		for _, h := range rt.hintHeader {
			if header.Get(h) != "" {
				score++
			} else {
				score--
			}
		}
		if score > bestScore {
			best, bestLabel, bestScore = rt, labels, score
		}
	}
	if best != nil {
		return best.op, bestLabel, nil
	}
	if pathFound {
		return nil, nil, awserr.New("MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource.")
	}
	return nil, nil, awserr.Newf("InvalidRequest", http.StatusBadRequest, "%s %s is not an operation this S3 endpoint serves.", method, escapedPath)
}

// matchPath matches an escaped path against the route's segments. A label
// takes one non-empty path segment, a greedy label the non-empty rest of
// the path; one trailing '/' after the last non-greedy segment is allowed
// ("/bucket/" is the bucket).
func (rt *route) matchPath(escapedPath string) (Labels, bool) {
	if !strings.HasPrefix(escapedPath, "/") {
		return nil, false
	}
	rest := escapedPath[1:]
	var labels Labels
	for i, s := range rt.segments {
		if i > 0 {
			if !strings.HasPrefix(rest, "/") {
				return nil, false
			}
			rest = rest[1:]
		}
		if s.greedy {
			if rest == "" {
				return nil, false
			}
			v, err := url.PathUnescape(rest)
			if err != nil {
				return nil, false
			}
			if labels == nil {
				labels = Labels{}
			}
			labels[s.label] = v
			rest = ""
			continue
		}
		part := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			part = rest[:j]
		}
		rest = rest[len(part):]
		if s.label == "" {
			if part != s.literal {
				return nil, false
			}
			continue
		}
		v, err := url.PathUnescape(part)
		if err != nil || v == "" {
			return nil, false
		}
		if labels == nil {
			labels = Labels{}
		}
		labels[s.label] = v
	}
	if rest != "" && rest != "/" {
		return nil, false
	}
	return labels, true
}
