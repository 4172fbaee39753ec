// Package commandgen builds raw MDM command plists from Apple's
// machine-readable command schemas, the YAML files of the
// github.com/apple/device-management repository (mdm/commands), which are
// embedded in this package.
//
// For a RequestType, [Generator.Build] fills the Command dictionary with
// every key the schema marks as required, recursing into required
// dictionaries and arrays. Each value has the schema's plist type: the first
// entry of the key's rangelist where there is one, otherwise the key's
// default, otherwise a placeholder. Callers override or add keys with
// [WithText] and [WithValue], and choose the CommandUUID with
// [WithCommandUUID]. The result is an XML plist ready to send to the
// enqueue API.
//
// The schemas describe what a device accepts. The generator does not check
// ranges, OS versions or channel support: a built command is well formed,
// not necessarily one a given device will run.
package commandgen
