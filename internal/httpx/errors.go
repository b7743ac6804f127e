// Package httpx holds the HTTP plumbing shared by every feature: the one
// error handler, request ids, the access log, JSON helpers and metrics.
package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
)

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a stable machine code and a human message.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ErrorHandler returns the Fiber error handler: the single place where
// errors become statuses. Internal errors are logged with the request id and
// shown to the client only as "Internal error.".
func ErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		pub := Public(err)
		lvl := slog.LevelWarn
		if pub.Status >= 500 {
			lvl = slog.LevelError
		}
		log.Log(c.UserContext(), lvl, "request failed", "request_id", RequestID(c),
			"status", pub.Status, "code", pub.Code, "err", err.Error())
		c.Set(fiber.HeaderCacheControl, "no-store")
		if secs, ok := apperr.RetryAfter(err); ok {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		} else if pub.Status == http.StatusServiceUnavailable {
			c.Set(fiber.HeaderRetryAfter, unavailableRetry)
		}
		// A refused request's body may be partly unread (a middleware or a
		// limit stopped it). Whatever follows on the connection must never be
		// parsed as the next request, or a request hidden in a body would run.
		if c.Request().Header.ContentLength() != 0 {
			c.Context().SetConnectionClose()
		}
		return c.Status(pub.Status).JSON(ErrorBody{Error: ErrorDetail{Code: pub.Code, Message: pub.Message}})
	}
}

// Public maps any error to what a client may see.
func Public(err error) *apperr.Error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fromFiber(fe)
	}
	if pub := apperr.As(err); pub != apperr.Internal {
		return pub // a public error says it best (storage_unavailable, ...)
	}
	if errors.Is(err, context.DeadlineExceeded) || apperr.DependencyDown(err) {
		return apperr.Unavailable
	}
	return apperr.Internal
}

// unavailableRetry is what a 503 tells the client to wait when the error
// does not say.
const unavailableRetry = "5"

func fromFiber(fe *fiber.Error) *apperr.Error {
	switch fe.Code {
	case http.StatusNotFound:
		return apperr.New(404, "not_found", "No such route.")
	case http.StatusMethodNotAllowed:
		return apperr.New(405, "method_not_allowed", "Method not allowed.")
	case http.StatusRequestEntityTooLarge:
		return apperr.PayloadTooLarge
	case http.StatusRequestTimeout:
		return apperr.New(408, "timeout", "The request took too long.")
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return apperr.New(fe.Code, "invalid_request", "The request is not valid.")
	}
	return apperr.Internal
}
