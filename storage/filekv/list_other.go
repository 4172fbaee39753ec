//go:build !linux

package filekv

// listPrefix returns the names of the files in directory dir that start
// with prefix. A missing directory has none.
func listPrefix(dir, prefix string) ([]string, error) {
	return walkPrefix(dir, prefix)
}
