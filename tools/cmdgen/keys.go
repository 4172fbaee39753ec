package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/mdmforge/nanomdm/mdm/commandgen"
)

// maxListedValues is how many allowed values -keys prints for one key
// before it shortens the list.
const maxListedValues = 8

// printKeys writes one line per schema key, indented two spaces per level
// of nesting: the name, the type, "required" where the schema marks the key so, and
// the allowed values where the schema lists them.
func printKeys(w io.Writer, keys []commandgen.Key, depth int) error {
	for _, k := range keys {
		line := strings.Repeat("  ", depth) + k.Name + "  " + k.Type
		if k.Required {
			line += "  required"
		}
		if values := allowedValues(k); values != "" {
			line += "  values: " + values
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
		if err := printKeys(w, k.SubKeys, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func allowedValues(k commandgen.Key) string {
	values := make([]string, 0, len(k.RangeList))
	for _, v := range k.RangeList {
		values = append(values, fmt.Sprint(v))
	}
	if len(values) > maxListedValues {
		values = append(values[:maxListedValues],
			fmt.Sprintf("... (%d more)", len(k.RangeList)-maxListedValues))
	}
	return strings.Join(values, ", ")
}
