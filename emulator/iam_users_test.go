package emulator_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestIAMUsers: CreateUser, GetUser, UpdateUser (rename and path), ListUsers
// with PathPrefix, DeleteUser, and their AWS errors.
func TestIAMUsers(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)

	out, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Alice"), Path: aws.String("/eng/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("images")}}})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	u := out.User
	if aws.ToString(u.Arn) != "arn:aws:iam::"+accountA+":user/eng/Alice" || aws.ToString(u.Path) != "/eng/" || aws.ToString(u.UserName) != "Alice" {
		t.Errorf("CreateUser = %+v", u)
	}
	if id := aws.ToString(u.UserId); len(id) != 21 || id[:4] != "AIDA" {
		t.Errorf("UserId = %q, want AIDA and 17 characters", id)
	}
	if u.CreateDate == nil || len(u.Tags) != 1 {
		t.Errorf("CreateUser: CreateDate %v, tags %v", u.CreateDate, u.Tags)
	}

	// Names are unique whatever their case.
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	requireIAMError(t, err, "EntityAlreadyExists", 409, "User with name alice already exists.")
	requireTyped[*types.EntityAlreadyExistsException](t, err)

	got, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ALICE")})
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if aws.ToString(got.User.UserId) != aws.ToString(u.UserId) || len(got.User.Tags) != 1 {
		t.Errorf("GetUser = %+v", got.User)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
	requireIAMError(t, err, "NoSuchEntity", 404, "The user with name bob cannot be found.")
	requireTyped[*types.NoSuchEntityException](t, err)

	// The root user without a name: the account's root "user".
	root, err := c.GetUser(ctx, &iam.GetUserInput{})
	if err != nil {
		t.Fatalf("GetUser as root: %v", err)
	}
	if aws.ToString(root.User.Arn) != "arn:aws:iam::"+accountA+":root" || aws.ToString(root.User.UserId) != accountA || root.User.UserName != nil || root.User.CreateDate == nil {
		t.Errorf("GetUser as root = %+v", root.User)
	}

	// A bad path changes nothing.
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol"), Path: aws.String("eng")})
	requireAPIError(t, err, "ValidationError", 400)

	// Rename keeps the id; the old name is gone.
	if _, err := c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("alice"), NewUserName: aws.String("alicia"), NewPath: aws.String("/ops/")}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alicia")})
	if err != nil {
		t.Fatalf("GetUser after rename: %v", err)
	}
	if aws.ToString(got.User.UserId) != aws.ToString(u.UserId) || aws.ToString(got.User.Arn) != "arn:aws:iam::"+accountA+":user/ops/alicia" {
		t.Errorf("renamed user = %+v", got.User)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("Alice")})
	requireAPIError(t, err, "NoSuchEntity", 404)

	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("bob"), NewUserName: aws.String("ALICIA")})
	requireIAMError(t, err, "EntityAlreadyExists", 409, "User with name ALICIA already exists.")

	// PathPrefix.
	requireSameStrings(t, "users under /ops/", userNames(t, c, aws.String("/ops/")), []string{"alicia"})
	requireSameStrings(t, "all users", userNames(t, c, nil), []string{"alicia", "bob"})

	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
	requireIAMError(t, err, "NoSuchEntity", 404, "The user with name bob cannot be found.")
	requireSameStrings(t, "users after delete", userNames(t, c, nil), []string{"alicia"})
}

// TestIAMListUsersPagination: Marker/MaxItems through the SDK paginator and
// by hand, default page size 100.
func TestIAMListUsersPagination(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)
	var want []string
	for i := 0; i < 105; i++ {
		name := fmt.Sprintf("user%03d", i)
		want = append(want, name)
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := c.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Users) != 100 || !first.IsTruncated || first.Marker == nil {
		t.Fatalf("first default page: %d users, truncated %v, marker %v", len(first.Users), first.IsTruncated, first.Marker)
	}
	var got []string
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(7)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range page.Users {
			got = append(got, aws.ToString(u.UserName))
		}
	}
	requireSameStrings(t, "paged users", got, want)
	if pages != 15 {
		t.Errorf("%d pages of 7 for 105 users, want 15", pages)
	}
	_, err = c.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("bm90IGEgbWFya2Vy")})
	requireAPIError(t, err, "InvalidInput", 400)
}

// userNames lists user names with the paginator.
func userNames(t *testing.T, c *iam.Client, prefix *string) []string {
	t.Helper()
	var names []string
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{PathPrefix: prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(testContext(t))
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		for _, u := range page.Users {
			names = append(names, aws.ToString(u.UserName))
		}
	}
	return names
}
