package emulator

import (
	"context"
	"time"
)

// DefaultScheduleInterval is how often the emulator runs due image
// pipeline schedules: Image Builder's schedules have minute resolution.
const DefaultScheduleInterval = 30 * time.Second

// RunDueSchedules runs the image pipelines whose schedule is due at the
// emulator's clock now, as the background loop does every
// Config.ScheduleInterval, and returns how many builds it started. Tests
// move their clock and call it instead of waiting.
func (e *Emulator) RunDueSchedules(ctx context.Context) (int, error) {
	return e.ib.RunDueSchedules(ctx, e.cfg.Clock())
}

func (e *Emulator) startSchedules() {
	interval := e.cfg.ScheduleInterval
	if interval == 0 {
		interval = DefaultScheduleInterval
	}
	if interval < 0 {
		return
	}
	e.stopSchedules, e.schedulesDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(e.schedulesDone)
		t := time.NewTicker(interval)
		defer t.Stop()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-e.stopSchedules
			cancel()
		}()
		for {
			select {
			case <-e.stopSchedules:
				return
			case <-t.C:
				if _, err := e.RunDueSchedules(ctx); err != nil && ctx.Err() == nil {
					e.cfg.Logger.Warn("running pipeline schedules", "error", err)
				}
			}
		}
	}()
}

// stopScheduleLoop ends the schedule loop and waits for a run in progress.
func (e *Emulator) stopScheduleLoop() {
	if e.stopSchedules == nil {
		return
	}
	close(e.stopSchedules)
	<-e.schedulesDone
}
