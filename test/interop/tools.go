//go:build tools

// Package interop keeps the real `maestro` command in this module's dependency graph, so that
// `go build github.com/openshift-online/maestro/cmd/maestro` works from here at the pinned
// version (go install pkg@version needs the proxy's version list, which is not reachable).
package interop

import _ "github.com/openshift-online/maestro/cmd/maestro"
