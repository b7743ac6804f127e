//go:build tools

package tools

import (
	_ "github.com/disintegration/imaging"
	_ "github.com/gofiber/fiber/v2"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/hibiken/asynq"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/rwcarlsen/goexif/exif"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/image/webp"
)
