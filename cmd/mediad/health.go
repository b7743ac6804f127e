package main

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/httpx"
)

// readiness checks each dependency on every call, so /readyz recovers by
// itself as soon as a service is back.
func (d *deps) readiness() map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"postgres": func(ctx context.Context) error { return d.pool.Ping(ctx) },
		"redis":    func(ctx context.Context) error { return d.redis.Ping(ctx).Err() },
		"minio":    func(ctx context.Context) error { return d.blob.Ping(ctx) },
	}
}

func healthz(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) }

func readyz(checks map[string]func(context.Context) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		var mu sync.Mutex
		var wg sync.WaitGroup
		status := map[string]string{}
		var down []string
		for name, check := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := check(ctx)
				mu.Lock()
				defer mu.Unlock()
				status[name] = "ok"
				if err != nil {
					status[name] = "down"
					down = append(down, name)
				}
			}()
		}
		wg.Wait()
		c.Set(fiber.HeaderCacheControl, "no-store")
		if len(down) > 0 {
			sort.Strings(down)
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
				"error":  httpx.ErrorDetail{Code: "not_ready", Message: "Not ready: " + strings.Join(down, ", ") + " unreachable."},
				"checks": status,
			})
		}
		return c.JSON(fiber.Map{"status": "ready", "checks": status})
	}
}
