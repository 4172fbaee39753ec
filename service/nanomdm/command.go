package nanomdm

import (
	"errors"
	"fmt"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/storage"
)

// CommandAndReportResults stores the report and returns the next pending
// command for the enrollment, or nil when none is pending. After a NotNow
// report, commands whose last status is NotNow are passed over, so the
// device is not handed the command it just deferred.
func (s *Service) CommandAndReportResults(r *mdm.Request, report *mdm.CommandResults) (*mdm.Command, error) {
	logger, err := s.setup(r, &report.Enrollment)
	if err != nil {
		return nil, err
	}
	if report.CommandUUID != "" {
		logger.Info("command report", "status", report.Status, log.KeyCommandUUID, report.CommandUUID)
	} else {
		logger.Info("command report", "status", report.Status)
	}

	err = s.store.StoreCommandReport(r, report)
	switch {
	case errors.Is(err, storage.ErrCommandNotQueued):
		// NOTE(parity): NanoMDM's key-value backends empty the whole queue
		// here and its SQL backends answer 500. The result was stored where
		// the command exists, so the device gets its next command.
		logger.Info("command not queued for enrollment",
			log.KeyCommandUUID, report.CommandUUID, log.KeyErr, err)
	case err != nil:
		return nil, fmt.Errorf("storing command report: %w", err)
	}

	cmd, err := s.store.RetrieveNextCommand(r, report.Status == mdm.StatusNotNow)
	if err != nil {
		return nil, fmt.Errorf("retrieving next command: %w", err)
	}
	if cmd == nil {
		logger.Debug("no command retrieved")
		return nil, nil
	}
	logger.Debug("command retrieved",
		log.KeyCommandUUID, cmd.CommandUUID, log.KeyRequestType, cmd.Command.RequestType)
	return cmd, nil
}
