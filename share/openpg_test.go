package share

import (
	"context"
	"testing"
)

// TestOpenQueries: one uncached open of a link waits for one round trip
// to PostgreSQL (two statements, sent together). It was two round trips.
func TestOpenQueries(t *testing.T) {
	f := newPGFixture(t, false)
	a, items := f.album(60)
	albumTok, _ := f.link(&a, nil)
	itemTok, _ := f.link(nil, &items[0])
	for _, tc := range []struct {
		name, token string
		shows       int
	}{{"album link", albumTok, 50}, {"item link", itemTok, 1}} {
		stmts, trips := f.conn.stmts.Load(), f.conn.trips.Load()
		n, err := f.open(tc.token)
		if err != nil || n != tc.shows {
			t.Fatalf("%s: %d items, %v; want %d", tc.name, n, err, tc.shows)
		}
		stmts, trips = f.conn.stmts.Load()-stmts, f.conn.trips.Load()-trips
		if trips != 1 {
			t.Errorf("%s: %d round trips per open, want 1", tc.name, trips)
		}
		t.Logf("%s: %d statements in %d round trips per open", tc.name, stmts, trips)
	}
}

// BenchmarkOpenUncached is one uncached open of a 50-item album page:
// the queries, the signing of 100 URLs and the JSON encoding.
func BenchmarkOpenUncached(b *testing.B) {
	f := newPGFixture(b, false)
	a, _ := f.album(60)
	tok, _ := f.link(&a, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.OpenJSON(ctx, "", tok, "", "", 50); err != nil {
			b.Fatal(err)
		}
	}
}
