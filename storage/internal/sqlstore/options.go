package sqlstore

import (
	"fmt"
	"strings"
)

// Option is one key=value pair of a -storage-options string.
type Option struct {
	Key, Value string
}

// SplitOptions splits a -storage-options string as NanoMDM does: items
// separated by commas, each split at its first "=" (an item without one
// has an empty value), the last value of a repeated key winning. Keys keep
// the order of their first appearance, so the first invalid one is
// reported the same way on every run. An empty string has no options.
func SplitOptions(s string) []Option {
	if s == "" {
		return nil
	}
	var opts []Option
	index := make(map[string]int)
	for item := range strings.SplitSeq(s, ",") {
		key, value, _ := strings.Cut(item, "=")
		if i, ok := index[key]; ok {
			opts[i].Value = value
			continue
		}
		index[key] = len(opts)
		opts = append(opts, Option{Key: key, Value: value})
	}
	return opts
}

// ParseSwitch handles an option that takes "1" (append on to opts) or "0"
// (nothing), with NanoMDM's message for any other value.
func ParseSwitch[T any](kv Option, opts *[]T, on T) error {
	switch kv.Value {
	case "1":
		*opts = append(*opts, on)
	case "0":
	default:
		return fmt.Errorf("invalid value for %s option: %q", kv.Key, kv.Value)
	}
	return nil
}
