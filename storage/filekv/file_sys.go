//go:build linux || darwin || freebsd || netbsd || openbsd

package filekv

import (
	"io/fs"
	"syscall"
)

// sysFile is a file opened with system calls alone. An [os.File] on Linux
// costs five more calls per open: four fcntl and an epoll_ctl that fails,
// because the runtime tries to add every file to its network poller. The
// files here are written or read once and closed at once, so they gain
// nothing from the poller.
type sysFile struct {
	fd   int
	name string
}

// createForWrite opens name for writing, creating it with fileMode when it
// does not exist.
func createForWrite(name string) (sysFile, error) {
	fd, err := retryEINTR(func() (int, error) {
		return syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_CLOEXEC, uint32(fileMode))
	})
	if err != nil {
		return sysFile{}, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return sysFile{fd: fd, name: name}, nil
}

// writeAt writes all of b at the start of the file.
func (f sysFile) writeAt(b []byte) error {
	for off := 0; off < len(b); {
		n, err := retryEINTR(func() (int, error) { return syscall.Pwrite(f.fd, b[off:], int64(off)) })
		if err != nil {
			return &fs.PathError{Op: "write", Path: f.name, Err: err}
		}
		off += n
	}
	return nil
}

// truncate cuts the file to size bytes.
func (f sysFile) truncate(size int64) error {
	if _, err := retryEINTR(func() (int, error) { return 0, syscall.Ftruncate(f.fd, size) }); err != nil {
		return &fs.PathError{Op: "truncate", Path: f.name, Err: err}
	}
	return nil
}

func (f sysFile) close() error {
	if err := syscall.Close(f.fd); err != nil {
		return &fs.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// readSysFile returns the content of the file name. Reading a directory
// fails with an error other than fs.ErrNotExist.
func readSysFile(name string) ([]byte, error) {
	fd, err := retryEINTR(func() (int, error) {
		return syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)

	// Most values are small, so the buffer starts small and grows.
	buf := make([]byte, 0, 512)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := retryEINTR(func() (int, error) { return syscall.Read(fd, buf[len(buf):cap(buf)]) })
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// retryEINTR calls fn again while it fails with EINTR, as the os package
// does.
func retryEINTR(fn func() (int, error)) (int, error) {
	for {
		n, err := fn()
		if err != syscall.EINTR {
			return n, err
		}
	}
}
