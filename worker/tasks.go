// Package worker holds every Asynq task of the engine in one place (this
// file: names, payloads, constructors with their queue, time limit and
// retries), so enqueuers and handlers cannot drift; the client that
// enqueues them for the features (ports those features declare); the
// handlers, each behind small interfaces of what it needs; and the server
// that runs them with the periodic tasks.
package worker

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/upload"
)

// Task type names.
const (
	TypeProcessMedia   = "media:process"     // strip and derive one upload
	TypeDeleteMedia    = "media:delete"      // remove a deleted item's objects and row
	TypePlayMedia      = "media:play"        // make a ready video's play variant (H.264/AAC)
	TypeDissolveAlbum  = "album:dissolve"    // remove a dissolving album's items, objects and rows
	TypeDeleteAccount  = "account:delete"    // remove everything of a user, leaving a receipt
	TypeBuildExport    = "export:build"      // write a user's ZIP export
	TypeSweep          = "media:sweep"       // quick sweep (every 5 minutes): lost tasks, orphan raw uploads
	TypeReconcile      = "storage:reconcile" // deep sweep (hourly): the whole bucket against the database
	TypeExpireUploads  = "uploads:expire"    // abort chunked uploads past their expiry
	TypeRetention      = "retention:purge"   // delete what the retention periods say is no longer needed
	TypeReviewSubmit   = "review:submit"     // submit a ready item to WeChat's content check
	TypeReviewSweep    = "review:sweep"      // resubmit content checks whose result never came; give up after the last try
	TypeNotifySend     = "notify:send"       // send one notice's subscribe message
	TypeNotifyDispatch = "notify:dispatch"   // hand queued subscribe messages to send tasks
	TypeReportsHold    = "reports:hold"      // hide items whose removal request went unanswered past the grace; lift holds no report backs
)

// Queue names, highest priority first.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// queues weights the queues: critical work (a user waiting for a photo)
// runs six times as often as low-priority housekeeping.
func queues() map[string]int {
	return map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}
}

// MediaPayload names one media item; no bytes ever travel through Redis.
type MediaPayload struct {
	MediaID string `json:"media_id"`
}

// AlbumPayload names one album.
type AlbumPayload struct {
	AlbumID string `json:"album_id"`
}

// IDPayload names one record (an export, a deletion receipt) by id.
type IDPayload struct {
	ID string `json:"id"`
}

// spec is everything about one task to enqueue: type, payload, task id,
// queue and time limit. The New*Task constructors and the Client both build
// tasks from it, so an id or a queue is written once.
type spec struct {
	typ, id, queue string
	limit          time.Duration
	payload        any
}

func (s spec) task(cfg Config) (*asynq.Task, error) {
	b, err := json.Marshal(s.payload)
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(s.typ, b, asynq.TaskID(s.id), asynq.Queue(s.queue), asynq.MaxRetry(cfg.MaxRetry), asynq.Timeout(s.limit)), nil
}

// processSpec: the critical queue, the photo or video time limit by kind,
// and the media id in the task id, so enqueueing twice is harmless.
func processSpec(mediaID string, kind upload.Kind, cfg Config) spec {
	limit := cfg.PhotoTimeout
	if kind == upload.KindVideo {
		limit = cfg.VideoTimeout
	}
	return spec{TypeProcessMedia, "process:" + mediaID, QueueCritical, limit, MediaPayload{MediaID: mediaID}}
}

// playSpec: the default queue (the item is already ready: nobody waits as
// for a photo), the video time limit, the media id in the task id.
func playSpec(mediaID string, cfg Config) spec {
	return spec{TypePlayMedia, "play:" + mediaID, QueueDefault, cfg.VideoTimeout, MediaPayload{MediaID: mediaID}}
}

func deleteSpec(mediaID string, cfg Config) spec {
	return spec{TypeDeleteMedia, "delete:" + mediaID, QueueDefault, cfg.DeleteTimeout, MediaPayload{MediaID: mediaID}}
}

func dissolveSpec(albumID string, cfg Config) spec {
	return spec{TypeDissolveAlbum, "dissolve:" + albumID, QueueDefault, cfg.DissolveTimeout, AlbumPayload{AlbumID: albumID}}
}

func accountDeleteSpec(receiptID string, cfg Config) spec {
	return spec{TypeDeleteAccount, TypeDeleteAccount + ":" + receiptID, QueueDefault, cfg.DissolveTimeout, IDPayload{ID: receiptID}}
}

// exportSpec: the low queue, as nobody waits on an export as on a photo.
func exportSpec(exportID string, cfg Config) spec {
	return spec{TypeBuildExport, TypeBuildExport + ":" + exportID, QueueLow, cfg.ExportTimeout, IDPayload{ID: exportID}}
}

// NewProcessMediaTask returns the processing task for a media item.
func NewProcessMediaTask(mediaID string, kind upload.Kind, cfg Config) (*asynq.Task, error) {
	return processSpec(mediaID, kind, cfg).task(cfg)
}

// NewPlayMediaTask returns the task that makes a video's play variant.
func NewPlayMediaTask(mediaID string, cfg Config) (*asynq.Task, error) {
	return playSpec(mediaID, cfg).task(cfg)
}

// NewDeleteMediaTask returns the task that removes a deleted item's objects.
func NewDeleteMediaTask(mediaID string, cfg Config) (*asynq.Task, error) {
	return deleteSpec(mediaID, cfg).task(cfg)
}

// NewDissolveAlbumTask returns an album's dissolution task.
func NewDissolveAlbumTask(albumID string, cfg Config) (*asynq.Task, error) {
	return dissolveSpec(albumID, cfg).task(cfg)
}

// NewDeleteAccountTask returns the task that finishes an account deletion.
func NewDeleteAccountTask(receiptID string, cfg Config) (*asynq.Task, error) {
	return accountDeleteSpec(receiptID, cfg).task(cfg)
}

// NewBuildExportTask returns the task that writes an export.
func NewBuildExportTask(exportID string, cfg Config) (*asynq.Task, error) {
	return exportSpec(exportID, cfg).task(cfg)
}

// reviewSpec: the default queue, a minute (one call to WeChat), the media
// id in the task id, so a resubmission while one is queued is harmless.
func reviewSpec(mediaID string, cfg Config) spec {
	return spec{TypeReviewSubmit, "review:" + mediaID, QueueDefault, time.Minute, MediaPayload{MediaID: mediaID}}
}

// NewReviewSubmitTask returns the task that submits an item's content check.
func NewReviewSubmitTask(mediaID string, cfg Config) (*asynq.Task, error) {
	return reviewSpec(mediaID, cfg).task(cfg)
}

// notifySpec: the default queue, half a minute (one call to WeChat), the
// notice id in the task id, so a dispatch while one is queued is harmless.
func notifySpec(notificationID string) spec {
	return spec{TypeNotifySend, TypeNotifySend + ":" + notificationID, QueueDefault, 30 * time.Second, IDPayload{ID: notificationID}}
}

// NewNotifySendTask returns the task that sends a notice's subscribe message.
func NewNotifySendTask(notificationID string, cfg Config) (*asynq.Task, error) {
	return notifySpec(notificationID).task(cfg)
}

// reviewPeriodic is the periodic content-check sweep, scheduled only when
// checks are on (Server.RegisterReview).
var reviewPeriodic = periodicTask{typ: TypeReviewSweep, every: 5 * time.Minute, queue: QueueLow}

// reportsPeriodic applies report holds hourly (Server.RegisterReports).
var reportsPeriodic = periodicTask{typ: TypeReportsHold, every: time.Hour, queue: QueueLow}

// periodic lists the periodic tasks: type, period and queue.
var periodic = []periodicTask{
	{typ: TypeSweep, every: 5 * time.Minute, queue: QueueLow},
	{typ: TypeExpireUploads, every: 15 * time.Minute, queue: QueueLow},
	{typ: TypeRetention, every: time.Hour, queue: QueueLow},
	{typ: TypeReconcile, every: time.Hour, queue: QueueLow},
}

// parseMedia, parseAlbum and parseID read a payload; a malformed one can
// never succeed, so it is not retried.
func parseMedia(t *asynq.Task) (string, error) {
	var p MediaPayload
	err := parse(t, &p, &p.MediaID)
	return p.MediaID, err
}

func parseAlbum(t *asynq.Task) (string, error) {
	var p AlbumPayload
	err := parse(t, &p, &p.AlbumID)
	return p.AlbumID, err
}

func parseID(t *asynq.Task) (string, error) {
	var p IDPayload
	err := parse(t, &p, &p.ID)
	return p.ID, err
}

func parse(t *asynq.Task, p any, id *string) error {
	if err := json.Unmarshal(t.Payload(), p); err != nil || *id == "" {
		return fmt.Errorf("%s: malformed payload: %w", t.Type(), asynq.SkipRetry)
	}
	return nil
}
