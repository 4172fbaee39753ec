package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
)

// checkHash reports an error for a hash that would break a CertAuth.txt
// line: an empty one, or one containing a comma or a line break.
func checkHash(hash string) error {
	if hash == "" || strings.ContainsAny(hash, ",\r\n") {
		return fmt.Errorf("invalid certificate hash %q", hash)
	}
	return nil
}

// HasCertHash reports whether hash was ever associated with any
// enrollment.
//
// NOTE(parity): NanoMDM's file backend matches any CertAuth.txt line that
// contains hash as a substring; here the hash field must equal it.
func (s *FileStorage) HasCertHash(_ *mdm.Request, hash string) (bool, error) {
	id, err := s.certs.lookup(hash)
	return id != "", err
}

// EnrollmentHasCertHash reports whether r.ID has an associated hash. The
// hash argument is not used.
func (s *FileStorage) EnrollmentHasCertHash(r *mdm.Request, _ string) (bool, error) {
	dir, err := s.dir(r.ID)
	if err != nil {
		return false, err
	}
	return exists(filepath.Join(dir, certHashFile))
}

// IsCertHashAssociated reports whether hash is the latest hash associated
// with r.ID, ignoring letter case as NanoMDM's file backend does.
func (s *FileStorage) IsCertHashAssociated(r *mdm.Request, hash string) (bool, error) {
	dir, err := s.dir(r.ID)
	if err != nil {
		return false, err
	}
	b, err := os.ReadFile(filepath.Join(dir, certHashFile))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading certificate hash of %s: %w", r.ID, err)
	}
	return strings.EqualFold(string(b), hash), nil
}

// AssociateCertHash appends the association to CertAuth.txt and makes
// hash the current hash of r.ID.
func (s *FileStorage) AssociateCertHash(r *mdm.Request, hash string) error {
	dir, err := s.dir(r.ID)
	if err != nil {
		return err
	}
	if err := checkHash(hash); err != nil {
		return err
	}
	if err := s.certs.append(r.ID, hash); err != nil {
		return fmt.Errorf("associating certificate with %s: %w", r.ID, err)
	}
	if err := writeFile(filepath.Join(dir, certHashFile), []byte(hash), 0o644, time.Time{}); err != nil {
		return fmt.Errorf("associating certificate with %s: %w", r.ID, err)
	}
	return nil
}

// EnrollmentFromHash returns the enrollment ID hash was last associated
// with, or "" when it never was.
//
// NOTE(parity): NanoMDM's file backend fails when CertAuth.txt does not
// exist yet; that is "" with no error here, as on every other backend.
func (s *FileStorage) EnrollmentFromHash(_ context.Context, hash string) (string, error) {
	return s.certs.lookup(hash)
}

// certIndex maps hashes to enrollment IDs from the append-only
// CertAuth.txt. It reads only the lines appended since the last lookup,
// so a lookup costs one stat while the file does not grow.
type certIndex struct {
	path string

	mu     sync.Mutex
	offset int64             // bytes of the file already indexed
	ids    map[string]string // hash to the ID of its latest line
}

func newCertIndex(path string) *certIndex {
	return &certIndex{path: path, ids: make(map[string]string)}
}

// append writes one "<id>,<hash>" line to the file.
func (c *certIndex) append(id, hash string) error {
	f, err := os.OpenFile(c.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(id + "," + hash + "\n")
	return errors.Join(err, f.Close())
}

// lookup returns the ID hash is associated with, or "".
func (c *certIndex) lookup(hash string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refresh(); err != nil {
		return "", fmt.Errorf("reading %s: %w", c.path, err)
	}
	return c.ids[hash], nil
}

// refresh indexes the complete lines appended since the last call. A file
// that shrank was replaced, so it is read again from the start.
func (c *certIndex) refresh() error {
	f, err := os.Open(c.path)
	if errors.Is(err, os.ErrNotExist) {
		c.offset, c.ids = 0, make(map[string]string)
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() < c.offset {
		c.offset, c.ids = 0, make(map[string]string)
	}
	if info.Size() == c.offset {
		return nil
	}

	buf := make([]byte, info.Size()-c.offset)
	if _, err := f.ReadAt(buf, c.offset); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	// A line still being appended has no newline yet; it is read on a
	// later call.
	end := bytes.LastIndexByte(buf, '\n')
	for line := range strings.SplitSeq(string(buf[:end+1]), "\n") {
		line = strings.TrimSuffix(line, "\r")
		// The hash has no comma, so the last comma ends the ID.
		if i := strings.LastIndexByte(line, ','); i > 0 {
			c.ids[line[i+1:]] = line[:i]
		}
	}
	c.offset += int64(end + 1)
	return nil
}
