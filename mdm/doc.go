// Package mdm holds the Apple MDM protocol types: check-in messages,
// command reports, commands, enrollment identifiers and the plist
// decoding of each. It imports nothing else from this module, so every
// other layer can depend on it.
//
// See https://developer.apple.com/documentation/devicemanagement for the
// protocol these types implement.
package mdm
