package api

import (
	"context"
	"log/slog"

	"github.com/mdmforge/nanomdm/log"
	"github.com/mdmforge/nanomdm/mdm"
)

// push pushes to ids and records the outcome in res. It logs one summary
// line: at info when anything failed, else at debug.
func (a *API) push(ctx context.Context, logger *slog.Logger, res *Result, ids []string) {
	responses, err := a.pusher.Push(ctx, ids)
	if err != nil {
		res.PushError = err.Error()
	}
	ok, failed := res.addPushResponses(responses)

	args := summaryArgs(ids)
	if res.CommandUUID != "" {
		args = append(args, log.KeyCommandUUID, res.CommandUUID, log.KeyRequestType, res.RequestType)
	}
	logSummary(ctx, logger, "push", append(args, "count", ok), failed, err)
}

// enqueue queues cmd for ids and records the outcome in res. It logs one
// summary line like push.
func (a *API) enqueue(ctx context.Context, logger *slog.Logger, res *Result, cmd *mdm.Command, ids []string) {
	res.CommandUUID = cmd.CommandUUID
	res.RequestType = cmd.Command.RequestType
	idErrs, err := a.enqueuer.EnqueueCommand(ctx, ids, cmd)
	if err != nil {
		res.CommandError = err.Error()
	}
	res.addEnqueueErrors(idErrs)

	args := append(summaryArgs(ids),
		log.KeyCommandUUID, res.CommandUUID,
		log.KeyRequestType, res.RequestType,
		"count", len(ids)-len(idErrs))
	logSummary(ctx, logger, "enqueue", args, len(idErrs), err)
}

func summaryArgs(ids []string) []any {
	args := []any{"id_count", len(ids)}
	if len(ids) > 0 {
		args = append(args, "id_first", ids[0])
	}
	return args
}

// logSummary logs msg with args, the number of per-ID failures and err.
// A failure of the whole call, which the client gets as a 500, is logged
// at error, per-ID failures at info, and success at debug.
func logSummary(ctx context.Context, logger *slog.Logger, msg string, args []any, failed int, err error) {
	level := slog.LevelDebug
	if failed > 0 {
		args = append(args, "errs", failed)
		level = slog.LevelInfo
	}
	if err != nil {
		args = append(args, log.KeyErr, err)
		// NOTE(parity): NanoMDM logs this at info.
		level = slog.LevelError
	}
	log.From(ctx, logger).Log(ctx, level, msg, args...)
}
