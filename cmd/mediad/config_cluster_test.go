package main

import (
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/worker"
)

// loadWith loads the configuration from the required variables plus env.
func loadWith(env map[string]string) (Config, error) {
	required := map[string]string{"MEDIA_S3_ACCESS_KEY": "k", "MEDIA_S3_SECRET_KEY": "s",
		"MEDIA_URL_SIGNING_KEY": strings.Repeat("ab", 32)}
	return LoadConfig(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return required[k]
	})
}

// TestConfigRedisSentinel: MEDIA_REDIS_SENTINELS and MEDIA_REDIS_MASTER
// switch Asynq and go-redis to Sentinel failover; plain MEDIA_REDIS_ADDR
// keeps working; every mistake names the variable to fix.
func TestConfigRedisSentinel(t *testing.T) {
	c, err := loadWith(map[string]string{
		"MEDIA_REDIS_SENTINELS": "127.0.0.1:26379, 127.0.0.1:26380,10.0.0.3:26381",
		"MEDIA_REDIS_MASTER":    "mediad", "MEDIA_REDIS_DB": "3", "MEDIA_REDIS_PASSWORD": "pw",
	})
	if err != nil {
		t.Fatalf("sentinel config: %v", err)
	}
	want := asynq.RedisFailoverClientOpt{MasterName: "mediad", DB: 3, Password: "pw",
		SentinelAddrs: []string{"127.0.0.1:26379", "127.0.0.1:26380", "10.0.0.3:26381"}}
	got, ok := worker.RedisOpt(c.Worker).(asynq.RedisFailoverClientOpt)
	if !ok || got.MasterName != want.MasterName || got.DB != want.DB || got.Password != want.Password ||
		strings.Join(got.SentinelAddrs, " ") != strings.Join(want.SentinelAddrs, " ") {
		t.Errorf("asynq options %#v, want %#v", worker.RedisOpt(c.Worker), want)
	}
	if c.Worker.RedisAddr != "" {
		t.Errorf("RedisAddr %q with Sentinel, want none", c.Worker.RedisAddr)
	}
	rdb := worker.NewRedis(c.Worker)
	defer rdb.Close()
	if o := rdb.Options(); o.DB != 3 || o.Password != "pw" || o.Addr != "FailoverClient" {
		t.Errorf("go-redis options addr %q db %d: want a failover client on db 3", o.Addr, o.DB)
	}
	if name := worker.RedisName(c.Worker); !strings.Contains(name, `"mediad"`) || !strings.Contains(name, "127.0.0.1:26380") {
		t.Errorf("RedisName %q names neither master nor sentinels", name)
	}

	// Plain MEDIA_REDIS_ADDR: one server, as before.
	c, err = loadWith(map[string]string{"MEDIA_REDIS_ADDR": "127.0.0.1:6380"})
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := worker.RedisOpt(c.Worker).(asynq.RedisClientOpt); !ok || o.Addr != "127.0.0.1:6380" {
		t.Errorf("asynq options %#v, want one server at 127.0.0.1:6380", worker.RedisOpt(c.Worker))
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no master", map[string]string{"MEDIA_REDIS_SENTINELS": "127.0.0.1:26379"}, "MEDIA_REDIS_MASTER: required"},
		{"master alone", map[string]string{"MEDIA_REDIS_MASTER": "mediad"}, "MEDIA_REDIS_MASTER: set MEDIA_REDIS_SENTINELS"},
		{"both", map[string]string{"MEDIA_REDIS_SENTINELS": "127.0.0.1:26379", "MEDIA_REDIS_MASTER": "m",
			"MEDIA_REDIS_ADDR": "127.0.0.1:6379"}, "MEDIA_REDIS_ADDR: set either"},
		{"no port", map[string]string{"MEDIA_REDIS_SENTINELS": "127.0.0.1", "MEDIA_REDIS_MASTER": "m"}, "MEDIA_REDIS_SENTINELS: want host:port"},
		{"bad port", map[string]string{"MEDIA_REDIS_SENTINELS": "127.0.0.1:26379,h:x", "MEDIA_REDIS_MASTER": "m"}, "MEDIA_REDIS_SENTINELS: want host:port with a numeric port"},
		{"empty entry", map[string]string{"MEDIA_REDIS_SENTINELS": "127.0.0.1:26379,,h:1", "MEDIA_REDIS_MASTER": "m"}, "MEDIA_REDIS_SENTINELS: want comma-separated"},
	} {
		if _, err := loadWith(tc.env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestConfigDatabaseMultiHost: a multi-host URL with
// target_session_attrs=read-write is taken as is (pgx tries the hosts in
// turn and keeps the writable one); several hosts without it, or a URL pgx
// cannot parse, are refused naming MEDIA_DATABASE_URL and never quoting
// the password.
func TestConfigDatabaseMultiHost(t *testing.T) {
	const multi = "postgres://mediad:s3cret@127.0.0.1:15431,127.0.0.1:15432/media?target_session_attrs=read-write&sslmode=disable"
	c, err := loadWith(map[string]string{"MEDIA_DATABASE_URL": multi})
	if err != nil {
		t.Fatalf("multi-host URL: %v", err)
	}
	pc, err := pgxpool.ParseConfig(c.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	cc := pc.ConnConfig
	if cc.Host != "127.0.0.1" || cc.Port != 15431 || len(cc.Fallbacks) != 1 || cc.Fallbacks[0].Port != 15432 || cc.ValidateConnect == nil {
		t.Errorf("parsed %s:%d with %d fallbacks (validate %v), want 15431 then 15432, read-write checked",
			cc.Host, cc.Port, len(cc.Fallbacks), cc.ValidateConnect != nil)
	}
	for _, tc := range []struct{ name, url, want string }{
		{"no session attrs", "postgres://mediad:s3cret@127.0.0.1:15431,127.0.0.1:15432/media", "several hosts need target_session_attrs"},
		{"unparsable", "postgres://mediad:s3cret@127.0.0.1:15431/media?target_session_attrs=bogus", "not a valid PostgreSQL URL"},
		{"not postgres", "mysql://mediad:s3cret@127.0.0.1/media", "want a postgres:// URL"},
	} {
		_, err := loadWith(map[string]string{"MEDIA_DATABASE_URL": tc.url})
		if err == nil || !strings.Contains(err.Error(), "MEDIA_DATABASE_URL: "+tc.want) {
			t.Errorf("%s: error %v, want MEDIA_DATABASE_URL: %s", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error quotes the password: %v", tc.name, err)
		}
	}
}
