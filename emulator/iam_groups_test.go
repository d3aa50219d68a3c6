package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestIAMGroups: groups, memberships on both sides, renames, deletes.
func TestIAMGroups(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)
	out, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs"), Path: aws.String("/eng/")})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	if aws.ToString(out.Group.Arn) != "arn:aws:iam::"+accountA+":group/eng/devs" || aws.ToString(out.Group.GroupId)[:4] != "AGPA" {
		t.Errorf("CreateGroup = %+v", out.Group)
	}
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("Devs")})
	requireIAMError(t, err, "EntityAlreadyExists", 409, "Group with name Devs already exists.")
	for _, u := range []string{"zed", "amy", "bob"} {
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String(u)}); err != nil {
			t.Fatalf("AddUserToGroup: %v", err)
		}
	}
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("nobody")})
	requireIAMError(t, err, "NoSuchEntity", 404, "The user with name nobody cannot be found.")
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ops"), UserName: aws.String("amy")})
	requireIAMError(t, err, "NoSuchEntity", 404, "The group with name ops cannot be found.")

	g, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs"), MaxItems: aws.Int32(2)})
	if err != nil || len(g.Users) != 2 || !g.IsTruncated || aws.ToString(g.Users[0].UserName) != "amy" {
		t.Fatalf("GetGroup page 1 = %+v, %v", g, err)
	}
	g2, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs"), Marker: g.Marker})
	if err != nil || len(g2.Users) != 1 || g2.IsTruncated || aws.ToString(g2.Users[0].UserName) != "zed" {
		t.Fatalf("GetGroup page 2 = %+v, %v", g2, err)
	}

	// Renaming the group shows on the user's side.
	if _, err := c.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("devs"), NewGroupName: aws.String("builders")}); err != nil {
		t.Fatalf("UpdateGroup: %v", err)
	}
	fu, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("amy")})
	if err != nil || len(fu.Groups) != 1 || aws.ToString(fu.Groups[0].GroupName) != "builders" {
		t.Fatalf("ListGroupsForUser = %+v, %v", fu, err)
	}
	// Renaming the user shows on the group's side.
	if _, err := c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("amy"), NewUserName: aws.String("anne")}); err != nil {
		t.Fatal(err)
	}
	g, _ = c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("builders")})
	var members []string
	for _, u := range g.Users {
		members = append(members, aws.ToString(u.UserName))
	}
	requireSameStrings(t, "members", members, []string{"anne", "bob", "zed"})

	_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("builders")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must remove users from group first.")
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must remove user from all groups first.")
	for _, u := range []string{"anne", "bob", "zed"} {
		if _, err := c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("builders"), UserName: aws.String(u)}); err != nil {
			t.Fatalf("RemoveUserFromGroup: %v", err)
		}
	}
	_, err = c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("builders"), UserName: aws.String("bob")})
	requireAPIError(t, err, "NoSuchEntity", 404)
	if _, err := c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("builders")}); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	groups, err := c.ListGroups(ctx, &iam.ListGroupsInput{})
	if err != nil || len(groups.Groups) != 0 {
		t.Fatalf("ListGroups = %+v, %v", groups, err)
	}
}

// TestIAMInstanceProfiles: instance profiles, their one role, tags.
func TestIAMInstanceProfiles(t *testing.T) {
	_, c := startIAM(t)
	ctx := testContext(t)
	out, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("builder"), Path: aws.String("/ib/"),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatalf("CreateInstanceProfile: %v", err)
	}
	if aws.ToString(out.InstanceProfile.Arn) != "arn:aws:iam::"+accountA+":instance-profile/ib/builder" || aws.ToString(out.InstanceProfile.InstanceProfileId)[:4] != "AIPA" {
		t.Errorf("CreateInstanceProfile = %+v", out.InstanceProfile)
	}
	_, err = c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("builder")})
	requireIAMError(t, err, "EntityAlreadyExists", 409, "Instance Profile builder already exists.")
	for _, r := range []string{"r1", "r2"} {
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r), AssumeRolePolicyDocument: aws.String(ec2Trust)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("builder"), RoleName: aws.String("r1")}); err != nil {
		t.Fatalf("AddRoleToInstanceProfile: %v", err)
	}
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("builder"), RoleName: aws.String("r2")})
	requireIAMError(t, err, "LimitExceeded", 409, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	got, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("builder")})
	if err != nil || len(got.InstanceProfile.Roles) != 1 || aws.ToString(got.InstanceProfile.Roles[0].RoleName) != "r1" || len(got.InstanceProfile.Tags) != 1 {
		t.Fatalf("GetInstanceProfile = %+v, %v", got, err)
	}
	_, err = c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("nope")})
	requireIAMError(t, err, "NoSuchEntity", 404, "Instance Profile nope cannot be found.")
	fr, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("r1")})
	if err != nil || len(fr.InstanceProfiles) != 1 {
		t.Fatalf("ListInstanceProfilesForRole = %+v, %v", fr, err)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r1")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must remove roles from instance profile first.")
	_, err = c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("builder")})
	requireIAMError(t, err, "DeleteConflict", 409, "Cannot delete entity, must remove roles from instance profile first.")

	if _, err := c.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("builder"), Tags: []types.Tag{{Key: aws.String("K"), Value: aws.String("w")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("builder")})
	if err != nil || len(tags.Tags) != 2 {
		t.Fatalf("ListInstanceProfileTags = %+v, %v", tags, err)
	}
	if _, err := c.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: aws.String("builder"), TagKeys: []string{"k", "K"}}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{PathPrefix: aws.String("/ib/")})
	if err != nil || len(list.InstanceProfiles) != 1 || len(list.InstanceProfiles[0].Roles) != 1 {
		t.Fatalf("ListInstanceProfiles = %+v, %v", list, err)
	}
	if _, err := c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("builder"), RoleName: aws.String("r1")}); err != nil {
		t.Fatalf("RemoveRoleFromInstanceProfile: %v", err)
	}
	if _, err := c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("builder")}); err != nil {
		t.Fatalf("DeleteInstanceProfile: %v", err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r1")}); err != nil {
		t.Fatalf("DeleteRole: %v", err)
	}
}
