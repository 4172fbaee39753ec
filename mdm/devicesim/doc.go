// Package devicesim simulates Apple devices talking to an MDM server, for
// tests, the quickstart and benchmarks. It issues device identities from
// a throwaway CA, builds check-in messages and command reports for device
// and user channels, signs them as a device does (a detached CMS in the
// Mdm-Signature header) or puts the certificate in a proxy header, and
// sends them with an injected HTTP client.
//
// Nothing here talks to Apple: the push certificates it makes are
// self-signed stand-ins.
package devicesim
