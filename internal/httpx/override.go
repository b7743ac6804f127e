package httpx

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// MethodOverrideHeader carries the method a client meant.
const MethodOverrideHeader = "X-HTTP-Method-Override"

// MethodOverride lets a client that cannot send PATCH send it as POST with
// X-HTTP-Method-Override: PATCH: wx.request offers GET, HEAD, POST, PUT,
// DELETE, OPTIONS, TRACE and CONNECT only, and the API changes items,
// albums, members and profiles with PATCH. POST to PATCH is the only
// override: nothing else can be reached this way. It must be registered
// with app.Use before any route, so every method's stack holds it at the
// same place and the request goes on down the PATCH stack.
func MethodOverride() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() == fiber.MethodPost && strings.EqualFold(c.Get(MethodOverrideHeader), fiber.MethodPatch) {
			c.Method(fiber.MethodPatch)
		}
		return c.Next()
	}
}
