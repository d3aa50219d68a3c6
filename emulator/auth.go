package emulator

import "github.com/ibemu/ibemu/internal/auth"

// newAuthenticator builds the SigV4 authenticator: IAM users' access keys
// (from the IAM service's store), the temporary credentials STS issued
// (ASIA key ids, opened from their session tokens), then the root users of
// every account (access key "test" or a 12-digit account id).
func newAuthenticator(cfg Config, iamKeys, stsCredentials auth.CredentialSource) *auth.Authenticator {
	return auth.New(auth.WithRootSecret(cfg.RootSecret), auth.WithClock(cfg.Clock),
		auth.WithCredentialSource(iamKeys), auth.WithCredentialSource(stsCredentials))
}
