//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package filekv

import "os"

// sysFile is an [os.File] on platforms without the plain system calls
// that file_sys.go uses.
type sysFile struct{ f *os.File }

// createForWrite opens name for writing, creating it with fileMode when it
// does not exist.
func createForWrite(name string) (sysFile, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE, fileMode)
	return sysFile{f: f}, err
}

// writeAt writes all of b at the start of the file.
func (f sysFile) writeAt(b []byte) error {
	_, err := f.f.WriteAt(b, 0)
	return err
}

// truncate cuts the file to size bytes.
func (f sysFile) truncate(size int64) error { return f.f.Truncate(size) }

func (f sysFile) close() error { return f.f.Close() }

// readSysFile returns the content of the file name.
func readSysFile(name string) ([]byte, error) { return os.ReadFile(name) }
