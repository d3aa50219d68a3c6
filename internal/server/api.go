// Package server puts the emulator's pieces together behind its two
// transports: the AWS wire endpoint (HTTP: restJson1 for Image Builder, the
// Query protocol for IAM and STS) and gRPC. Both authenticate the caller,
// run the same interceptor chain (recover, validate against the model,
// authorize) and call the same handler: the generated gRPC service
// implementations.
package server

import (
	"fmt"

	"google.golang.org/grpc"

	"github.com/ibemu/ibemu/internal/apimodel"
	"github.com/ibemu/ibemu/internal/auth/sigv4"
	"github.com/ibemu/ibemu/internal/wire/restjson"
	"github.com/ibemu/ibemu/internal/wire/restxml"
)

// API is one AWS service served by the emulator: its model, its generated
// gRPC service description and the implementation of that service.
type API struct {
	Model *apimodel.Service
	Desc  *grpc.ServiceDesc
	Impl  any

	methods map[string]*grpc.MethodDesc // by operation name
	rest    *restjson.Router            // restJson1 APIs only
	restXML *restxml.Router             // restXml APIs only
	// implemented counts the operations Impl serves itself.
	implemented int
}

func newAPI(model *apimodel.Service, desc *grpc.ServiceDesc, impl any) (*API, error) {
	a := &API{Model: model, Desc: desc, Impl: impl, methods: map[string]*grpc.MethodDesc{}}
	for i := range desc.Methods {
		md := &desc.Methods[i]
		a.methods[md.MethodName] = md
	}
	for _, op := range model.Operations {
		if _, ok := a.methods[op.Name]; !ok {
			return nil, fmt.Errorf("server: %s: operation %s has no gRPC method", model.Name, op.Name)
		}
		if op.GRPCMethod != "/"+desc.ServiceName+"/"+op.Name {
			return nil, fmt.Errorf("server: %s: operation %s: model and service description disagree on the method name", model.Name, op.Name)
		}
	}
	a.implemented = implementedCount(a)
	if model.Protocol == apimodel.RESTJSON1 {
		a.rest = restjson.NewRouter(model)
	}
	if model.Protocol == apimodel.RESTXML {
		a.restXML = restxml.NewRouter(model)
	}
	return a, nil
}

// link resolves the API's model to its protobuf descriptors on the API's
// first request (Register takes a model that may be only indexed, so that
// the services a process never serves cost no descriptors). Every request
// path calls it as soon as it knows the API, before any codec, validation
// or authorization step reads Shape.Message or Member.Field. A model that
// does not match its generated messages is a build defect: it panics, and
// the transports' recovery answers InternalFailure.
func (a *API) link() { a.Model.MustLink() }

// sigv4Protocol is the error vocabulary authentication failures of this API
// are reported in, over every transport.
func (a *API) sigv4Protocol() sigv4.Protocol {
	switch a.Model.Protocol {
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
