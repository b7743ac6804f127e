package main

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/wxalbum/mediad/internal/testenv"
)

func testenvRedis(t *testing.T) string { return testenv.RedisAddr(t) }

// tcpProxy forwards to a real service and can play "down": it then drops
// every open connection and refuses new ones, as a stopped server would.
type tcpProxy struct {
	addr   string
	target string
	ln     net.Listener
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	// watches fire when a request through the proxy carries their pattern.
	watches map[string]chan struct{}
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.setDown(true) })
	go p.accept()
	return p
}

func (p *tcpProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		if !down {
			p.conns[c] = true
		}
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		go p.pipe(c)
	}
}

func (p *tcpProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[up] = true
	p.mu.Unlock()
	go func() { io.Copy(&watchWriter{w: up, p: p}, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

// seen returns a channel closed once a request through the proxy carries
// pattern (in one read; request lines and headers arrive whole).
func (p *tcpProxy) seen(pattern string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := make(chan struct{})
	if p.watches == nil {
		p.watches = map[string]chan struct{}{}
	}
	p.watches[pattern] = ch
	return ch
}

// watchWriter forwards client bytes upstream and fires matching watches.
type watchWriter struct {
	w io.Writer
	p *tcpProxy
}

func (ww *watchWriter) Write(b []byte) (int, error) {
	ww.p.mu.Lock()
	for pat, ch := range ww.p.watches {
		if bytes.Contains(b, []byte(pat)) {
			close(ch)
			delete(ww.p.watches, pat)
		}
	}
	ww.p.mu.Unlock()
	return ww.w.Write(b)
}

func (p *tcpProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}
