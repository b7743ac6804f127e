package dbtest

// Versions stands in for db.Changes in cache tests: Change(scopes...)
// records a change of those scopes, Change() of everything, and Live
// says whether the listener is connected.
type Versions struct {
	Seq, all uint64
	Live     bool
	at       map[string]uint64
}

// NewVersions returns Versions at sequence 0 with the listener live.
func NewVersions() *Versions { return &Versions{Live: true, at: map[string]uint64{}} }

func (f *Versions) Version() (uint64, bool) { return f.Seq, f.Live }

func (f *Versions) Changed(v uint64, scopes []string) bool {
	if !f.Live || f.all > v {
		return true
	}
	for _, s := range scopes {
		if f.at[s] > v {
			return true
		}
	}
	return false
}

func (f *Versions) Change(scopes ...string) {
	f.Seq++
	if len(scopes) == 0 {
		f.all = f.Seq
	}
	for _, s := range scopes {
		f.at[s] = f.Seq
	}
}
