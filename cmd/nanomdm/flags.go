package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mdmforge/nanomdm/cmd/internal/cli"
)

// Defaults of the flags that are not empty by default.
const (
	defaultListen       = ":9000"
	defaultAPNsURL      = "https://api.push.apple.com"
	defaultEscrowURL    = "https://deviceservices-external.apple.com/deviceservicesworkers/escrowKeyUnlock"
	defaultMaxBodyBytes = 10 << 20
)

// envPrefix starts the name of every environment variable that sets a
// flag.
const envPrefix = "NANOMDM_"

// noEnvFlags have no environment variable: -dsn is a deprecated alias
// and -version only prints.
var noEnvFlags = map[string]bool{"dsn": true, "version": true}

// config is the parsed command line.
type config struct {
	api            string
	authProxyURL   string
	caPath         string
	certHeader     string
	checkin        bool
	debug          bool
	disableMDM     bool
	dmURL          string
	dmRecvHMACKey  string
	dmSendHMACKey  string
	dump           bool
	intermediate   string
	listen         string
	migration      bool
	retro          bool
	storage        cli.StorageFlags
	uaZLDC         bool
	version        bool
	webhookHMACKey string
	webhookURL     string

	apnsURL      string
	escrowURL    string
	maxBodyBytes int64
}

// newFlagSet defines every flag of the server on a new set that writes
// into cfg. Parsing stops at the first non-flag argument, as the standard
// flag package does.
func newFlagSet(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("nanomdm", flag.ContinueOnError)
	fs.StringVar(&cfg.api, "api", "", "API key, the HTTP Basic password of user nanomdm on the API routes; the API is off when empty")
	fs.StringVar(&cfg.authProxyURL, "auth-proxy-url", "", "URL that /authproxy/ forwards enrolled devices to; the proxy is off when empty")
	fs.StringVar(&cfg.caPath, "ca", "", "path to a PEM file of the root CA certificates that issue device identity certificates (required)")
	fs.StringVar(&cfg.certHeader, "cert-header", "", "name of an HTTP header that carries the device certificate from a TLS proxy; Mdm-Signature is then ignored")
	fs.BoolVar(&cfg.checkin, "checkin", false, "serve check-ins on a separate /checkin route; /mdm then takes command reports only")
	fs.BoolVar(&cfg.debug, "debug", false, "log debug lines")
	fs.BoolVar(&cfg.disableMDM, "disable-mdm", false, "serve no device routes (/mdm, /checkin, /authproxy/)")
	fs.StringVar(&cfg.dmURL, "dm", "", "base URL to forward Declarative Management check-ins to")
	fs.StringVar(&cfg.dmRecvHMACKey, "dm-recv-hmac-key", "", "key to verify the X-Hmac-Signature of Declarative Management responses")
	fs.StringVar(&cfg.dmSendHMACKey, "dm-send-hmac-key", "", "key to sign Declarative Management requests with X-Hmac-Signature")
	fs.Var(&cfg.storage.DSN, "dsn", "deprecated: use -storage-dsn")
	fs.BoolVar(&cfg.dump, "dump", false, "write MDM request bodies and the replies sent back to stdout")
	fs.StringVar(&cfg.intermediate, "intermediate", "", "path to a PEM file of intermediate CA certificates for device identity chains")
	fs.StringVar(&cfg.listen, "listen", defaultListen, "HTTP listen address")
	fs.BoolVar(&cfg.migration, "migration", false, "serve /migration for nano2nano (needs -api)")
	fs.BoolVar(&cfg.retro, "retro", false, "let an enrollment without a bound certificate bind the one it presents")
	cfg.storage.Register(fs)
	fs.BoolVar(&cfg.uaZLDC, "ua-zl-dc", false, "answer the first UserAuthenticate with an empty DigestChallenge instead of 410")
	fs.BoolVar(&cfg.version, "version", false, "print the version and exit")
	fs.StringVar(&cfg.webhookHMACKey, "webhook-hmac-key", "", "key to sign webhook bodies with X-Hmac-Signature")
	fs.StringVar(&cfg.webhookURL, "webhook-url", "", "URL to POST webhook events to; webhooks are off when empty")

	// NOTE(parity): these three flags are not in NanoMDM.
	fs.StringVar(&cfg.apnsURL, "apns-url", defaultAPNsURL, "base URL of the APNs service that pushes go to")
	fs.StringVar(&cfg.escrowURL, "escrow-url", defaultEscrowURL, "URL of Apple's escrow key unlock service that /v1/escrowkeyunlock calls")
	fs.Int64Var(&cfg.maxBodyBytes, "max-body-bytes", defaultMaxBodyBytes, "largest request body in bytes that any route accepts; larger bodies get 413")
	return fs
}

// envName returns the environment variable of the flag name: the prefix,
// then the name in upper case with every character outside [A-Z0-9]
// replaced by an underscore.
func envName(name string) string {
	var b strings.Builder
	b.WriteString(envPrefix)
	for _, r := range strings.ToUpper(name) {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// errUsage reports a command line that was rejected after the usage text
// was printed; the process exits 2.
var errUsage = errors.New("invalid command line")

// parseFlags sets cfg from the environment, then from argv (the program
// name, then its arguments), so flags override scalar environment values and append
// to the storage lists after them. It returns [flag.ErrHelp] for -h and
// errUsage for any rejected value, after printing the usage to stderr.
func parseFlags(cfg *config, argv []string, lookupEnv func(string) (string, bool), stderr io.Writer) error {
	fs := newFlagSet(cfg)
	fs.Init(argv[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	annotateUsage(fs, lookupEnv)

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if noEnvFlags[f.Name] || envErr != nil {
			return
		}
		if value, ok := lookupEnv(envName(f.Name)); ok {
			if err := fs.Set(f.Name, value); err != nil {
				envErr = fmt.Errorf("setting flag -%s from environment: %w", f.Name, err)
			}
		}
	})
	if envErr != nil {
		fmt.Fprintln(stderr, envErr)
		fs.Usage()
		return errUsage
	}

	if err := fs.Parse(argv[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// annotateUsage ends each flag's help text with its environment variable,
// noting when the variable is set.
func annotateUsage(fs *flag.FlagSet, lookupEnv func(string) (string, bool)) {
	fs.VisitAll(func(f *flag.Flag) {
		if noEnvFlags[f.Name] {
			return
		}
		name := envName(f.Name)
		if _, ok := lookupEnv(name); ok {
			name += " is set"
		}
		f.Usage += " [" + name + "]"
	})
}
