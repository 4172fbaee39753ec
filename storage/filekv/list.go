package filekv

import "bytes"

// listPrefix returns the names of the files in directory dir that start
// with prefix. A missing directory has none.
func listPrefix(dir, prefix string) ([]string, error) {
	p := []byte(prefix)
	return listMatching(dir, func(name []byte) bool { return bytes.HasPrefix(name, p) })
}
