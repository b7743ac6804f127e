package httpx

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/ids"
)

const requestIDKey = "request_id"

// RequestIDs gives every request an id, echoed in X-Request-Id. A client
// supplied id is not trusted (it would let clients forge log lines).
func RequestIDs() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := ids.New()[:16]
		c.Locals(requestIDKey, id)
		c.Set("X-Request-Id", id)
		return c.Next()
	}
}

// RequestID returns the current request's id.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// LogPanic logs a handler's panic with the request id and stack; the
// recover middleware then answers 500 through the error handler.
func LogPanic(log *slog.Logger) func(*fiber.Ctx, any) {
	return func(c *fiber.Ctx, e any) {
		log.Error("handler panicked", "request_id", RequestID(c), "panic", fmt.Sprint(e), "stack", string(debug.Stack()))
	}
}
