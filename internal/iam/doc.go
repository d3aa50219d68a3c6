// Package iam is the home of everything IAM: the policy language and
// evaluation engine (internal/iam/policy), offline simulation
// (internal/iam/simulate) and the IAM API service.
package iam
