// Package docs holds the operator documentation: the operations guide,
// the OpenAPI description of the HTTP API and the JSON Schema of webhook
// events. It has no code of its own. Its tests check the documents against
// the commands, routes and event fixtures they describe.
package docs
