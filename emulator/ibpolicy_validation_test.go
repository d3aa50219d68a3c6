package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// TestComponentPolicyValidation: a component policy may only allow
// imagebuilder:GetComponent and imagebuilder:ListComponents on the component
// it is put on, for accounts, IAM users and roles, organizations and OUs.
// Every refusal is InvalidParameterValueException saying what is wrong, and
// leaves the stored policy and what it shares as they were.
func TestComponentPolicyValidation(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	arn := mustCreate(t, a, createInput("guarded", "1.0.0"))
	good := sharePolicy(arn, accountB)
	mustPutComponentPolicy(t, a, arn, good)

	statement := func(principal, action, resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":` + action + `,"Resource":` + resource + `}]}`
	}
	const prefix = "The value supplied for parameter 'policy' is not valid. "
	const principals = "principals must be AWS account IDs, IAM user or role ARNs, or AWS Organizations organization or organizational unit ARNs."
	account := `{"AWS":"` + accountC + `"}`
	read := `["imagebuilder:GetComponent","imagebuilder:ListComponents"]`
	self := `"` + arn + `"`
	for name, tc := range map[string]struct{ doc, message string }{
		"disallowed action": {
			statement(account, `["imagebuilder:GetComponent","imagebuilder:DeleteComponent"]`, self),
			prefix + "The action imagebuilder:DeleteComponent is not supported in a component policy; it can only grant imagebuilder:GetComponent and imagebuilder:ListComponents.",
		},
		"wildcard action": {
			statement(account, `"imagebuilder:*"`, self),
			prefix + "The action imagebuilder:* is not supported in a component policy; it can only grant imagebuilder:GetComponent and imagebuilder:ListComponents.",
		},
		"another service's action": {
			statement(account, `"s3:GetObject"`, self),
			prefix + "The action s3:GetObject is not supported in a component policy; it can only grant imagebuilder:GetComponent and imagebuilder:ListComponents.",
		},
		"everyone": {
			statement(`"*"`, read, self),
			prefix + `The principal "*" is not supported; ` + principals,
		},
		"everyone in AWS": {
			statement(`{"AWS":"*"}`, read, self),
			prefix + "The principal * is not supported; " + principals,
		},
		"a service": {
			statement(`{"Service":"imagebuilder.amazonaws.com"}`, read, self),
			prefix + "The principal type Service is not supported; " + principals,
		},
		"a role session": {
			statement(`{"AWS":"arn:aws:sts::`+accountC+`:assumed-role/builder/session"}`, read, self),
			prefix + "The principal arn:aws:sts::" + accountC + ":assumed-role/builder/session is not supported; " + principals,
		},
		"a malformed account": {
			statement(`{"AWS":"12345"}`, read, self),
			prefix + `Invalid principal in policy: "AWS":"12345"`,
		},
		"another resource": {
			statement(account, read, `"`+componentARN(accountA, "guarded", "1.0.0", 9)+`"`),
			prefix + "The resource " + componentARN(accountA, "guarded", "1.0.0", 9) + " is not valid in this policy; the Resource of a component policy must be the ARN of the component it is applied to, " + arn + ".",
		},
		"deny": {
			`{"Version":"2012-10-17","Statement":[{"Sid":"NoC","Effect":"Deny","Principal":` + account + `,"Action":` + read + `,"Resource":` + self + `}]}`,
			prefix + "A component policy can only allow access; statement NoC has Effect Deny.",
		},
		"NotAction": {
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + account + `,"NotAction":"imagebuilder:DeleteComponent","Resource":` + self + `}]}`,
			prefix + "A component policy must list its actions in Action; NotAction is not supported.",
		},
		"malformed JSON": {
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",}]}`,
			prefix + "Syntax errors in policy. Invalid JSON at line 1, column 56: expected a quoted member name.",
		},
		"not a policy": {
			`{"Version":"2012-10-17"}`,
			prefix + "Missing required field Statement.",
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := a.PutComponentPolicy(ctx, &imagebuilder.PutComponentPolicyInput{ComponentArn: aws.String(arn), Policy: aws.String(tc.doc)})
			requireTyped[*types.InvalidParameterValueException](t, err)
			apiErr := requireAPIError(t, err, "InvalidParameterValueException", 400)
			requireMessage(t, apiErr, tc.message)
		})
	}

	if got := componentPolicy(t, a, arn); got != good {
		t.Errorf("the stored policy changed to\n%s", got)
	}
	requireSameStrings(t, "B's shared versions", sharedWith(t, b), []string{versionARN(accountA, "guarded", "1.0.0")})
	requireSameStrings(t, "C's shared versions", sharedWith(t, client(t, emu, accountC)), nil)
}

// TestImageAndRecipePolicies: images and recipes are not stored yet, so their
// policies answer ResourceNotFoundException for any ARN once the document
// passes the same validation, parameterised by type.
func TestImageAndRecipePolicies(t *testing.T) {
	t.Parallel()
	_, a := startClient(t)
	ctx := testContext(t)
	image := "arn:aws:imagebuilder:" + region + ":" + accountA + ":image/golden/1.0.0/1"
	recipe := "arn:aws:imagebuilder:" + region + ":" + accountA + ":image-recipe/golden/1.0.0"
	container := "arn:aws:imagebuilder:" + region + ":" + accountA + ":container-recipe/golden/1.0.0"
	policyFor := func(arn string, actions ...string) *string {
		return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + accountB + `"},"Action":["` + strings.Join(actions, `","`) + `"],"Resource":"` + arn + `"}]}`)
	}

	_, err := a.PutImagePolicy(ctx, &imagebuilder.PutImagePolicyInput{ImageArn: aws.String(image), Policy: policyFor(image, "imagebuilder:GetImage", "imagebuilder:ListImages")})
	requireMessage(t, requireAPIError(t, err, "ResourceNotFoundException", 404), "The image "+image+" does not exist.")
	_, err = a.GetImagePolicy(ctx, &imagebuilder.GetImagePolicyInput{ImageArn: aws.String(image)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
	_, err = a.PutImagePolicy(ctx, &imagebuilder.PutImagePolicyInput{ImageArn: aws.String(image), Policy: policyFor(image, "imagebuilder:GetComponent")})
	requireMessage(t, requireAPIError(t, err, "InvalidParameterValueException", 400),
		"The value supplied for parameter 'policy' is not valid. The action imagebuilder:GetComponent is not supported in an image policy; it can only grant imagebuilder:GetImage and imagebuilder:ListImages.")

	_, err = a.PutImageRecipePolicy(ctx, &imagebuilder.PutImageRecipePolicyInput{ImageRecipeArn: aws.String(recipe), Policy: policyFor(recipe, "imagebuilder:GetImageRecipe", "imagebuilder:ListImageRecipes")})
	requireMessage(t, requireAPIError(t, err, "ResourceNotFoundException", 404), "The image recipe "+recipe+" does not exist.")
	_, err = a.GetImageRecipePolicy(ctx, &imagebuilder.GetImageRecipePolicyInput{ImageRecipeArn: aws.String(recipe)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)

	_, err = a.PutContainerRecipePolicy(ctx, &imagebuilder.PutContainerRecipePolicyInput{ContainerRecipeArn: aws.String(container), Policy: policyFor(container, "imagebuilder:GetContainerRecipe", "imagebuilder:ListContainerRecipes")})
	requireMessage(t, requireAPIError(t, err, "ResourceNotFoundException", 404), "The container recipe "+container+" does not exist.")
	_, err = a.GetContainerRecipePolicy(ctx, &imagebuilder.GetContainerRecipePolicyInput{ContainerRecipeArn: aws.String(container)})
	requireAPIError(t, err, "ResourceNotFoundException", 404)
}
