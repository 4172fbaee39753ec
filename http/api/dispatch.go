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

	logSummary(ctx, logger, "push", failed, err, func() []any {
		args := summaryArgs(ids)
		if res.CommandUUID != "" {
			args = append(args, log.KeyCommandUUID, res.CommandUUID, log.KeyRequestType, res.RequestType)
		}
		return append(args, "count", ok)
	})
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

	logSummary(ctx, logger, "enqueue", len(idErrs), err, func() []any {
		return append(summaryArgs(ids),
			log.KeyCommandUUID, res.CommandUUID,
			log.KeyRequestType, res.RequestType,
			"count", len(ids)-len(idErrs))
	})
}

func summaryArgs(ids []string) []any {
	args := []any{"id_count", len(ids)}
	if len(ids) > 0 {
		args = append(args, "id_first", ids[0])
	}
	return args
}

// logSummary logs msg with the arguments from args, the number of per-ID
// failures and err. A failure of the whole call, which the client gets as
// a 500, is logged at error, per-ID failures at info, and success at
// debug. args runs only when the line is written, so a success costs
// nothing while debug lines are off.
func logSummary(ctx context.Context, logger *slog.Logger, msg string, failed int, err error, args func() []any) {
	level := slog.LevelDebug
	if failed > 0 {
		level = slog.LevelInfo
	}
	if err != nil {
		// NOTE(parity): NanoMDM logs this at info.
		level = slog.LevelError
	}
	if !logger.Enabled(ctx, level) {
		return
	}

	attrs := args()
	if failed > 0 {
		attrs = append(attrs, "errs", failed)
	}
	if err != nil {
		attrs = append(attrs, log.KeyErr, err)
	}
	log.From(ctx, logger).Log(ctx, level, msg, attrs...)
}
