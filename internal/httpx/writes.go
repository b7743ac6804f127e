package httpx

import "github.com/gofiber/fiber/v2"

// AfterWrites calls fn after every request whose method may change state
// (anything but GET, HEAD and OPTIONS), whatever its outcome, before the
// response is sent.
func AfterWrites(fn func()) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := c.Next()
		switch c.Method() {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		default:
			fn()
		}
		return err
	}
}
