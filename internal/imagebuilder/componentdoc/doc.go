// Package componentdoc validates AWS Task Orchestrator and Executor (AWSTOE)
// component documents, the YAML that Image Builder's CreateComponent accepts
// inline in its data member.
//
// The rules mirror what Image Builder rejects at creation time, as far as
// AWS's documentation and reported error messages establish them. Where the
// behaviour is unknown the validator accepts: a false rejection blocks a real
// workload, a false acceptance only surfaces later when the build runs.
//
// Parsing is pure and bounded: input length, alias expansion and nesting depth
// are capped, and a panic inside the YAML library becomes a ValidationError.
package componentdoc
