// Package server puts the emulator's pieces together behind its two
// transports: the AWS wire endpoint (HTTP: restJson1 for Image Builder, the
// Query protocol for IAM and STS) and gRPC. Both authenticate the caller,
// run the same interceptor chain (recover, validate against the model,
// authorize) and call the same handler: the generated gRPC service
// implementations.
package server

import (
	"fmt"
	"strings"
	"sync"

	"google.golang.org/grpc"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/wire/restjson"
	"github.com/ibemu/ibemu/internal/wire/restxml"
)

// API is one AWS service served by the emulator: its identity, its
// generated gRPC service description and the implementation of that
// service. Its model (the table, its indexes and routers) is built on the
// API's first request, so that the services a process never serves cost
// nothing but their identity.
type API struct {
	Info apimodel.ServiceInfo
	Desc *grpc.ServiceDesc
	Impl any

	load     func() *apimodel.Service
	once     sync.Once
	buildErr error
	model    *apimodel.Service
	methods  map[string]*grpc.MethodDesc    // by operation name
	calls    map[string]*directCall         // by operation name
	byMethod map[string]*apimodel.Operation // by full gRPC method name
	rest     *restjson.Router               // restJson1 APIs only
	restXML  *restxml.Router                // restXml APIs only

	implOnce sync.Once
	// implemented says whether Impl serves an operation itself.
	implemented bool
}

func newAPI(info apimodel.ServiceInfo, load func() *apimodel.Service, desc *grpc.ServiceDesc, impl any) *API {
	return &API{Info: info, Desc: desc, Impl: impl, load: load}
}

// build builds the API's model, its indexes and routers, once, and checks
// the model against the identity and the service description it was
// registered with.
func (a *API) build() error {
	a.once.Do(func() { a.buildErr = a.doBuild() })
	return a.buildErr
}

func (a *API) doBuild() error {
	model := a.load().Index()
	if model.Info() != a.Info {
		return fmt.Errorf("server: %s: the model's identity %+v is not the registered %+v", a.Info.Name, model.Info(), a.Info)
	}
	desc := a.Desc
	methods := make(map[string]*grpc.MethodDesc, len(desc.Methods))
	for i := range desc.Methods {
		md := &desc.Methods[i]
		methods[md.MethodName] = md
	}
	byMethod := make(map[string]*apimodel.Operation, len(model.Operations))
	for _, op := range model.Operations {
		if _, ok := methods[op.Name]; !ok {
			return fmt.Errorf("server: %s: operation %s has no gRPC method", model.Name, op.Name)
		}
		if op.GRPCMethod != "/"+desc.ServiceName+"/"+op.Name {
			return fmt.Errorf("server: %s: operation %s: model and service description disagree on the method name", model.Name, op.Name)
		}
		byMethod[op.GRPCMethod] = op
	}
	if len(methods) != len(model.Operations) {
		return fmt.Errorf("server: %s: %d gRPC methods for %d operations", model.Name, len(methods), len(model.Operations))
	}
	if model.Protocol == apimodel.RESTJSON1 {
		a.rest = restjson.NewRouter(model)
	}
	if model.Protocol == apimodel.RESTXML {
		a.restXML = restxml.NewRouter(model)
	}
	calls := make(map[string]*directCall, len(methods))
	for _, op := range model.Operations {
		dc, err := captureCall(a, methods[op.Name], route{api: a, op: op})
		if err != nil {
			return err
		}
		calls[op.Name] = dc
	}
	a.methods, a.byMethod, a.calls, a.model = methods, byMethod, calls, model
	return nil
}

// Model returns the API's model, indexed (not necessarily linked), built
// on first use. A model that does not match the registered service
// description is a build defect: it panics, and the transports' recovery
// answers InternalFailure (Register checks it up front).
func (a *API) Model() *apimodel.Service {
	if err := a.build(); err != nil {
		panic(err)
	}
	return a.model
}

// link builds the API's model and resolves it to its protobuf descriptors
// on the API's first request, so that the services a process never serves
// cost neither tables nor descriptors. Every request path calls it as soon
// as it knows the API, before any router, codec, validation or
// authorization step reads the model, Shape.Message or Member.Field. A
// model that does not match its generated messages is a build defect: it
// panics, and the transports' recovery answers InternalFailure.
func (a *API) link() { a.Model().MustLink() }

// implementsOps is implementsAny, computed on its first use (the health
// endpoint's service list) rather than at registration.
func (a *API) implementsOps() bool {
	a.implOnce.Do(func() { a.implemented = implementsAny(a) })
	return a.implemented
}

// sigv4Protocol is the error vocabulary authentication failures of this API
// are reported in, over every transport.
func (a *API) sigv4Protocol() sigv4.Protocol {
	switch a.Info.Protocol {
	case apimodel.AWSQuery:
		return sigv4.Query
	case apimodel.RESTXML:
		return sigv4.RESTXML
	case apimodel.AWSJSON11:
		return sigv4.AWSJSON
	}
	return sigv4.RESTJSON
}

// route is what the interceptors learn about the method being called.
type route struct {
	api *API
	op  *apimodel.Operation
}

// route finds the API operation of a full gRPC method name
// ("/ibemu.iam.v1.IAM/GetUser"): the API by the method's service part, then
// the operation in its model, which this builds on the API's first call.
func (s *Server) route(fullMethod string) (route, bool) {
	svc, _, ok := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	if !ok || len(fullMethod) == 0 || fullMethod[0] != '/' {
		return route{}, false
	}
	a := s.byService[svc]
	if a == nil {
		return route{}, false
	}
	a.Model()
	op, ok := a.byMethod[fullMethod]
	if !ok {
		return route{}, false
	}
	return route{api: a, op: op}, true
}
