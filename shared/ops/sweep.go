package ops

import (
	"context"
	"log/slog"
	"time"
)

// sweepLimit bounds the holds one sweep voids; the next run takes the rest.
const sweepLimit = 1000

// HoldSweeper voids the credit holds that expired before now (ledger.Ledger).
type HoldSweeper interface {
	Sweep(ctx context.Context, now time.Time, limit int) (int, error)
}

// Sweeper frees the credits of operations that died holding them: the
// credit-sweeper function runs it on a schedule, the local stack on its tick.
type Sweeper struct {
	Ledger HoldSweeper
	Log    *slog.Logger
}

// SweepResult is what a sweep did.
type SweepResult struct {
	Released int `json:"released"`
}

// Sweep voids the credit holds whose expiry has passed.
func (s Sweeper) Sweep(ctx context.Context) (SweepResult, error) {
	n, err := s.Ledger.Sweep(ctx, time.Now().UTC(), sweepLimit)
	if n > 0 {
		s.Log.InfoContext(ctx, "expired holds released", "count", n)
	}
	return SweepResult{Released: n}, err
}
