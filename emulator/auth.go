package emulator

import "github.com/ibemu/ibemu/internal/auth"

// newAuthenticator builds the SigV4 authenticator: IAM users' access keys
// (from the IAM service's store), then the root users of every account
// (access key "test" or a 12-digit account id).
func newAuthenticator(cfg Config, iamKeys auth.CredentialSource) *auth.Authenticator {
	return auth.New(auth.WithRootSecret(cfg.RootSecret), auth.WithClock(cfg.Clock), auth.WithCredentialSource(iamKeys))
}
