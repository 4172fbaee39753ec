// Package mdm serves the device side of the MDM protocol over HTTP. Its
// middleware takes the identity certificate from the Mdm-Signature header
// or from a proxy header and verifies it. Its handlers decode check-ins
// and command reports, call a service and write the service's reply.
//
// Identity problems get status 400 and never 401, because Apple devices may
// unenroll on a 401. Replies that carry bytes get no Content-Type, so the
// type Go sniffs (text/xml for XML plists) is what devices see, as with
// NanoMDM.
package mdm
