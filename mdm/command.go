package mdm

import (
	"errors"
	"fmt"
)

// Command report statuses. Status values are not validated: any status
// other than Idle and NotNow finishes the command.
const (
	StatusIdle               = "Idle"
	StatusAcknowledged       = "Acknowledged"
	StatusError              = "Error"
	StatusCommandFormatError = "CommandFormatError"
	StatusNotNow             = "NotNow"
)

// ErrInvalidCommand is returned for a command plist without a CommandUUID
// or without a Command dictionary holding a RequestType.
var ErrInvalidCommand = errors.New("invalid command")

// ErrInvalidCommandResult is returned for a command report without a Status.
var ErrInvalidCommandResult = errors.New("invalid command result")

// CommandPayload is the Command dictionary of a command; only its
// RequestType is read.
type CommandPayload struct {
	RequestType string
}

// Command is an MDM command as the operator enqueued it. Raw holds the
// exact bytes, which are sent to the device unchanged.
// See https://developer.apple.com/documentation/devicemanagement/commands-and-queries
type Command struct {
	CommandUUID string
	Command     CommandPayload
	Raw
}

// DecodeCommand decodes a raw command plist and checks that it has a
// CommandUUID and a RequestType. Errors are a *ParseError, or
// ErrInvalidCommand for a plist that is not a command.
func DecodeCommand(raw []byte) (*Command, error) {
	cmd := &Command{Raw: Raw{raw}}
	if err := unmarshal(raw, cmd); err != nil {
		return nil, err
	}
	if cmd.CommandUUID == "" || cmd.Command.RequestType == "" {
		return nil, ErrInvalidCommand
	}
	return cmd, nil
}

// ErrorChainItem is one entry of a command report's ErrorChain.
type ErrorChainItem struct {
	ErrorCode            int
	ErrorDomain          string
	LocalizedDescription string
	USEnglishDescription string
}

// CommandResults is a command report: the device polling with Idle, or
// answering a command.
// See https://developer.apple.com/documentation/devicemanagement/commands-and-queries
type CommandResults struct {
	Enrollment
	CommandUUID string `plist:",omitempty"`
	Status      string
	ErrorChain  []ErrorChainItem `plist:",omitempty"`
	Raw
}

// DecodeCommandResults decodes a command report body. Errors are a
// *ParseError, or wrap ErrInvalidCommandResult when Status is missing.
func DecodeCommandResults(raw []byte) (*CommandResults, error) {
	report := &CommandResults{Raw: Raw{raw}}
	if err := unmarshal(raw, report); err != nil {
		return nil, err
	}
	if report.Status == "" {
		return nil, fmt.Errorf("%w: empty Status", ErrInvalidCommandResult)
	}
	return report, nil
}
