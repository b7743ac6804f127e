package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
)

// MaxJSONBody bounds JSON request bodies. The server streams request bodies
// (for uploads), so Fiber's BodyLimit does not protect JSON endpoints.
const MaxJSONBody = 64 << 10

// BodyReader returns the request body as a stream, whether fasthttp
// buffered it or streams it.
func BodyReader(c *fiber.Ctx) io.Reader {
	if s := c.Context().RequestBodyStream(); s != nil {
		return s
	}
	return bytes.NewReader(c.Request().Body())
}

// DecodeJSON reads a JSON object of at most MaxJSONBody bytes into v,
// refusing unknown fields so typos are errors, not silent no-ops.
func DecodeJSON(c *fiber.Ctx, v any) error {
	body, err := io.ReadAll(io.LimitReader(BodyReader(c), MaxJSONBody+1))
	if err != nil {
		return apperr.Invalidf("Could not read the request body.")
	}
	if len(body) > MaxJSONBody {
		return apperr.PayloadTooLarge
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return apperr.Invalidf("The body is not valid JSON.")
		case errors.As(err, &te):
			return apperr.Invalidf("Field %q has the wrong type.", te.Field)
		default:
			return apperr.Invalidf("The body is not valid: %s.", err.Error())
		}
	}
	return nil
}
