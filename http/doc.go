// Package http holds what every HTTP route of the server shares: the one
// mapping from errors to status codes, the request body cap, and the
// middleware that gives each request a trace ID and writes its access log
// line. The mdm, api and authproxy subpackages build the routes on top.
package http
