package web

import (
	"html/template"
	"sync"
)

// layout is the frame every page shares: inline CSS, no external assets.
const layout = `{{define "page"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · ibemu</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:8px 16px}
header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:12px 16px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #d0d7de;vertical-align:top;word-break:break-all}
th{background:#eaeef2}
tr.deny td.outcome,li.deny .outcome{color:#cf222e;font-weight:600}
tr.soft td.outcome,li.soft .outcome{color:#9a6700;font-weight:600}
tr.allow td.outcome,li.allow .outcome{color:#1a7f37}
tr.new{animation:flash 1.5s}
@keyframes flash{from{background:#fff8c5}to{background:#fff}}
form.filters{margin:8px 0}
form.filters input{width:22em}
pre{background:#fff;border:1px solid #d0d7de;padding:8px;overflow:auto;white-space:pre-wrap}
ol.timeline{list-style:none;padding-left:0;border-left:3px solid #d0d7de;margin-left:8px}
ol.timeline li{margin:0 0 6px 0;padding:4px 8px;background:#fff;border:1px solid #d0d7de;margin-left:12px}
ol.timeline li.state{font-weight:600}
ol.timeline li.failing{border:2px solid #cf222e;background:#ffebe9}
.muted{color:#57606a}
#status{font-size:12px}
</style></head><body>
<header><a href="/_emulator/">ibemu</a> <span class="muted">· {{.Title}}</span></header>
<main>{{template "body" .}}</main>
</body></html>{{end}}`

// The pages are parsed on first use, not at start.
var indexTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.Must(template.New("index").Parse(layout)).Parse(`{{define "body"}}
<h2>Decisions</h2>
<form class="filters" method="get" action="/_emulator/">
<label>Principal <input name="principal" value="{{.Filters.Principal}}" placeholder="arn:aws:iam::123456789012:user/alice"></label>
<label>Action <input name="action" value="{{.Filters.Action}}" placeholder="imagebuilder:Get*"></label>
<label>Outcome <select name="decision">
<option value="" {{if eq .Filters.Decision ""}}selected{{end}}>any</option>
<option value="allow" {{if eq .Filters.Decision "allow"}}selected{{end}}>allowed</option>
<option value="deny" {{if eq .Filters.Decision "deny"}}selected{{end}}>denied</option>
<option value="softDeny" {{if eq .Filters.Decision "softDeny"}}selected{{end}}>soft-denied</option>
<option value="wouldDeny" {{if eq .Filters.Decision "wouldDeny"}}selected{{end}}>denied or soft-denied</option>
</select></label>
<button type="submit">Filter</button> <span id="status" class="muted">live updates: connecting…</span>
</form>
<table id="decisions" data-events="{{.EventsURL}}" data-request-path="{{.RequestPath}}">
<thead><tr><th>Time (UTC)</th><th>Request</th><th>Principal</th><th>Action</th><th>Resource</th><th>Outcome</th></tr></thead>
<tbody>{{range .Rows}}<tr class="{{.Class}}" data-request-id="{{.RequestID}}"><td>{{.Time}}</td><td><a class="explain" href="{{$.RequestPath}}{{.RequestID}}">{{.RequestID}}</a></td><td>{{.Principal}}</td><td>{{.Action}}{{if .Check}} <span class="muted">({{.Check}})</span>{{end}}</td><td>{{.Resource}}</td><td class="outcome">{{.Outcome}}</td></tr>
{{end}}</tbody></table>
<h2>Image builds</h2>
{{if .Builds}}<table id="builds"><thead><tr><th>Started (UTC)</th><th>Request</th><th>Principal</th><th>Call</th><th>Outcome</th></tr></thead><tbody>
{{range .Builds}}<tr class="{{.Class}}"><td>{{.Time}}</td><td><a href="{{.Link}}">{{.RequestID}}</a></td><td>{{.Principal}}</td><td>{{.Action}}</td><td class="outcome">{{.Outcome}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="muted">No image builds recorded yet.</p>{{end}}
<script>
(function () {
  var table = document.getElementById("decisions");
  var body = table.tBodies[0];
  var status = document.getElementById("status");
  var requestPath = table.getAttribute("data-request-path");
  function cell(tr, text) { var td = document.createElement("td"); td.textContent = text; tr.appendChild(td); return td; }
  function add(d) {
    var tr = document.createElement("tr");
    tr.className = d["class"] + " new";
    tr.setAttribute("data-request-id", d.requestId);
    cell(tr, d.time);
    var td = document.createElement("td");
    var a = document.createElement("a");
    a.className = "explain";
    a.href = requestPath + encodeURIComponent(d.requestId);
    a.textContent = d.requestId;
    td.appendChild(a); tr.appendChild(td);
    cell(tr, d.principal);
    cell(tr, d.action + (d.check ? " (" + d.check + ")" : ""));
    cell(tr, d.resource);
    cell(tr, d.outcome).className = "outcome";
    body.insertBefore(tr, body.firstChild);
    while (body.rows.length > 500) { body.deleteRow(body.rows.length - 1); }
  }
  if (!window.EventSource) { status.textContent = "live updates: not supported by this browser"; return; }
  var es = new EventSource(table.getAttribute("data-events"));
  es.onopen = function () { status.textContent = "live updates: on"; };
  es.onerror = function () { status.textContent = "live updates: reconnecting…"; };
  es.addEventListener("decision", function (ev) {
    try { add(JSON.parse(ev.data)); } catch (e) { /* a malformed event is skipped */ }
  });
})();
</script>
{{end}}`))
})

var requestTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.Must(template.New("request").Parse(layout)).Parse(`{{define "body"}}
<h2 id="request">Request {{.RequestID}}</h2>
{{if not .Found}}<p>No decisions recorded for this request (the log keeps the most recent ones).</p>{{end}}
{{range .Decisions}}<section class="decision {{.Row.Class}}">
<h3><span class="outcome">{{.Row.Outcome}}</span>: {{.Row.Action}} on {{.Row.Resource}}{{if .Row.Check}} <span class="muted">({{.Row.Check}})</span>{{end}}</h3>
<table><tbody>
<tr><th>Principal</th><td>{{.Row.Principal}}</td></tr>
{{if .Call}}<tr><th>Call</th><td>{{.Call}}</td></tr>{{end}}
{{if .Policy}}<tr><th>Decided by</th><td>{{.Policy}}</td></tr>{{end}}
{{if .Message}}<tr><th>Message</th><td>{{.Message}}</td></tr>{{end}}
</tbody></table>
{{if .Fixes}}<h4>Smallest change that would allow it</h4><ol class="fixes">{{range .Fixes}}<li>{{.Text}}{{if .Statement}}<pre>{{.Statement}}</pre>{{end}}</li>{{end}}</ol>{{end}}
</section>{{end}}
{{if .Found}}<h3>Explanation (as <code>emulator explain</code> prints it)</h3>
<pre id="explanation">{{.Text}}</pre>{{end}}
{{end}}`))
})

var buildTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.Must(template.New("build").Parse(layout)).Parse(`{{define "body"}}
<h2>Build started by request <a href="{{.RequestPath}}{{.RequestID}}">{{.RequestID}}</a></h2>
{{with .Image}}<p>Image: {{.}}</p>{{end}}{{with .Pipeline}}<p>Pipeline: {{.}}</p>{{end}}
{{with .Status}}<p>Status: <strong id="build-status">{{.}}</strong></p>{{end}}
{{if .Entries}}<ol class="timeline" id="timeline">
{{range .Entries}}{{if .State}}<li class="state{{if .Failing}} failing{{end}}">{{.Clock}} — {{.State}}{{with .Step}} <span class="muted">(step {{.}})</span>{{end}}{{with .Reason}}<br>{{.}}{{end}}</li>
{{else}}<li class="check {{.Check.Row.Class}}{{if .Failing}} failing{{end}}">{{.Clock}} — check <span class="outcome">{{.Check.Row.Outcome}}</span>: {{.Check.Row.Principal}} {{.Check.Row.Action}} on {{.Check.Row.Resource}}{{with .Check.Row.Check}} <span class="muted">({{.}})</span>{{end}}{{if .Failing}}{{with .Check.Message}}<br>{{.}}{{end}}{{range .Check.Fixes}}<br>Fix: {{.Text}}{{end}}{{end}}</li>
{{end}}{{end}}</ol>{{else}}<p>Nothing recorded for this request.</p>{{end}}
{{end}}`))
})
