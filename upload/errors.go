package upload

import (
	"net/http"

	"github.com/wxalbum/mediad/internal/apperr"
)

// Errors of this package; each carries its status and public message.
var (
	ErrNotFound        = apperr.New(http.StatusNotFound, "not_found", "Media not found.")
	ErrAlbumNotFound   = apperr.New(http.StatusNotFound, "not_found", "Album not found.")
	ErrUploadNotFound  = apperr.New(http.StatusNotFound, "not_found", "Upload not found.")
	ErrForbidden       = apperr.New(http.StatusForbidden, "forbidden", "Your role in this album does not allow that.")
	ErrBadKind         = apperr.New(http.StatusBadRequest, "invalid_kind", "kind must be photo, avatar, cover or video.")
	ErrBadVisibility   = apperr.New(http.StatusBadRequest, "invalid_visibility", "visibility must be only_me, members or link.")
	ErrUnsupportedType = apperr.New(http.StatusUnsupportedMediaType, "unsupported_type", "This file type is not supported.")
	ErrEncoded         = apperr.New(http.StatusUnsupportedMediaType, "unsupported_encoding", "Compressed request bodies (Content-Encoding) are not accepted.")
	ErrTooLarge        = apperr.New(http.StatusRequestEntityTooLarge, "too_large", "The file is larger than allowed for its kind.")
	ErrQuotaExceeded   = apperr.New(http.StatusRequestEntityTooLarge, "quota_exceeded", "This upload would exceed your storage quota.")
	ErrRateLimited     = apperr.New(http.StatusTooManyRequests, "rate_limited", "Too many uploads; try again after the time in Retry-After.")
	ErrMismatch        = apperr.New(http.StatusUnprocessableEntity, "checksum_mismatch", "The uploaded bytes do not match the declared size or SHA-256.")
	ErrIncomplete      = apperr.New(http.StatusConflict, "upload_incomplete", "Some parts are missing or have the wrong size.")
	ErrBadPart         = apperr.New(http.StatusBadRequest, "invalid_part", "Part number or size is not valid for this upload.")
	ErrNoFile          = apperr.New(http.StatusBadRequest, "missing_file", "The multipart body has no file field.")
	ErrTruncated       = apperr.New(http.StatusBadRequest, "truncated_body", "The request body ended early or is malformed.")
	ErrBadSignature    = apperr.New(http.StatusForbidden, "invalid_signature", "This media link is invalid or has expired.")
)
