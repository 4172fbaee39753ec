package cli

import (
	"log/slog"

	"github.com/mdmforge/nanomdm/storage"
	"github.com/mdmforge/nanomdm/storage/file"
)

// FileEnableOption is the one options string that enables the deprecated
// file backend.
const FileEnableOption = "enable_deprecated=1"

// openFile builds NanoMDM's deprecated file backend, which runs only when
// its options are exactly [FileEnableOption].
func openFile(b Backend, _ *slog.Logger) (storage.AllStorage, error) {
	if b.Options != FileEnableOption {
		return nil, ErrFileDeprecated
	}
	if b.DSN == "" {
		return nil, ErrMissingDSN
	}
	return file.New(b.DSN)
}
