package filekv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"syscall"
)

// direntBufSize is the size of one getdents64 read, enough for about a
// thousand entries of this layout's names.
const direntBufSize = 64 << 10

// Offsets in a linux_dirent64 record: d_reclen, d_type and d_name.
const (
	direntRecLen = 16
	direntType   = 18
	direntName   = 19
)

// listMatching returns the names of the files in directory dir for which
// match is true. A missing directory has none. It reads the directory
// with getdents64 and copies only the names that match. When IDs share
// their first four bytes, one directory holds the keys of many
// enrollments, and os.ReadDir would allocate, stat and sort every one of
// them. match must not keep name.
func listMatching(dir string, match func(name []byte) bool) ([]string, error) {
	fd, err := retryEINTR(func() (int, error) {
		return syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer syscall.Close(fd)

	var keys []string
	buf := make([]byte, direntBufSize)
	for {
		n, err := retryEINTR(func() (int, error) { return syscall.Getdents(fd, buf) })
		if err != nil {
			return nil, &fs.PathError{Op: "getdents", Path: dir, Err: err}
		}
		if n <= 0 {
			return keys, nil
		}
		keys = appendMatches(keys, buf[:n], match)
	}
}

// appendMatches appends the names in the linux_dirent64 records of buf
// that match and are not directories.
func appendMatches(keys []string, buf []byte, match func(name []byte) bool) []string {
	for len(buf) > direntName {
		recLen := int(binary.NativeEndian.Uint16(buf[direntRecLen:]))
		if recLen <= direntName || recLen > len(buf) {
			break
		}
		name := buf[direntName:recLen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if buf[direntType] != syscall.DT_DIR && match(name) {
			keys = append(keys, string(name))
		}
		buf = buf[recLen:]
	}
	return keys
}
