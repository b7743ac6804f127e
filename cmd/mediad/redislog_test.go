package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestRedisLoggerWritesJSON(t *testing.T) {
	var buf bytes.Buffer
	redisLogger{newLogger(&buf, slog.LevelInfo)}.Printf(context.Background(), "sentinel: new master=%q addr=%q", "mediad", "127.0.0.1:16380")
	var line struct{ Msg, Detail, Level string }
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q (%v)", buf.String(), err)
	}
	if line.Msg != "redis client" || line.Level != "INFO" || line.Detail != `sentinel: new master="mediad" addr="127.0.0.1:16380"` {
		t.Errorf("logged %+v", line)
	}
}
