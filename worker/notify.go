package worker

import (
	"context"
	"time"

	"github.com/hibiken/asynq"
)

// Notifier sends subscribe messages (notify.Pusher).
type Notifier interface {
	Dispatch(ctx context.Context) error
	Send(ctx context.Context, notificationID string, final bool) error
}

// Notify runs the subscribe-message tasks.
type Notify struct{ svc Notifier }

// NewNotify returns the subscribe-message task handlers.
func NewNotify(svc Notifier) *Notify { return &Notify{svc: svc} }

// SendTask handles notify:send. It is idempotent: a notice no longer
// queued is done; on the last attempt a failure is recorded.
func (n *Notify) SendTask(ctx context.Context, t *asynq.Task) error {
	id, err := parseID(t)
	if err != nil {
		return err
	}
	return n.svc.Send(ctx, id, !Retrying(ctx))
}

// DispatchTask handles notify:dispatch.
func (n *Notify) DispatchTask(ctx context.Context, _ *asynq.Task) error { return n.svc.Dispatch(ctx) }

// RegisterNotify routes the subscribe-message tasks to n and schedules
// the dispatch every period.
func (s *Server) RegisterNotify(n *Notify, every time.Duration) error {
	s.mux.HandleFunc(TypeNotifySend, n.SendTask)
	return s.schedule(periodicTask{typ: TypeNotifyDispatch, every: every, queue: QueueDefault, handle: n.DispatchTask})
}

// EnqueueNotifySend queues the send task of a notice; one already queued
// for it is kept.
func (c *Client) EnqueueNotifySend(ctx context.Context, notificationID string) error {
	return c.enqueue(ctx, notifySpec(notificationID))
}
