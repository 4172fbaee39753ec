// Command cmdgen prints a raw MDM command plist for any RequestType that
// Apple's command schemas define, with every required key filled in, ready
// to pipe into the enqueue API:
//
//	go run ./tools/cmdgen -type DeviceInformation -set Queries=UDID,OSVersion |
//		curl -T - -u nanomdm:$API_KEY http://127.0.0.1:9000/v1/enqueue/$ID
//
// Run it with -list for the RequestTypes, and with -type and -keys for the
// keys one command takes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mdmforge/nanomdm/mdm/commandgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// keyValues collects repeated key=value flags in order.
type keyValues []string

func (kv *keyValues) String() string { return strings.Join(*kv, " ") }

func (kv *keyValues) Set(s string) error {
	if key, _, ok := strings.Cut(s, "="); !ok || key == "" {
		return fmt.Errorf("invalid %q: want KEY=VALUE", s)
	}
	*kv = append(*kv, s)
	return nil
}

// options are the parsed command-line flags.
type options struct {
	requestType string
	commandUUID string
	sets        keyValues
	files       keyValues
	list        bool
	keys        bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	var o options
	fs := flag.NewFlagSet("cmdgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.requestType, "type", "", "RequestType of the command to build, e.g. DeviceInformation")
	fs.StringVar(&o.commandUUID, "uuid", "", "CommandUUID to use (default: a random version 4 UUID)")
	fs.Var(&o.sets, "set", "set a Command key, as `KEY=VALUE` (repeatable). KEY may use dots for nested "+
		"dictionaries. VALUE is converted to the key's type (data as base64, arrays as "+
		"a comma list or JSON array, dictionaries as a JSON object)")
	fs.Var(&o.files, "file", "set a data key to the bytes of a file, as `KEY=PATH` (repeatable)")
	fs.BoolVar(&o.list, "list", false, "print every RequestType and exit")
	fs.BoolVar(&o.keys, "keys", false, "print the schema keys of -type and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}

	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: every input is a flag", fs.Arg(0))
	}
	if !o.list && o.requestType == "" {
		return nil, errors.New("missing -type: name a RequestType, or run with -list to see them")
	}
	return &o, nil
}

// run executes cmdgen and returns the exit status: 0 on success, 2 for a
// command-line error, 1 when the command cannot be built.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "cmdgen: %v\n", err)
		return 2
	}

	g, err := commandgen.New()
	if err != nil {
		fmt.Fprintf(stderr, "cmdgen: loading command schemas: %v\n", err)
		return 1
	}
	if err := generate(g, o, stdout); err != nil {
		fmt.Fprintf(stderr, "cmdgen: %v\n", err)
		return 1
	}
	return 0
}

func generate(g *commandgen.Generator, o *options, stdout io.Writer) error {
	if o.list {
		_, err := fmt.Fprintln(stdout, strings.Join(g.RequestTypes(), "\n"))
		return err
	}
	if o.keys {
		keys, err := g.Keys(o.requestType)
		if err != nil {
			return err
		}
		return printKeys(stdout, keys, 0)
	}

	opts, err := commandOptions(o)
	if err != nil {
		return err
	}
	b, err := g.Build(o.requestType, opts...)
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}

// commandOptions turns -uuid, -set and -file into build options, reading
// each -file now so a missing file fails before anything is printed.
func commandOptions(o *options) ([]commandgen.CommandOption, error) {
	opts := []commandgen.CommandOption{commandgen.WithCommandUUID(o.commandUUID)}
	for _, kv := range o.sets {
		key, value, _ := strings.Cut(kv, "=")
		opts = append(opts, commandgen.WithText(key, value))
	}
	for _, kv := range o.files {
		key, path, _ := strings.Cut(kv, "=")
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading -file for %s: %w", key, err)
		}
		opts = append(opts, commandgen.WithValue(key, b))
	}
	return opts, nil
}
