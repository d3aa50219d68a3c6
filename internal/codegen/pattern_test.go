package main

import (
	"regexp"
	"testing"
)

func TestTranslatePattern(t *testing.T) {
	cases := []struct {
		pattern      string
		match, avoid []string
	}{
		{`^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]*$`, []string{"team", "a:b"}, []string{"aws:tag", "bad!"}},
		{`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, []string{"my-bucket", "abc"}, []string{"my--bucket", "-ab"}},
		{`^\u002F[\u0021-\u007F]*$`, []string{"/path/"}, []string{"path", "/a b"}},
		{`^[a-zA-Z]{1,1024}$`, []string{"abc"}, []string{"", "a1"}},
		{`^[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+$`, []string{"{\"a\": 1}", "\U0001F600"}, []string{"\x00", ""}},
	}
	for _, c := range cases {
		goPat, excludes, err := translatePattern(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		re := regexp.MustCompile(goPat)
		matches := func(v string) bool {
			if !re.MatchString(v) {
				return false
			}
			for _, x := range excludes {
				if regexp.MustCompile(x).MatchString(v) {
					return false
				}
			}
			return true
		}
		for _, v := range c.match {
			if !matches(v) {
				t.Errorf("%s: %q should match (as %s %v)", c.pattern, v, goPat, excludes)
			}
		}
		for _, v := range c.avoid {
			if matches(v) {
				t.Errorf("%s: %q should not match (as %s %v)", c.pattern, v, goPat, excludes)
			}
		}
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"componentBuildVersionArn": "component_build_version_arn",
		"SAMLProviderArn":          "saml_provider_arn",
		"s3Logs":                   "s3_logs",
		"AWSServiceName":           "aws_service_name",
		"OpenIDConnectProviderArn": "open_id_connect_provider_arn",
		"AuthenticationCode1":      "authentication_code1",
		"QRCodePNG":                "qr_code_png",
		"name":                     "name",
		"UserName":                 "user_name",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}
