//go:build !linux

package filekv

import (
	"errors"
	"io/fs"
	"os"
)

// listMatching returns the names of the files in directory dir for which
// match is true. A missing directory has none.
func listMatching(dir string, match func(name []byte) bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range entries {
		if !e.IsDir() && match([]byte(e.Name())) {
			keys = append(keys, e.Name())
		}
	}
	return keys, nil
}
