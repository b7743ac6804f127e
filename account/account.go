// Package account keeps the privacy policy's promises about a user's own
// data: export everything, delete the account with a receipt. It owns the
// exports and deletion_receipts tables; an account deletion changes rows
// of every feature, each through its owner's store inside one transaction
// per step (service.go), and runs in a worker task.
package account

import (
	"net/http"
	"time"

	"github.com/wxalbum/mediad/internal/apperr"
)

// Errors of this package.
var (
	ErrExportNotFound  = apperr.New(http.StatusNotFound, "not_found", "Export not found.")
	ErrReceiptNotFound = apperr.New(http.StatusNotFound, "not_found", "Receipt not found.")
	ErrConfirm         = apperr.New(http.StatusBadRequest, "confirm_required", `Send {"confirm":"DELETE"} to delete your account.`)
	ErrTooManyExports  = apperr.New(http.StatusTooManyRequests, "rate_limited", "You asked for several exports recently; try again after the time in Retry-After.")
)

// Export is a ZIP of a user's data in the object store.
type Export struct {
	ID         string     `json:"id"`
	UserID     string     `json:"-"`
	Status     string     `json:"status"`
	Size       *int64     `json:"size,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	ExpiresAt  time.Time  `json:"expires_at"`
	URL        string     `json:"download_url,omitempty"`
}

// ExportPrefix holds the export archives in the object store.
const ExportPrefix = "exports/"

// ExportKey is where an export's ZIP lives.
func ExportKey(id string) string { return ExportPrefix + id + ".zip" }

// Receipt is what an account deletion removed: categories and counts, no
// personal data.
type Receipt struct {
	ID         string           `json:"id"`
	Status     string           `json:"status"`
	Counts     map[string]int64 `json:"counts"`
	CreatedAt  time.Time        `json:"created_at"`
	FinishedAt *time.Time       `json:"finished_at"`
}

// Deletion is a running account deletion.
type Deletion struct {
	ReceiptID string
	UserID    string
	StartedAt time.Time
}
