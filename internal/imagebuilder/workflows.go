package imagebuilder

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/imagebuilder/componentdoc"
	"github.com/ibemu/ibemu/internal/imagebuilder/workflowdoc"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Workflows are versioned like components: arn:aws:imagebuilder:REGION:
// ACCOUNT:workflow/TYPE/NAME/VERSION/BUILD, TYPE being build, test or
// distribution. They are stored by "TYPE/NAME" (the same name may be a
// build and a test workflow), through the builds machinery components use.
var (
	workflowBuilds        = storage.NewTable[*ibv1.Workflow]("imagebuilder.workflow-builds")
	workflowVersions      = storage.NewTable[*ibv1.WorkflowVersion]("imagebuilder.workflow-versions")
	workflowBuildCounters = storage.NewTable[*wrapperspb.UInt32Value]("imagebuilder.workflow-build-counters")
	// workflowDataKeys holds the data key of each workflow build encrypted
	// under a customer managed key, as componentDataKeys does.
	workflowDataKeys = storage.NewTable[*wrapperspb.BytesValue]("imagebuilder.workflow-data-keys")

	workflowFamily = &builds[*ibv1.Workflow, *ibv1.WorkflowVersion]{
		noun: "workflow", base: workflowBase,
		records: workflowBuilds, latest: workflowVersions, counters: workflowBuildCounters,
		index: workflowVersionOf,
	}
)

// workflowInUse is the dependency hook of DeleteWorkflow: images and
// pipelines that use a workflow build set it (ResourceDependencyException).
// Nil: nothing depends on workflows yet.
var workflowInUse func(tx *storage.Tx, sc storage.Scope, arn string) error

// workflowFilters are the filters ListWorkflows accepts.
var workflowFilters = []string{"name", "type", "version"}

func isWorkflowType(typ string) bool {
	return typ == "workflow/build" || typ == "workflow/test" || typ == "workflow/distribution"
}

// workflowARNType is the ARN type of a workflow type: BUILD → workflow/build.
func workflowARNType(typ string) string { return "workflow/" + strings.ToLower(typ) }

// workflowKey is the stored name of a workflow: "build/name".
func workflowKey(arnType, name string) string {
	return strings.TrimPrefix(arnType, "workflow/") + "/" + name
}

// workflowBase is the ARN of a stored workflow name ("build/name") without
// its version.
func workflowBase(region, account, key string) string {
	return typeARN(region, account, "workflow") + "/" + key
}

// workflowStore reads workflow builds for the resolver and tagging.
type workflowStore struct{}

func (workflowStore) load(tx *storage.Tx, sc storage.Scope, r resourceARN) (proto.Message, resourceARN, bool, error) {
	wf, found, err := workflowFamily.find(tx, sc, workflowKey(r.Type, r.Name), r.Version, r.Build)
	if err != nil || !found {
		return nil, r, false, err
	}
	at, _ := parseARN("arn", wf.GetArn())
	return wf, at, true, nil
}

func (workflowStore) save(tx *storage.Tx, sc storage.Scope, at resourceARN, rec proto.Message) error {
	v, aerr := ParseVersion(at.Version)
	if aerr != nil {
		return aerr
	}
	return workflowBuilds.Put(tx, sc, buildKey(workflowKey(at.Type, at.Name), v, at.Build), rec.(*ibv1.Workflow))
}

// nextWorkflowBuild is the build number CreateWorkflow will give version of
// a workflow (0 when version is not a version).
func (s *Service) nextWorkflowBuild(ctx context.Context, account, region, arnType, name, version string) (uint32, error) {
	v, aerr := ParseVersion(version)
	if aerr != nil {
		return 0, nil
	}
	var build uint32
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		build, _, _, err = workflowFamily.next(tx, storage.Scope{Account: account, Region: region}, workflowKey(arnType, name), v)
		return err
	})
	var aws *awserr.Error
	if errors.As(err, &aws) {
		return 0, nil
	}
	return build, storageError(err)
}

// CreateWorkflow creates a new build version of a workflow from an inline
// YAML document (data) or one read from S3 as the caller (uri), validated
// by workflowdoc for the workflow's type; kmsKeyId encrypts it under a
// customer managed key the caller can use (kms:GenerateDataKey through
// Image Builder). Creating a version that exists adds a build. Errors:
// InvalidParameterValueException (the document, uri or key),
// InvalidParameterCombinationException (data and uri), InvalidVersionNumberException,
// ResourceAlreadyExistsException, IdempotentParameterMismatchException,
// DryRunOperationException, ServiceQuotaExceededException.
func (s *Service) CreateWorkflow(ctx context.Context, req *ibv1.CreateWorkflowRequest) (*ibv1.CreateWorkflowResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	v, aerr := ParseVersion(req.GetSemanticVersion())
	if aerr != nil {
		return nil, aerr
	}
	text, err := s.documentText(ctx, req.Data, req.Uri)
	if err != nil {
		return nil, err
	}
	doc, err := workflowdoc.ParseFrom(text, req.GetType(), sourceOf(req.Uri))
	if err != nil {
		var verr *workflowdoc.ValidationError
		if errors.As(err, &verr) {
			return nil, verr.AWSError()
		}
		return nil, err
	}
	if req.GetDryRun() {
		return nil, ibv1.ErrDryRunOperation("The dry run operation of the resource was successful, and no resources or mutations were actually performed due to the dry run flag in the request.")
	}
	arnType := workflowARNType(req.GetType())
	key := workflowKey(arnType, arnName(req.GetName()))
	wf := &ibv1.Workflow{
		Name:              req.Name,
		Version:           ptr(v.String()),
		Description:       req.Description,
		ChangeDescription: req.ChangeDescription,
		Type:              req.Type,
		Owner:             ptr(c.Account),
		Data:              ptr(text),
		KmsKeyId:          req.KmsKeyId,
		Tags:              req.Tags,
		DateCreated:       ptr(timestamp(c.Time)),
	}
	for _, p := range doc.Parameters {
		d := &ibv1.WorkflowParameterDetail{Name: ptr(p.Name), Type: ptr(p.Type), DefaultValue: p.Default}
		if p.Description != "" {
			d.Description = ptr(p.Description)
		}
		wf.Parameters = append(wf.Parameters, d)
	}
	base := workflowBase(c.Region, c.Account, key)
	dataKey, err := s.generateDataKey(ctx, req.KmsKeyId, map[string]string{"aws:imagebuilder:arn": base + "/" + v.String()})
	if err != nil {
		return nil, err
	}
	var resp *ibv1.CreateWorkflowResponse
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		resp, err = idempotent(tx, scope(c), "CreateWorkflow", req, c.Time, func() (*ibv1.CreateWorkflowResponse, error) {
			sc := scope(c)
			build, last, found, err := workflowFamily.next(tx, sc, key, v)
			if err != nil {
				return nil, err
			}
			if found && last.GetName() != wf.GetName() {
				return nil, ibv1.ErrResourceAlreadyExists("The workflow %s already exists with the name %q; names that differ only in case or in spaces and hyphens map to the same ARN.", base, last.GetName())
			}
			rec := proto.Clone(wf).(*ibv1.Workflow)
			rec.Arn = ptr(fmt.Sprintf("%s/%s/%d", base, v, build))
			if err := workflowFamily.insert(tx, sc, key, v, build, rec); err != nil {
				return nil, err
			}
			if dataKey != nil {
				if err := workflowDataKeys.Put(tx, sc, buildKey(key, v, build), wrapperspb.Bytes(dataKey)); err != nil {
					return nil, err
				}
			}
			return &ibv1.CreateWorkflowResponse{
				ClientToken:             req.ClientToken,
				WorkflowBuildVersionArn: rec.Arn,
				LatestVersionReferences: latestReferences(base, v),
			}, nil
		})
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}

// workflowVersionOf is the ListWorkflows entry of a version, described by
// its latest build.
func workflowVersionOf(wf *ibv1.Workflow, _ string) *ibv1.WorkflowVersion {
	r, _ := parseARN("arn", wf.GetArn())
	return &ibv1.WorkflowVersion{
		Arn:         ptr(strings.TrimSuffix(r.String(), buildSuffix(r.Build))),
		Name:        wf.Name,
		Version:     wf.Version,
		Description: wf.Description,
		Type:        wf.Type,
		Owner:       wf.Owner,
		DateCreated: wf.DateCreated,
	}
}

func workflowSummaryOf(wf *ibv1.Workflow) *ibv1.WorkflowSummary {
	return &ibv1.WorkflowSummary{
		Arn: wf.Arn, Name: wf.Name, Version: wf.Version, Description: wf.Description,
		ChangeDescription: wf.ChangeDescription, Type: wf.Type, Owner: wf.Owner, State: wf.State,
		DateCreated: wf.DateCreated, Tags: wf.Tags,
	}
}

func workflowNotFound(arn string) error {
	return ibv1.ErrResourceNotFound("The workflow %s does not exist.", arn)
}

// GetWorkflow returns a workflow build version. The ARN may name a build, a
// version (its latest build) or a selector (1.x.x: the latest matching
// version), the caller's or Amazon's. A workflow encrypted under a customer
// managed key needs kms:Decrypt on it, through Image Builder. Errors:
// ResourceNotFoundException, InvalidParameterValueException.
func (s *Service) GetWorkflow(ctx context.Context, req *ibv1.GetWorkflowRequest) (*ibv1.GetWorkflowResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	arn := req.GetWorkflowBuildVersionArn()
	res, l, err := s.locate(ctx, c, "imagebuilder:GetWorkflow", "workflowBuildVersionArn", arn)
	if err != nil {
		return nil, err
	}
	wf, ok := l.record.(*ibv1.Workflow)
	if !res.Exists || !ok {
		return nil, workflowNotFound(arn)
	}
	v, _ := ParseVersion(l.at.Version)
	if wf.GetKmsKeyId() != "" && s.keys != nil {
		base := workflowBuildBase(l.at)
		var blob []byte
		err := s.db.View(ctx, func(tx *storage.Tx) error {
			rec, _, err := workflowDataKeys.Get(tx, l.scope(), buildKey(workflowKey(l.at.Type, l.at.Name), v, l.at.Build))
			blob = rec.GetValue()
			return err
		})
		if err != nil {
			return nil, storageError(err)
		}
		if err := s.decryptDataKey(ctx, blob, map[string]string{"aws:imagebuilder:arn": base + "/" + v.String()}); err != nil {
			return nil, err
		}
	}
	refs := l.refs // made by the resolver's load (and shared with it)
	if refs == nil {
		refs = latestReferences(workflowBuildBase(l.at), v)
	}
	return &ibv1.GetWorkflowResponse{Workflow: wf, LatestVersionReferences: refs}, nil
}

// workflowBuildBase is a workflow build's ARN without its version and build:
// the base of its latest-version references and of its data key's
// encryption context.
func workflowBuildBase(at resourceARN) string {
	return strings.TrimSuffix(at.String(), "/"+at.Version+buildSuffix(at.Build))
}

// DeleteWorkflow deletes one workflow build version. Amazon's cannot be
// deleted (ForbiddenException); one an image or pipeline uses answers
// ResourceDependencyException. Errors: ResourceNotFoundException,
// InvalidParameterValueException.
func (s *Service) DeleteWorkflow(ctx context.Context, req *ibv1.DeleteWorkflowRequest) (*ibv1.DeleteWorkflowResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	const member = "workflowBuildVersionArn"
	arn := req.GetWorkflowBuildVersionArn()
	r, aerr := parseARN(member, arn)
	if aerr != nil {
		return nil, aerr
	}
	if r.Account == awsOwner {
		return nil, ibv1.ErrForbidden("You cannot delete the AWS-managed workflow %s.", arn)
	}
	res, l, err := s.locate(ctx, c, "imagebuilder:DeleteWorkflow", member, arn)
	if err != nil {
		return nil, err
	}
	if !res.Exists || l.at.Build == 0 {
		return nil, workflowNotFound(arn)
	}
	sc := l.scope()
	v, _ := ParseVersion(l.at.Version)
	key := workflowKey(l.at.Type, l.at.Name)
	err = s.db.Update(ctx, func(tx *storage.Tx) error {
		if workflowInUse != nil {
			if err := workflowInUse(tx, sc, l.at.String()); err != nil {
				return err
			}
		}
		deleted, err := workflowFamily.remove(tx, sc, key, v, l.at.Build)
		if err != nil {
			return err
		}
		if !deleted {
			return workflowNotFound(arn)
		}
		_, err = workflowDataKeys.Delete(tx, sc, buildKey(key, v, l.at.Build))
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return &ibv1.DeleteWorkflowResponse{WorkflowBuildVersionArn: &arn}, nil
}

// ListWorkflows lists workflow versions (byName: the latest version of
// each) owned by the caller (Self, the default) or managed by AWS (Amazon),
// in type and name order. Workflows take no resource policy, so none are
// Shared; ThirdParty and AWSMarketplace publish none here. Filters: name,
// type, version (version not with byName).
func (s *Service) ListWorkflows(ctx context.Context, req *ibv1.ListWorkflowsRequest) (*ibv1.ListWorkflowsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := parseFilters(req.GetFilters(), workflowFilters...)
	if aerr != nil {
		return nil, aerr
	}
	if _, ok := fs["version"]; ok && req.GetByName() {
		return nil, ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'filters' is not valid. You cannot list Workflows by name and filter by version in the same request.")
	}
	owner := req.GetOwner()
	if owner == "" {
		owner = ownerSelf
	}
	listing := "ListWorkflows/" + owner
	if req.GetByName() {
		listing += "/byName"
	}
	pg, aerr := newPage(listing, nil, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	keep := func(wv *ibv1.WorkflowVersion) bool {
		return fs.match("name", wv.GetName()) && fs.match("type", wv.GetType()) && fs.match("version", wv.GetVersion())
	}
	resp := &ibv1.ListWorkflowsResponse{WorkflowVersionList: []*ibv1.WorkflowVersion{}}
	switch owner {
	case ownerSelf:
		if req.GetByName() {
			pg.tail = 12
		}
		err := s.db.View(ctx, func(tx *storage.Tx) error {
			var err error
			resp.WorkflowVersionList, resp.NextToken, err = collect(tx, workflowVersions, scope(c), pg,
				func(_ []byte, wv *ibv1.WorkflowVersion) (bool, error) { return keep(wv), nil }, same[*ibv1.WorkflowVersion])
			return err
		})
		if err != nil {
			return nil, storageError(err)
		}
	case ownerAmazon:
		// One version per managed workflow: byName lists the same.
		resp.WorkflowVersionList, resp.NextToken = amazonPage(amazonWorkflows(c.Region), listing, pg.after, pg.limit, keep,
			func(wf *ibv1.Workflow) *ibv1.WorkflowVersion { return workflowVersionOf(wf, c.Region) })
	}
	return resp, nil
}

// ListWorkflowBuildVersions lists the builds of the workflow versions a
// version ARN or selector names (arn:…:workflow/build/name/1.x.x), or every
// workflow build the caller owns when it names none. Errors:
// InvalidParameterValueException, InvalidPaginationTokenException.
func (s *Service) ListWorkflowBuildVersions(ctx context.Context, req *ibv1.ListWorkflowBuildVersionsRequest) (*ibv1.ListWorkflowBuildVersionsResponse, error) {
	c, aerr := call(ctx)
	if aerr != nil {
		return nil, aerr
	}
	sc := scope(c)
	listing := "ListWorkflowBuildVersions"
	var prefix []byte
	var keep func(*ibv1.Workflow) bool
	resp := &ibv1.ListWorkflowBuildVersionsResponse{WorkflowSummaryList: []*ibv1.WorkflowSummary{}}
	if req.WorkflowVersionArn != nil {
		const member = "workflowVersionArn"
		arn := req.GetWorkflowVersionArn()
		r, aerr := parseARN(member, arn)
		if aerr != nil {
			return nil, aerr
		}
		if !isWorkflowType(r.Type) || r.Version == "" || r.Build != 0 {
			return nil, ibv1.ErrInvalidParameterValue("The value supplied for parameter '%s' is not valid. The ARN %s does not name a workflow version: expected %s/TYPE/NAME/VERSION.", member, arn, typeARN(r.Region, r.Account, "workflow"))
		}
		sel, aerr := ParseSelector(r.Version)
		if aerr != nil {
			return nil, aerr
		}
		matches := func(wf *ibv1.Workflow) bool {
			v, _ := ParseVersion(wf.GetVersion())
			return sel.Matches(v)
		}
		if r.Account == awsOwner {
			var out []*ibv1.Workflow
			for _, wf := range amazonWorkflows(c.Region) {
				wr, _ := parseARN("arn", wf.GetArn())
				if wr.Type == r.Type && wr.Name == r.Name && r.Region == c.Region && matches(wf) {
					out = append(out, wf)
				}
			}
			pg, aerr := newPage(listing+"/"+arn, nil, req.MaxResults, req.NextToken)
			if aerr != nil {
				return nil, aerr
			}
			resp.WorkflowSummaryList, resp.NextToken = amazonPage(out, pg.listing, pg.after, pg.limit, nil, workflowSummaryOf)
			return resp, nil
		}
		if r.Account != c.Account || r.Region != c.Region {
			// Workflows are not shared: another account's are invisible.
			return resp, nil
		}
		listing += "/" + arn
		prefix = nameKey(workflowKey(r.Type, r.Name)).Key()
		keep = matches
	}
	pg, aerr := newPage(listing, prefix, req.MaxResults, req.NextToken)
	if aerr != nil {
		return nil, aerr
	}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var keepKey func([]byte, *ibv1.Workflow) (bool, error)
		if keep != nil {
			keepKey = func(_ []byte, wf *ibv1.Workflow) (bool, error) { return keep(wf), nil }
		}
		var err error
		resp.WorkflowSummaryList, resp.NextToken, err = collect(tx, workflowBuilds, sc, pg, keepKey, workflowSummaryOf)
		return err
	})
	if err != nil {
		return nil, storageError(err)
	}
	return resp, nil
}

// documentText is the document a create request carries inline (data) or
// names in S3 (uri), read as the caller.
// sourceOf is where a document came from: S3 when the request names a uri.
func sourceOf(uri *string) componentdoc.Source {
	if uri != nil {
		return componentdoc.URI
	}
	return componentdoc.Inline
}

func (s *Service) documentText(ctx context.Context, data, uri *string) (string, error) {
	switch {
	case data != nil && uri != nil:
		return "", ibv1.ErrInvalidParameterCombination("The value supplied for parameter 'data' is not valid. You can specify either data or uri, not both.")
	case data == nil && uri == nil:
		return "", ibv1.ErrInvalidParameterValue("The value supplied for parameter 'data' is not valid. Specify the document either inline in data or as an S3 object in uri.")
	case uri != nil:
		return s.readS3Document(ctx, "uri", *uri)
	}
	return *data, nil
}
