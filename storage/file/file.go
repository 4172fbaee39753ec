// Package file is NanoMDM's deprecated "file" storage backend: one
// directory per enrollment channel under a root directory, with each
// message, token and queued command kept as its own file. It exists so
// that a root directory written by NanoMDM keeps working; new deployments
// use filekv or an SQL backend instead.
//
// The layout under the root is:
//
//	<id>/Authenticate.plist, TokenUpdate.plist, UnlockToken.dat,
//	     SerialNumber.txt, Identity.pem, Disabled, BootstrapToken.dat,
//	     TokenUpdate.tally.txt, UserAuthenticate.plist,
//	     UserAuthenticate.Digest.plist, CertAuth.sha256.txt
//	<id>/SubEnrollments/<user channel id>  (empty marker files)
//	<id>/Queue/<uuid>.plist                (pending commands)
//	<id>/QueueNotNow/<uuid>.plist          (+ <uuid>.result.plist)
//	<id>/QueueDone/<uuid>.plist            (+ <uuid>.result.plist)
//	<id>/QueueInactive/<uuid>.plist        (cleared commands)
//	CertAuth.txt                           (lines of "<id>,<hash>")
//	<topic>.pem, <topic>.key               (APNs push certificates)
//	.commands/<uuid>                       (claimed command UUIDs)
//
// Only .commands is new; NanoMDM ignores it.
package file

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// File names inside an enrollment directory.
const (
	authenticateFile     = "Authenticate.plist"
	tokenUpdateFile      = "TokenUpdate.plist"
	unlockTokenFile      = "UnlockToken.dat"
	serialNumberFile     = "SerialNumber.txt"
	identityCertFile     = "Identity.pem"
	disabledFile         = "Disabled"
	bootstrapTokenFile   = "BootstrapToken.dat"
	tallyFile            = "TokenUpdate.tally.txt"
	userAuthFile         = "UserAuthenticate.plist"
	userAuthDigestFile   = "UserAuthenticate.Digest.plist"
	certHashFile         = "CertAuth.sha256.txt"
	subEnrollmentsDir    = "SubEnrollments"
	certAssociationsFile = "CertAuth.txt"
	commandIndexDir      = ".commands"
)

// tempPrefix starts the name of every file being written. Names starting
// with a dot are never enrollment IDs, command UUIDs or queue entries, so
// readers skip a half-written file.
const tempPrefix = ".tmp-"

// FileStorage implements [storage.AllStorage] over the deprecated file
// layout described in the package documentation. It is safe for
// concurrent use; operations on different enrollments share no lock.
type FileStorage struct {
	root   string
	certs  *certIndex
	stamps stamper
	locks  [64]sync.Mutex
}

// New returns a FileStorage rooted at dir, creating dir (but not its
// parents) when it does not exist.
func New(dir string) (*FileStorage, error) {
	if dir == "" {
		return nil, errors.New("missing root directory")
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("creating root directory: %w", err)
	}
	s := &FileStorage{root: dir}
	s.certs = newCertIndex(filepath.Join(dir, certAssociationsFile))
	return s, nil
}

// checkName reports an error for a value that cannot be used as one file
// name under the root: it must not be empty, start with a dot, or contain
// a slash, a NUL byte or a line break. Enrollment IDs, command UUIDs and
// topics all become file names, so this keeps every write inside the root.
func checkName(kind, name string) error {
	var reason string
	switch {
	case name == "":
		reason = "is empty"
	case strings.HasPrefix(name, "."):
		reason = "starts with a dot"
	case strings.ContainsAny(name, "/\\\x00\r\n"):
		reason = "contains a slash, backslash, NUL byte or line break"
	default:
		return nil
	}
	return fmt.Errorf("invalid %s %q: %s", kind, name, reason)
}

// dir returns the directory of enrollment id after checking the ID.
func (s *FileStorage) dir(id string) (string, error) {
	if err := checkName("enrollment ID", id); err != nil {
		return "", err
	}
	return filepath.Join(s.root, id), nil
}

// lock returns the mutex that serializes read-modify-write steps on the
// files of enrollment id. IDs are spread over a fixed set of mutexes, so
// unrelated enrollments rarely wait for each other.
func (s *FileStorage) lock(id string) *sync.Mutex {
	var h uint32 = 2166136261
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return &s.locks[h%uint32(len(s.locks))]
}

// writeFile replaces path with data through a rename, so a concurrent
// reader sees the old or the new content and never a partial write. A
// non-zero mtime becomes the file's modification time. The parent
// directory is created when missing.
func writeFile(path string, data []byte, perm os.FileMode, mtime time.Time) error {
	f, err := createTemp(filepath.Dir(path), perm)
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	err = errors.Join(err, f.Close())
	if err == nil && !mtime.IsZero() {
		err = os.Chtimes(tmp, mtime, mtime)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// tempSeq numbers the temporary files of this process.
var tempSeq atomic.Uint64

// createTemp creates a new temporary file in dir, creating dir when it is
// missing. Unlike [os.CreateTemp] it creates the file with perm (less the
// umask), which saves a chmod on every write.
func createTemp(dir string, perm os.FileMode) (*os.File, error) {
	for {
		name := filepath.Join(dir, fmt.Sprintf("%s%d-%d", tempPrefix, os.Getpid(), tempSeq.Add(1)))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		}
		if errors.Is(err, os.ErrExist) {
			continue // left behind by an earlier process with the same PID
		}
		return f, err
	}
}

// touch creates the empty marker file path when it does not exist,
// creating its directory when missing.
func touch(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// removeFile removes path; a path that does not exist is not an error.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// exists reports whether path exists.
func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// stamper hands out strictly increasing times. Queued commands are
// ordered by modification time, and file systems only update those times
// at clock-tick granularity, so each enqueue sets its own stamp.
type stamper struct {
	last atomic.Int64
}

// next returns now, or one nanosecond after the previous stamp when the
// clock has not moved past it.
func (st *stamper) next(now time.Time) time.Time {
	for {
		prev := st.last.Load()
		n := max(now.UnixNano(), prev+1)
		if st.last.CompareAndSwap(prev, n) {
			return time.Unix(0, n)
		}
	}
}
