package commandgen

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"github.com/micromdm/plist"
)

// ErrUnknownRequestType is returned, wrapped, for a RequestType that no
// schema defines.
var ErrUnknownRequestType = errors.New("unknown RequestType")

// Generator builds command plists from a set of parsed schemas. It is safe
// for concurrent use once [New] returns.
type Generator struct {
	schemas map[string][]Key
	types   []string
	random  io.Reader
	fsys    fs.FS
}

// Option configures a [Generator].
type Option func(*Generator)

// WithRandom sets the source of the random CommandUUIDs. The default is
// crypto/rand. Reads from r must be safe at the same time as Build calls
// run concurrently.
func WithRandom(r io.Reader) Option {
	return func(g *Generator) { g.random = r }
}

// WithSchemas reads the command schemas from the *.yaml files at the top
// of fsys instead of the embedded copy of Apple's schemas.
func WithSchemas(fsys fs.FS) Option {
	return func(g *Generator) { g.fsys = fsys }
}

// New parses the command schemas and returns a Generator. It returns an
// error naming the file when a schema cannot be read or parsed, lacks a
// RequestType, repeats one, or uses a type the generator does not know.
func New(opts ...Option) (*Generator, error) {
	g := &Generator{random: rand.Reader}
	for _, opt := range opts {
		opt(g)
	}

	var schemas map[string][]Key
	var err error
	if g.fsys == nil {
		schemas, err = parseEmbedded()
	} else {
		schemas, err = parseSchemas(g.fsys)
	}
	if err != nil {
		return nil, err
	}
	g.schemas = schemas
	g.types = sortedTypes(schemas)
	return g, nil
}

// parseEmbedded parses the embedded schemas once per process. Generators
// share the result, which nothing modifies after parsing.
var parseEmbedded = sync.OnceValues(func() (map[string][]Key, error) {
	sub, err := fs.Sub(embeddedSchemas, "schemas")
	if err != nil {
		return nil, fmt.Errorf("opening embedded schemas: %w", err)
	}
	return parseSchemas(sub)
})

// RequestTypes returns every RequestType the schemas define, sorted. The
// caller may modify the returned slice.
func (g *Generator) RequestTypes() []string {
	return append([]string(nil), g.types...)
}

// Keys returns the schema keys of the Command dictionary for requestType,
// not counting RequestType itself. The result is shared: callers must not
// modify it. The error wraps [ErrUnknownRequestType] for an unknown type.
func (g *Generator) Keys(requestType string) ([]Key, error) {
	keys, ok := g.schemas[requestType]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRequestType, requestType)
	}
	return keys, nil
}

// commandSettings collects the [CommandOption] values of one Build call.
type commandSettings struct {
	commandUUID string
	overrides   []override
}

// override is one key set by the caller: text to convert by the schema
// type, or a value used as given.
type override struct {
	path    string
	text    string
	value   any
	hasText bool
}

// CommandOption sets a part of one command built by [Generator.Build].
type CommandOption func(*commandSettings)

// WithCommandUUID sets the CommandUUID. Without it, or with an empty
// uuid, Build generates a random version 4 UUID.
func WithCommandUUID(uuid string) CommandOption {
	return func(s *commandSettings) { s.commandUUID = uuid }
}

// WithText sets the key at keyPath to text converted to the key's schema
// type. [Generator.Build] describes key paths and the conversions.
func WithText(keyPath, text string) CommandOption {
	return func(s *commandSettings) {
		s.overrides = append(s.overrides, override{path: keyPath, text: text, hasText: true})
	}
}

// WithValue sets the key at keyPath to v, which must already have the Go
// type of the key's schema type: string, int64 (or int), float64, bool,
// []byte, time.Time, []any or map[string]any.
func WithValue(keyPath string, v any) CommandOption {
	return func(s *commandSettings) {
		s.overrides = append(s.overrides, override{path: keyPath, value: v})
	}
}

// Build returns the XML plist of a command of requestType: a dictionary
// with a CommandUUID and a Command dictionary holding the RequestType,
// every required key and the keys the options set, applied in order.
//
// A key path names a key of the Command dictionary, with dots leading into
// nested dictionaries ("FileVaultUnlock.Password"). Text is converted by
// the key's schema type: integers and reals as Go parses them, booleans as
// strconv.ParseBool reads them, data as standard base64, dates as RFC
// 3339. An array takes a JSON array or a comma-separated list of elements;
// a dictionary takes a JSON object. Elements inside JSON follow the same
// schema, so data inside JSON is a base64 string.
//
// Errors wrap [ErrUnknownRequestType], or name the key path and value that
// was not in the schema or did not convert.
func (g *Generator) Build(requestType string, opts ...CommandOption) ([]byte, error) {
	keys, err := g.Keys(requestType)
	if err != nil {
		return nil, err
	}
	var settings commandSettings
	for _, opt := range opts {
		opt(&settings)
	}

	command := requiredDict(keys)
	command["RequestType"] = requestType
	for _, o := range settings.overrides {
		if err := applyOverride(command, keys, o); err != nil {
			return nil, err
		}
	}

	commandUUID := settings.commandUUID
	if commandUUID == "" {
		if commandUUID, err = newUUID(g.random); err != nil {
			return nil, err
		}
	}
	doc := map[string]any{"CommandUUID": commandUUID, "Command": command}
	b, err := plist.MarshalIndent(doc, "\t")
	if err != nil {
		return nil, fmt.Errorf("encoding %s command plist: %w", requestType, err)
	}
	return b, nil
}

// newUUID reads 16 bytes from r and formats them as an upper-case version 4
// UUID, the form macOS uuidgen prints.
func newUUID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("reading random bytes for CommandUUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
