package imagebuilder

import (
	"errors"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/awserr"
	"github.com/ibemu/ibemu/internal/storage"
	ibv1 "github.com/ibemu/ibemu/proto/imagebuilder/v1"
)

// Dependency hooks of the resources recipes, pipelines and builds in
// progress reference (AWS answers ResourceDependencyException, "Resource
// dependency error: The resource ARN 'ARN' has other resources depended on
// it."):
//
//   - a component build version while an image or container recipe of its
//     owner references it, or a build in progress (of any account) uses it;
//   - a workflow build version while a pipeline of its owner references it,
//     or a build in progress uses it;
//   - an infrastructure or distribution configuration while a build in
//     progress uses it (pipelines.go refuses those a pipeline names).
//
// A reference is to the deleted build when it names that build, or is a
// version ARN or selector that currently resolves to it (a recipe naming
// 1.0.x blocks the delete of the build 1.0.x resolves to, not of older
// ones).
func init() {
	componentInUse = chainInUse(componentInUse, func(tx *storage.Tx, sc storage.Scope, arn string) error {
		if err := recipesUsingComponent(tx, sc, arn); err != nil {
			return err
		}
		return buildsReferencing(tx, sc, arn, func(img *ibv1.Image) []string {
			return componentRefs(img.GetImageRecipe().GetComponents(), img.GetContainerRecipe().GetComponents())
		})
	})
	workflowInUse = chainInUse(workflowInUse, func(tx *storage.Tx, sc storage.Scope, arn string) error {
		err := imagePipelines.table.Scan(tx, sc, storage.ScanOptions{}, func(_ []byte, p *ibv1.ImagePipeline) (bool, error) {
			for _, w := range p.GetWorkflows() {
				if used, err := refersTo(tx, sc, w.GetWorkflowArn(), arn); err != nil || used {
					return false, orDependency(err, used, arn)
				}
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		return buildsReferencing(tx, sc, arn, func(img *ibv1.Image) []string {
			var refs []string
			for _, w := range img.GetWorkflows() {
				refs = append(refs, w.GetWorkflowArn())
			}
			return refs
		})
	})
	infraConfigs.inUse = chainInUse(infraConfigs.inUse, func(tx *storage.Tx, sc storage.Scope, arn string) error {
		return buildsReferencing(tx, sc, arn, func(img *ibv1.Image) []string {
			return []string{img.GetInfrastructureConfiguration().GetArn()}
		})
	})
	distConfigs.inUse = chainInUse(distConfigs.inUse, func(tx *storage.Tx, sc storage.Scope, arn string) error {
		return buildsReferencing(tx, sc, arn, func(img *ibv1.Image) []string {
			return []string{img.GetDistributionConfiguration().GetArn()}
		})
	})
}

// componentInUse is the dependency hook of DeleteComponent.
var componentInUse inUseHook

func dependedOn(arn string) error {
	return ibv1.ErrResourceDependency("Resource dependency error: The resource ARN '%s' has other resources depended on it.", arn)
}

func orDependency(err error, used bool, arn string) error {
	if err == nil && used {
		return dependedOn(arn)
	}
	return err
}

func componentRefs(lists ...[]*ibv1.ComponentConfiguration) []string {
	var refs []string
	for _, l := range lists {
		for _, c := range l {
			refs = append(refs, c.GetComponentArn())
		}
	}
	return refs
}

// recipesUsingComponent refuses while a recipe in sc references the
// component build at arn.
func recipesUsingComponent(tx *storage.Tx, sc storage.Scope, arn string) error {
	check := func(refs []string) (bool, error) {
		for _, ref := range refs {
			if used, err := refersTo(tx, sc, ref, arn); err != nil || used {
				return false, orDependency(err, used, arn)
			}
		}
		return true, nil
	}
	err := imageRecipes.table.Scan(tx, sc, storage.ScanOptions{}, func(_ []byte, r *ibv1.ImageRecipe) (bool, error) {
		return check(componentRefs(r.GetComponents()))
	})
	if err != nil {
		return err
	}
	return containerRecipes.table.Scan(tx, sc, storage.ScanOptions{}, func(_ []byte, r *ibv1.ContainerRecipe) (bool, error) {
		return check(componentRefs(r.GetComponents()))
	})
}

// buildsReferencing refuses while a build in progress (of any account: a
// shared resource may be used by another) references arn through refs.
func buildsReferencing(tx *storage.Tx, sc storage.Scope, arn string, refs func(*ibv1.Image) []string) error {
	return inFlight.Scan(tx, inFlightScope, storage.ScanOptions{}, func(_ []byte, v *wrapperspb.BytesValue) (bool, error) {
		st, err := decodeBuild(v)
		if err != nil {
			return false, err
		}
		at, aerr := parseARN("arn", st.ImageARN)
		if aerr != nil {
			return true, nil
		}
		key, err := imageKey(at)
		if err != nil {
			return true, nil
		}
		img, found, err := images.Get(tx, storage.Scope{Account: st.Account, Region: st.Region}, key)
		if err != nil || !found {
			return err == nil, err
		}
		for _, ref := range refs(img) {
			if used, err := refersTo(tx, sc, ref, arn); err != nil || used {
				return false, orDependency(err, used, arn)
			}
		}
		return true, nil
	})
}

// refersTo reports whether ref names the resource at arn (in scope sc, its
// owner's): the same ARN, or a version ARN or selector of the same
// versioned resource that resolves to it now.
func refersTo(tx *storage.Tx, sc storage.Scope, ref, arn string) (bool, error) {
	if ref == "" {
		return false, nil
	}
	if ref == arn {
		return true, nil
	}
	r, aerr := parseARN("arn", ref)
	if aerr != nil || r.Build != 0 {
		return false, nil
	}
	target, aerr := parseARN("arn", arn)
	if aerr != nil || target.Build == 0 || r.Account != target.Account || r.Region != target.Region || r.Type != target.Type || r.Name != target.Name {
		return false, nil
	}
	k := kinds[r.Type]
	if k == nil || k.store == nil {
		return false, nil
	}
	_, at, found, err := k.store.load(tx, sc, r)
	if err != nil || !found {
		// An unresolvable selector references nothing.
		return false, ignoreAWSError(err)
	}
	return at.String() == target.String(), nil
}

// ignoreAWSError drops an AWS error (a malformed stored reference) and
// keeps a storage failure.
func ignoreAWSError(err error) error {
	var aws *awserr.Error
	if errors.As(err, &aws) {
		return nil
	}
	return err
}
