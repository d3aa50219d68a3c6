package emulator_test

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
)

func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode == http.StatusOK && !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET %s: Content-Type %q", u, ct)
	}
	return resp.StatusCode, string(body)
}

// The page escapes what it shows: a request id (from the URL) with markup
// comes back as text, and the page loads nothing from elsewhere.
func TestWebPageEscapes(t *testing.T) {
	t.Parallel()
	emu, _ := startClient(t)
	evil := `<img src=x onerror=alert(1)>`
	for _, p := range []string{"/_emulator/requests/", "/_emulator/builds/"} {
		code, body := getPage(t, emu.HTTPURL()+p+url.PathEscape(evil))
		if code != http.StatusNotFound {
			t.Errorf("%s: status %d", p, code)
		}
		if strings.Contains(body, evil) || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the id is not escaped:\n%s", p, body)
		}
	}
	code, body := getPage(t, emu.HTTPURL()+"/_emulator/?principal="+url.QueryEscape(`"><img src=x>`))
	if code != 200 || strings.Contains(body, `"><img src=x>`) {
		t.Errorf("index with a hostile filter: %d\n%s", code, body)
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Errorf("the page refers to an external address:\n%s", body)
	}
	if code, _ := getPage(t, emu.HTTPURL()+"/_emulator/?decision=maybe"); code != http.StatusBadRequest {
		t.Errorf("a bad outcome filter: %d", code)
	}
}

// The event stream delivers the decisions its filters select, and only
// those: an allowed call of the same principal is not sent to a stream of
// denials.
func TestWebEventsFiltered(t *testing.T) {
	t.Parallel()
	emu, a := startClient(t)
	b := client(t, emu, accountB)
	ctx := testContext(t)
	arn := mustCreate(t, a, createInput("streamed", "1.0.0"))

	req, _ := http.NewRequestWithContext(ctx, "GET", emu.HTTPURL()+"/_emulator/events?decision=deny&action=imagebuilder:Get*", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewReader(resp.Body)
	if first, err := lines.ReadString('\n'); err != nil || !strings.HasPrefix(first, ":") {
		t.Fatalf("the stream did not open with a comment: %q %v", first, err)
	}
	mustGet(t, a, arn) // allowed: not sent
	_, err = b.GetComponent(ctx, &imagebuilder.GetComponentInput{ComponentBuildVersionArn: aws.String(arn)})
	requireAPIError(t, err, "AccessDeniedException", 403)
	var respErr *awshttp.ResponseError
	errors.As(err, &respErr)
	var event []string
	for {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("read the stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		if line == "" && len(event) > 0 {
			break
		}
		if line != "" && !strings.HasPrefix(line, ":") {
			event = append(event, line)
		}
	}
	if len(event) != 3 || event[0] != "event: decision" || !strings.HasPrefix(event[2], "data: {") {
		t.Fatalf("event = %q", event)
	}
	if !strings.Contains(event[2], `"requestId":"`+respErr.ServiceRequestID()+`"`) || !strings.Contains(event[2], `"outcome":"implicitDeny"`) {
		t.Errorf("the first event is not the denial: %s", event[2])
	}
}

// A failed build's page is a timeline of its states and of the checks it
// made, the failing check highlighted with its explanation's fix.
func TestWebBuildTimeline(t *testing.T) {
	emu, clock := startSeeded(t, seedFile("build-missing-ssm.yaml"))
	ctx := testContext(t)
	out, err := imagebuilder.NewFromConfig(emu.AWSConfig("444444444444")).CreateImage(ctx, &imagebuilder.CreateImageInput{
		ImageRecipeArn:                 aws.String("arn:aws:imagebuilder:us-east-1:444444444444:image-recipe/app/1.0.0"),
		InfrastructureConfigurationArn: aws.String("arn:aws:imagebuilder:us-east-1:444444444444:infrastructure-configuration/no-ssm"),
		ClientToken:                    aws.String("build-1"),
	}, func(o *imagebuilder.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		t.Fatalf("CreateImage: %v", err)
	}
	clock.Advance(2 * buildTime)
	if err := emu.AdvanceBuilds(ctx); err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.RequestId)
	if id == "" {
		t.Fatal("CreateImage returned no request id")
	}
	code, index := getPage(t, emu.HTTPURL()+"/_emulator/")
	if code != 200 || !strings.Contains(index, "/_emulator/builds/"+id+"?") {
		t.Fatalf("the index does not list the build %s: %d\n%s", id, code, index)
	}
	code, body := getPage(t, emu.HTTPURL()+"/_emulator/builds/"+id)
	if code != 200 {
		t.Fatalf("build page: %d\n%s", code, body)
	}
	for _, want := range []string{aws.ToString(out.ImageBuildVersionArn), `id="build-status">FAILED<`, "PENDING", "CREATING", "AmazonSSMManagedInstanceCore"} {
		if !strings.Contains(body, want) {
			t.Errorf("the build page lacks %q:\n%s", want, body)
		}
	}
	if strings.Count(body, `failing"`) < 1 || !strings.Contains(body, `class="check deny failing"`) {
		t.Errorf("no failing check is highlighted:\n%s", body)
	}
	if strings.Index(body, "PENDING") > strings.Index(body, "FAILED —") && strings.Contains(body, "FAILED —") {
		t.Errorf("the timeline is out of order:\n%s", body)
	}
}
