package apimodel

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ibemu/ibemu/internal/awserr"
)

// ValidationError renders constraint violations as the error the service
// sends for them. Query services (IAM, STS) answer Coral's ValidationError:
//
//	1 validation error detected: Value 'x' at 'userName' failed to satisfy
//	constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+
//
// awsJson1_1 services (KMS) answer the same Coral text as
// ValidationException, every violation listed, the value of a sensitive or
// blob member left out ("Value at 'plaintext' failed to satisfy
// constraint: Member must have length less than or equal to 4096").
//
// Image Builder answers InvalidParameterValueException naming the parameter:
//
//	The value supplied for parameter 'semanticVersion' is not valid.
//	semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$
func (s *Service) ValidationError(vs []Violation) *awserr.Error {
	if len(vs) == 0 {
		return nil
	}
	switch s.Protocol {
	case AWSQuery:
		return awserr.New("ValidationError", http.StatusBadRequest, coralMessage(vs, false))
	case AWSJSON11:
		return awserr.New("ValidationException", http.StatusBadRequest, coralMessage(vs, true))
	}
	code := "ValidationException"
	if _, ok := s.ErrorByShape("InvalidParameterValueException"); ok {
		code = "InvalidParameterValueException"
	}
	v := vs[0] // Image Builder reports the first problem it finds.
	path := DottedPath(v.Path)
	name := path
	if i := strings.LastIndexAny(name, ".]"); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		name = path
	}
	return awserr.Newf(code, http.StatusBadRequest, "The value supplied for parameter '%s' is not valid. %s", path, restRule(name, v))
}

func restRule(name string, v Violation) string {
	sh := v.Shape
	switch v.Kind {
	case Missing:
		return name + " is required."
	case TooShort:
		if sh.Kind == List || sh.Kind == Map {
			return fmt.Sprintf("%s must contain at least %d items.", name, *sh.MinLength)
		}
		return fmt.Sprintf("%s must be at least %d characters long.", name, *sh.MinLength)
	case TooLong:
		if sh.Kind == List || sh.Kind == Map {
			return fmt.Sprintf("%s must contain at most %d items.", name, *sh.MaxLength)
		}
		return fmt.Sprintf("%s must be at most %d characters long.", name, *sh.MaxLength)
	case NoMatch:
		return fmt.Sprintf("%s must match pattern %s", name, sh.Pattern)
	case NotInEnum:
		return fmt.Sprintf("%s must be one of [%s].", name, strings.Join(sh.EnumValues, ", "))
	case TooSmall:
		return fmt.Sprintf("%s must be greater than or equal to %s.", name, num(*sh.MinValue))
	case TooLarge:
		return fmt.Sprintf("%s must be less than or equal to %s.", name, num(*sh.MaxValue))
	}
	return name + " is not valid."
}

// coralMessage is Coral's "N validation error(s) detected: …" text. With
// omitHidden, a sensitive or blob value is left out ("Value at 'x'"), as
// the JSON services write it; otherwise a sensitive one is '***' (the
// Query services' rendering this emulator has always used).
func coralMessage(vs []Violation, omitHidden bool) string {
	var b strings.Builder
	if len(vs) == 1 {
		b.WriteString("1 validation error detected: ")
	} else {
		fmt.Fprintf(&b, "%d validation errors detected: ", len(vs))
	}
	for i, v := range vs {
		if i > 0 {
			b.WriteString("; ")
		}
		value := " null"
		if v.Kind != Missing {
			switch {
			case omitHidden && (v.Shape.Sensitive || v.Shape.Kind == Blob):
				value = ""
			case v.Shape.Sensitive:
				value = " '***'"
			case v.Shape.Kind == List || v.Shape.Kind == Map:
				value = " '[...]'"
			default:
				value = " '" + v.Value + "'"
			}
		}
		fmt.Fprintf(&b, "Value%s at '%s' failed to satisfy constraint: Member must %s", value, CoralPath(v.Path), coralRule(v))
	}
	return b.String()
}

func coralRule(v Violation) string {
	sh := v.Shape
	switch v.Kind {
	case Missing:
		return "not be null"
	case TooShort:
		return "have length greater than or equal to " + strconv.FormatInt(*sh.MinLength, 10)
	case TooLong:
		return "have length less than or equal to " + strconv.FormatInt(*sh.MaxLength, 10)
	case NoMatch:
		// The Smithy models anchor patterns (^…$); the services quote them
		// without the anchors, as they were before.
		return "satisfy regular expression pattern: " + strings.TrimSuffix(strings.TrimPrefix(sh.Pattern, "^"), "$")
	case NotInEnum:
		return "satisfy enum value set: [" + strings.Join(sh.EnumValues, ", ") + "]"
	case TooSmall:
		return "have value greater than or equal to " + num(*sh.MinValue)
	case TooLarge:
		return "have value less than or equal to " + num(*sh.MaxValue)
	}
	return "be valid"
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
