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

// listPrefix returns the names of the files in directory dir that start
// with prefix. A missing directory has none. It reads the directory with
// getdents64 and copies only the names that match. When IDs share their
// first four bytes, one directory holds the keys of many enrollments, and
// os.ReadDir would allocate, stat and sort every one of them.
func listPrefix(dir, prefix string) ([]string, error) {
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
		keys = appendMatches(keys, buf[:n], []byte(prefix))
	}
}

// appendMatches appends the names in the linux_dirent64 records of buf
// that start with prefix and are not directories.
func appendMatches(keys []string, buf, prefix []byte) []string {
	for len(buf) > direntName {
		recLen := int(binary.NativeEndian.Uint16(buf[direntRecLen:]))
		if recLen <= direntName || recLen > len(buf) {
			break
		}
		name := buf[direntName:recLen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if buf[direntType] != syscall.DT_DIR && bytes.HasPrefix(name, prefix) {
			keys = append(keys, string(name))
		}
		buf = buf[recLen:]
	}
	return keys
}
